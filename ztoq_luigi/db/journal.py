"""The run journal: workflow runs, events and errors, written as the pipeline goes.

Events and errors attach to the project's current run, found in the
database rather than passed around, so tasks started by Luigi's own CLI or
by luigid record into the same journal as those started by `ztoq`.
"""

import json
import weakref

from peewee import fn

from ztoq_luigi.db.chunked import insert_chunked
from ztoq_luigi.db.connection import write_transaction
from ztoq_luigi.db.models import ErrorRecord, Event, WorkflowRun, database_proxy, utcnow

RUNNING, SUCCEEDED, FAILED, INTERRUPTED = "running", "succeeded", "failed", "interrupted"


_running = weakref.WeakKeyDictionary()  # database -> {project key: its run in progress, as this process saw it}


def start_run(project_key, command, phases, settings):
    """Open a run; runs left 'running' by a crash are closed as interrupted first."""
    forget_runs(project_key)
    with write_transaction():
        (WorkflowRun.update(status=INTERRUPTED, finished_at=utcnow(),
                            message="the process stopped before the run finished")
         .where((WorkflowRun.project_key == project_key) & (WorkflowRun.status == RUNNING)).execute())
        return WorkflowRun.create(project_key=project_key, command=command, phases=" ".join(phases),
                                  settings=json.dumps(settings, default=str))


def finish_run(run_id, status, message=None):
    """Close a run once; when two hosts of a run leave at the same moment, both may try."""
    runs = _runs_here()
    for project_key in [key for key, running in runs.items() if running == run_id]:
        del runs[project_key]
    (WorkflowRun.update(status=status, finished_at=utcnow(), message=message)
     .where((WorkflowRun.id == run_id) & (WorkflowRun.status == RUNNING)).execute())


def is_running(run_id):
    return WorkflowRun.select().where((WorkflowRun.id == run_id) & (WorkflowRun.status == RUNNING)).exists()


def latest_run_id(project_key):
    run = (WorkflowRun.select(WorkflowRun.id).where(WorkflowRun.project_key == project_key)
           .order_by(WorkflowRun.id.desc()).first())
    return run.id if run else 0


def close_runs_after(project_key, run_id, status, message):
    """Close the runs opened after `run_id` that are still 'running': the command that opened them is failing."""
    forget_runs(project_key)
    (WorkflowRun.update(status=status, finished_at=utcnow(), message=message)
     .where((WorkflowRun.project_key == project_key) & (WorkflowRun.id > run_id) & (WorkflowRun.status == RUNNING))
     .execute())


def current_run_id(project_key):
    """The project's run in progress, which every event, error and marker of a task belongs to.

    A run stays in progress while its tasks record hundreds of events, so
    the id is looked up once and remembered until this process opens or
    closes a run of the project.
    """
    runs = _runs_here()
    if project_key not in runs:
        run = (WorkflowRun.select(WorkflowRun.id)
               .where((WorkflowRun.project_key == project_key) & (WorkflowRun.status == RUNNING))
               .order_by(WorkflowRun.id.desc()).first())
        if run is None:
            return None
        runs[project_key] = run.id
    return runs[project_key]


def forget_runs(project_key):
    """The project's runs are about to be deleted: what this process remembers of them goes first."""
    _runs_here().pop(project_key, None)


def _runs_here():
    return _running.setdefault(database_proxy.obj, {})


def record_event(project_key, message, *, phase=None, batch_no=None, level="INFO", kind=None, subject=None,
                 entity_key=None, **context):
    Event.create(**_event_row(project_key, current_run_id(project_key), message, phase=phase, batch_no=batch_no,
                              level=level, kind=kind, subject=subject, entity_key=entity_key, **context))


def record_events(project_key, events, *, phase=None, batch_no=None, level="INFO", **context):
    """Record (entity key, message, kind, subject) events, CHUNK to a statement (db/chunked.py).

    A batch's warnings come by the hundred (an unknown user on every
    execution); one statement each cost a medium migration 5,000 writes.
    """
    run_id = current_run_id(project_key)
    rows = [_event_row(project_key, run_id, message, phase=phase, batch_no=batch_no, level=level, kind=kind,
                       subject=subject, entity_key=entity_key, **context)
            for entity_key, message, kind, subject in events]
    insert_chunked(Event, rows)


def _event_row(project_key, run_id, message, *, phase, batch_no, level, kind, subject, entity_key, **context):
    return {"project_key": project_key, "run": run_id, "time": utcnow(), "phase": phase, "batch_no": batch_no,
            "level": level, "message": message, "kind": kind, "subject": subject, "entity_key": entity_key,
            "context": json.dumps(context, default=str, sort_keys=True)}


def event_context(event):
    """Everything recorded with an event, its kind, subject and entity included, as one dict."""
    details = json.loads(event.context or "{}")
    details.update({name: value for name, value in (("kind", event.kind), ("subject", event.subject),
                                                    ("entity_key", event.entity_key)) if value is not None})
    return dict(sorted(details.items()))


def record_error(project_key, phase, message, *, entity_type=None, entity_key=None, http_status=None,
                 excerpt=None, attempt=1, fatal_status=None):
    """An entity that could not be migrated, or (with fatal_status) a task that failed outright."""
    ErrorRecord.create(project_key=project_key, run=current_run_id(project_key), phase=phase,
                       entity_type=entity_type, entity_key=entity_key, http_status=http_status, message=message,
                       response_excerpt=excerpt, attempt=attempt, fatal_status=fatal_status)


def run_failed(project_key, run_id):
    """A task of the run failed outright (not an entity error): every host stops taking work."""
    return (ErrorRecord.select().where((ErrorRecord.project_key == project_key) & (ErrorRecord.run == run_id)
                                       & ErrorRecord.fatal_status.is_null(False)).exists())


def errors_of_run(project_key, run_id):
    return list(ErrorRecord.select().where((ErrorRecord.project_key == project_key) & (ErrorRecord.run == run_id))
                .order_by(ErrorRecord.id))


def _warnings(project_key):
    return (Event.project_key == project_key) & (Event.level == "WARNING")


def warning_tallies(project_key, kinds, examples, subjects):
    """Warnings of the given kinds counted in SQL: {kind, count, entities, subject_count, subjects, examples}.

    A large project records a warning per entity (hundreds of thousands), so
    the report reads counts and a few examples per kind, never every row.
    """
    scope = _warnings(project_key) & Event.kind.in_([str(kind) for kind in kinds])
    totals = (Event.select(Event.kind, fn.COUNT(Event.id), fn.COUNT(Event.entity_key.distinct()),
                           fn.COUNT(Event.subject.distinct()))
              .where(scope).group_by(Event.kind).tuples())
    return [{"kind": kind, "count": count, "entities": entities, "subject_count": subject_count,
             "subjects": _top_subjects(project_key, kind, subjects, examples),
             "examples": list(Event.select(Event.entity_key, Event.message)
                              .where(_warnings(project_key) & (Event.kind == kind))
                              .order_by(Event.id).limit(examples).tuples())}
            for kind, count, entities, subject_count in totals]


def _top_subjects(project_key, kind, limit, examples):
    of_kind = _warnings(project_key) & (Event.kind == kind)
    counted = fn.COUNT(Event.id)
    top = (Event.select(Event.subject, counted).where(of_kind & Event.subject.is_null(False))
           .group_by(Event.subject).order_by(counted.desc(), Event.subject).limit(limit).tuples())
    return [{"subject": subject, "count": count,
             "examples": [key for (key,) in Event.select(Event.entity_key)
                          .where(of_kind & (Event.subject == subject) & Event.entity_key.is_null(False))
                          .group_by(Event.entity_key).order_by(fn.MIN(Event.id)).limit(examples).tuples()]}
            for subject, count in top]


def other_warnings(project_key, kinds):
    """(entity_key, message, kind, subject) of the warnings not of the given kinds (recorded without one), lazily."""
    return (Event.select(Event.entity_key, Event.message, Event.kind, Event.subject)
            .where(_warnings(project_key) & (Event.kind.is_null() | Event.kind.not_in([str(kind) for kind in kinds])))
            .order_by(Event.id).tuples().iterator())
