"""The run journal: workflow runs, events and errors, written as the pipeline goes.

Events and errors attach to the project's current run, found in the
database rather than passed around, so tasks started by Luigi's own CLI or
by luigid record into the same journal as those started by `ztoq`.
"""

import json

from ztoq_luigi.db.connection import write_transaction
from ztoq_luigi.db.models import ErrorRecord, Event, WorkflowRun, utcnow

RUNNING, SUCCEEDED, FAILED, INTERRUPTED = "running", "succeeded", "failed", "interrupted"


def start_run(project_key, command, phases, settings):
    """Open a run; runs left 'running' by a crash are closed as interrupted first."""
    with write_transaction():
        (WorkflowRun.update(status=INTERRUPTED, finished_at=utcnow(),
                            message="the process stopped before the run finished")
         .where((WorkflowRun.project_key == project_key) & (WorkflowRun.status == RUNNING)).execute())
        return WorkflowRun.create(project_key=project_key, command=command, phases=" ".join(phases),
                                  settings=json.dumps(settings, default=str))


def finish_run(run_id, status, message=None):
    WorkflowRun.update(status=status, finished_at=utcnow(), message=message).where(WorkflowRun.id == run_id).execute()


def latest_run_id(project_key):
    run = (WorkflowRun.select(WorkflowRun.id).where(WorkflowRun.project_key == project_key)
           .order_by(WorkflowRun.id.desc()).first())
    return run.id if run else 0


def close_runs_after(project_key, run_id, status, message):
    """Close the runs opened after `run_id` that are still 'running': the command that opened them is failing."""
    (WorkflowRun.update(status=status, finished_at=utcnow(), message=message)
     .where((WorkflowRun.project_key == project_key) & (WorkflowRun.id > run_id) & (WorkflowRun.status == RUNNING))
     .execute())


def current_run_id(project_key):
    run = (WorkflowRun.select(WorkflowRun.id)
           .where((WorkflowRun.project_key == project_key) & (WorkflowRun.status == RUNNING))
           .order_by(WorkflowRun.id.desc()).first())
    return run.id if run else None


def record_event(project_key, message, *, phase=None, batch_no=None, level="INFO", **context):
    Event.create(project_key=project_key, run=current_run_id(project_key), phase=phase, batch_no=batch_no,
                 level=level, message=message, context=json.dumps(context, default=str, sort_keys=True))


def record_error(project_key, phase, message, *, entity_type=None, entity_key=None, http_status=None,
                 excerpt=None, attempt=1, fatal_status=None):
    """An entity that could not be migrated, or (with fatal_status) a task that failed outright."""
    ErrorRecord.create(project_key=project_key, run=current_run_id(project_key), phase=phase,
                       entity_type=entity_type, entity_key=entity_key, http_status=http_status, message=message,
                       response_excerpt=excerpt, attempt=attempt, fatal_status=fatal_status)


def errors_of_run(project_key, run_id):
    return list(ErrorRecord.select().where((ErrorRecord.project_key == project_key) & (ErrorRecord.run == run_id))
                .order_by(ErrorRecord.id))


def warning_record(message, context):
    """(entity_key, message, kind, subject) of a recorded warning event, from its JSON context."""
    details = json.loads(context or "{}")
    return details.get("entity_key"), message, details.get("kind"), details.get("subject")
