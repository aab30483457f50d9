"""Everything a report shows, gathered from the state database in one pass of aggregate queries."""

import datetime
import json

from ztoq_luigi import __version__
from ztoq_luigi.config import PHASES
from ztoq_luigi.db.models import ErrorRecord, Event, ValidationIssue, WorkflowRun
from ztoq_luigi.db.state import severity_order, summarize

LIST_LIMIT = 2000

NOT_MIGRATED = (
    "Test case history: only the latest version of each test case is migrated; executions of older "
    "versions are logged against it, with the executed version named in the log's note.",
    "Custom fields, issue and web links of test cycles, plans and executions; Jira project versions; "
    "TEST_PLAN folders.",
    "Data-driven test data rows.",
    "Attachments that Zephyr holds outside rich text: the Zephyr Scale v2 API has no attachment endpoint.",
    "Files embedded in the descriptions of test cycles and test plans: their descriptions keep the original "
    "links (qTest test cycles hold no attachments).",
    "Comments of executions that were never executed (status Not Executed): qTest has no test log for them.",
)


def gather(project_key, database_description):
    summary = summarize(project_key)
    runs = (WorkflowRun.select().where(WorkflowRun.project_key == project_key)
            .order_by(WorkflowRun.id.desc()).limit(20))
    errors = (ErrorRecord.select().where(ErrorRecord.project_key == project_key)
              .order_by(ErrorRecord.id).limit(LIST_LIMIT))
    warnings = (Event.select().where((Event.project_key == project_key) & (Event.level == "WARNING"))
                .order_by(Event.id).limit(LIST_LIMIT))
    issues = (ValidationIssue.select().where(ValidationIssue.project_key == project_key)
              .order_by(severity_order(ValidationIssue.severity), ValidationIssue.rule, ValidationIssue.entity_key))
    return {
        "project_key": project_key,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool_version": __version__,
        "database": database_description,
        "runs": [{"id": run.id, "command": run.command, "phases": run.phases, "status": run.status,
                  "started_at": _time(run.started_at), "finished_at": _time(run.finished_at),
                  "message": run.message} for run in runs],
        "entities": {name: {"extracted": c.extracted, "transformed": c.transformed, "loaded": c.loaded,
                            "confirmed": c.confirmed, "pending": c.pending, "failed": c.failed}
                     for name, c in summary.entities.items()},
        "completed_tasks": summary.markers,
        "finished_phases": [phase for phase in PHASES if phase in summary.phases_done],
        "timings": {phase: summary.timings[phase] for phase in PHASES if phase in summary.timings},
        "errors": [{"phase": e.phase, "entity_type": e.entity_type, "entity_key": e.entity_key,
                    "http_status": e.http_status, "message": e.message, "fatal": e.fatal_status is not None}
                   for e in errors],
        "error_count": summary.error_count,
        "warnings": [{"phase": w.phase, "entity_key": json.loads(w.context or "{}").get("entity_key"),
                      "message": w.message} for w in warnings],
        "validation": {"counts": summary.validation,
                       "issues": [{"severity": i.severity, "rule": i.rule, "entity_type": i.entity_type,
                                   "entity_key": i.entity_key, "expected": i.expected, "actual": i.actual,
                                   "message": i.message} for i in issues]},
        "not_migrated": list(NOT_MIGRATED),
        "list_limit": LIST_LIMIT,
    }


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
