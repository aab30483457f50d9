"""Everything a report shows, gathered from the state database in a few aggregate queries.

The dict built here is the JSON report itself, so its shape is a published
interface: docs/report.schema.json describes it, and SCHEMA_VERSION changes
whenever a field is removed or changes meaning (adding one does not).
"""

import datetime

from ztoq_luigi import __version__
from ztoq_luigi.config import PHASES
from ztoq_luigi.db.journal import other_warnings, warning_tallies
from ztoq_luigi.db.models import ErrorRecord, Marker, ValidationIssue, WorkflowRun
from ztoq_luigi.db.state import severity_order, summarize
from ztoq_luigi.reports.rounds import CHANGE_NAMES, rounds_view
from ztoq_luigi.reports.names import FAILURES_OF, MIGRATED, PHASE_NAMES, display_name, in_display_order
from ztoq_luigi.reports.verdict import verdict
from ztoq_luigi.reports.warnings import EXAMPLES, SUBJECTS, TITLES, group_warnings

SCHEMA_VERSION = 1
LIST_LIMIT = 2000
RECENT_RUNS = 20

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
    runs = list(WorkflowRun.select().where(WorkflowRun.project_key == project_key).order_by(WorkflowRun.id))
    timings = {phase: summary.timings[phase] for phase in PHASES if phase in summary.timings}
    migrated = _migrated(summary.entities)
    errors = (ErrorRecord.select().where(ErrorRecord.project_key == project_key)
              .order_by(ErrorRecord.id).limit(LIST_LIMIT))
    issues = (ValidationIssue.select().where(ValidationIssue.project_key == project_key)
              .order_by(severity_order(ValidationIssue.severity), ValidationIssue.rule, ValidationIssue.entity_key)
              .limit(LIST_LIMIT))
    warning_groups = group_warnings(other_warnings(project_key, TITLES),
                                    warning_tallies(project_key, TITLES, EXAMPLES, SUBJECTS))
    duration = sum(_seconds(run.started_at, run.finished_at) for run in runs if run.finished_at)
    return {
        "schema_version": SCHEMA_VERSION,
        "project_key": project_key,
        "generated_at": _time(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)),
        "tool_version": __version__,
        "database": database_description,
        "verdict": verdict(summary, runs[-1] if runs else None),
        "summary": {
            "migrated": migrated,
            "adopted": {name: summary.entities[name].adopted for name in in_display_order(summary.entities)
                        if summary.entities[name].adopted},
            "duration_seconds": round(duration, 1),
            "throughput_per_minute": _throughput(migrated, timings.get("load")),
            "runs": len(runs),
        },
        "runs": [{"id": run.id, "command": run.command, "phases": run.phases, "status": run.status,
                  "started_at": _time(run.started_at), "finished_at": _time(run.finished_at),
                  "duration_seconds": round(_seconds(run.started_at, run.finished_at), 1) if run.finished_at
                  else None, "message": run.message} for run in reversed(runs[-RECENT_RUNS:])],
        "entities": {name: {"name": display_name(name), "extracted": c.extracted, "transformed": c.transformed,
                            "loaded": c.loaded, "adopted": c.adopted, "confirmed": c.confirmed, "pending": c.pending,
                            "failed": c.failed}
                     for name, c in ((name, summary.entities[name]) for name in in_display_order(summary.entities))},
        "completed_tasks": summary.markers,
        "finished_phases": [phase for phase in PHASES if phase in summary.phases_done],
        "timings": timings,
        "phases": [{"phase": phase, "name": PHASE_NAMES[phase], "finished": phase in summary.phases_done,
                    **timings.get(phase, {"tasks": 0, "busy_seconds": 0.0, "elapsed_seconds": 0.0})}
                   for phase in PHASES],
        "throughput": _completions(project_key),
        "errors": [{"phase": e.phase, "entity_type": e.entity_type, "type_name": display_name(e.entity_type or ""),
                    "entity_key": e.entity_key, "http_status": e.http_status, "message": e.message,
                    "fatal": e.fatal_status is not None} for e in errors],
        "error_count": summary.error_count,
        "warnings": {"total": sum(group["count"] for group in warning_groups), "groups": warning_groups},
        "validation": {"counts": summary.validation, "total": sum(summary.validation.values()),
                       "issues": [{"severity": i.severity, "rule": i.rule, "entity_type": i.entity_type,
                                   "entity_key": i.entity_key, "expected": i.expected, "actual": i.actual,
                                   "message": i.message} for i in issues]},
        "not_migrated": list(NOT_MIGRATED),
        "list_limit": LIST_LIMIT,
        "sync": {"rounds": rounds_view(summary.rounds),
                 "changes": {str(change): name for change, name in CHANGE_NAMES.items()}},
    }


def _migrated(entities):
    """Per qTest type: how many Zephyr objects it comes from, how many are in qTest, failed, and skipped."""
    failed = {}
    for name, counts in entities.items():
        failed[FAILURES_OF.get(name, name)] = failed.get(FAILURES_OF.get(name, name), 0) + counts.failed
    rows = []
    for target, sources in MIGRATED:
        counts = entities.get(target)
        zephyr = sum(entities[source].extracted for source in sources if source in entities) if sources else None
        migrated = counts.loaded if counts else 0
        if not migrated and not zephyr and not failed.get(target):
            continue
        skipped = max(0, zephyr - migrated - failed.get(target, 0)) if zephyr is not None else None
        rows.append({"entity_type": target, "name": display_name(target),
                     "from": ", ".join(display_name(source) for source in sources) or None, "zephyr": zephyr,
                     "migrated": migrated, "validated": counts.confirmed if counts else 0,
                     "failed": failed.get(target, 0), "skipped": skipped})
    return rows


def _throughput(migrated, load_timing):
    """Objects written to qTest per minute of the load phase's elapsed time."""
    if not load_timing or not load_timing["elapsed_seconds"]:
        return None
    written = sum(row["migrated"] for row in migrated)
    return round(written * 60 / load_timing["elapsed_seconds"])


def _completions(project_key):
    """When the batches of the latest run that finished any finished, and how many entities each held."""
    latest = (Marker.select(Marker.run).where((Marker.project_key == project_key) & Marker.run.is_null(False)
                                             & Marker.batch_no.is_null(False))
              .order_by(Marker.run.desc()).first())
    if latest is None:
        return {"run_id": None, "started_at": None, "batches": []}
    run = WorkflowRun.get_by_id(latest.run_id)
    rows = (Marker.select(Marker.phase, Marker.completed_at, Marker.item_count)
            .where((Marker.project_key == project_key) & (Marker.run == run.id) & Marker.batch_no.is_null(False))
            .order_by(Marker.completed_at).tuples())
    return {"run_id": run.id, "started_at": _time(run.started_at),
            "batches": [{"phase": phase, "seconds": round(_seconds(run.started_at, completed), 3), "items": items}
                        for phase, completed, items in rows]}


def _seconds(start, end):
    return max(0.0, (end - start).total_seconds()) if start and end else 0.0


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
