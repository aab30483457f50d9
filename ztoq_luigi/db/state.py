"""Read a project's whole migration state in a few aggregate queries, and remove it.

`status` and `report` must stay fast on a database holding hundreds of
thousands of entities, so everything here is a GROUP BY on indexed columns,
never a scan into Python.
"""

from dataclasses import dataclass, field
from typing import Optional

import peewee

from ztoq_luigi.config import SEVERITY_NAMES
from ztoq_luigi.db.connection import write_transaction
from ztoq_luigi.db.entities import adopted_counts
from ztoq_luigi.db.journal import forget_runs
from ztoq_luigi.db.models import (
    PROJECT_TABLES, EntityMap, ErrorRecord, Event, ExtractedEntity, Marker, RunLock, TransformedEntity,
    ValidationIssue, WorkflowRun,
)
from ztoq_luigi.db.run_lock import live_hosts
from ztoq_luigi.db.markers import in_round
from ztoq_luigi.db.rounds import rounds
from ztoq_luigi.kinds import PHASES, MarkerKind, WriteState


@dataclass
class EntityCounts:
    extracted: int = 0
    transformed: int = 0
    pending: int = 0
    created: int = 0
    confirmed: int = 0
    failed: int = 0
    adopted: int = 0
    deleted: int = 0

    @property
    def loaded(self):
        return self.created + self.confirmed


@dataclass
class ProjectSummary:
    project_key: str
    latest_run: Optional[WorkflowRun]
    run_count: int
    entities: dict = field(default_factory=dict)
    markers: dict = field(default_factory=dict)
    error_count: int = 0
    recent_errors: list = field(default_factory=list)
    validation: dict = field(default_factory=dict)
    recent_events: list = field(default_factory=list)
    phases_done: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    hosts: list = field(default_factory=list)
    batches_by_host: dict = field(default_factory=dict)
    rounds: list = field(default_factory=list)

    @property
    def recorded(self):
        return self.run_count > 0 or bool(self.entities)


def summarize(project_key, recent=5):
    entities = {}

    def counts(entity_type):
        return entities.setdefault(entity_type, EntityCounts())

    for entity_type, total in _grouped(ExtractedEntity, ExtractedEntity.entity_type, project_key):
        counts(entity_type).extracted = total
    for entity_type, total in _grouped(TransformedEntity, TransformedEntity.entity_type, project_key):
        counts(entity_type).transformed = total
    by_state = (
        EntityMap.select(EntityMap.source_type, EntityMap.state, peewee.fn.COUNT(EntityMap.id))
        .where(EntityMap.project_key == project_key)
        .group_by(EntityMap.source_type, EntityMap.state)
        .tuples()
    )
    for entity_type, state, total in by_state:
        setattr(counts(entity_type), state, total)
    for entity_type, total in adopted_counts(project_key).items():
        counts(entity_type).adopted = total
    failures = (ErrorRecord.select(ErrorRecord.entity_type, peewee.fn.COUNT(ErrorRecord.id))
                .where((ErrorRecord.project_key == project_key) & ErrorRecord.entity_type.is_null(False)
                       & ErrorRecord.fatal_status.is_null())
                .group_by(ErrorRecord.entity_type).tuples())
    for entity_type, total in failures:
        counts(entity_type).failed = total

    runs = WorkflowRun.select().where(WorkflowRun.project_key == project_key)
    latest = runs.order_by(WorkflowRun.id.desc()).first()
    return ProjectSummary(
        project_key=project_key,
        latest_run=latest,
        run_count=runs.count(),
        entities=dict(sorted(entities.items())),
        markers=dict(Marker.select(Marker.phase, peewee.fn.COUNT(Marker.id))
                     .where(in_round(project_key))
                     .group_by(Marker.phase).tuples()),
        error_count=ErrorRecord.select().where(ErrorRecord.project_key == project_key).count(),
        recent_errors=list(
            ErrorRecord.select().where(ErrorRecord.project_key == project_key)
            .order_by(ErrorRecord.id.desc()).limit(recent)
        ),
        validation=dict(_grouped(ValidationIssue, ValidationIssue.severity, project_key)
                        .order_by(severity_order(ValidationIssue.severity))),
        recent_events=list(
            Event.select().where(Event.project_key == project_key).order_by(Event.id.desc()).limit(recent)
        ),
        phases_done=phases_done(project_key),
        timings=phase_timings(project_key),
        hosts=run_hosts(project_key),
        batches_by_host=batches_by_host(project_key, latest.id) if latest else {},
        rounds=rounds(project_key),
    )


def run_hosts(project_key):
    """The live hosts working on the project's run now (one, or several through luigid)."""
    lock = RunLock.get_or_none(RunLock.project_key == project_key)
    return live_hosts(project_key, lock.token) if lock else []


def batches_by_host(project_key, run_id):
    """{host and pid: batches it finished} in one run: how the hosts of a run shared its batches."""
    return dict(Marker.select(Marker.done_by, peewee.fn.COUNT(Marker.id))
                .where((Marker.project_key == project_key) & (Marker.run == run_id)
                       & (Marker.kind == MarkerKind.BATCH.value) & Marker.done_by.is_null(False))
                .group_by(Marker.done_by).order_by(Marker.done_by).tuples())


def severity_order(column):
    """An ORDER BY term putting critical issues first, then error, warning, info (and anything else last)."""
    return peewee.Case(column, [(name, rank) for rank, name in enumerate(SEVERITY_NAMES)], len(SEVERITY_NAMES))


def phase_timings(project_key):
    """{phase: {tasks, busy_seconds, elapsed_seconds}} from the start and end of each finished task."""
    spans = {}
    rows = (Marker.select(Marker.phase, Marker.started_at, Marker.completed_at)
            .where(in_round(project_key) & Marker.started_at.is_null(False)).tuples())
    for phase, started, completed in rows:
        spans.setdefault(phase, []).append((started, completed))
    return {
        phase: {
            "tasks": len(items),
            "busy_seconds": round(sum((end - start).total_seconds() for start, end in items), 3),
            "elapsed_seconds": round((max(end for _, end in items) - min(start for start, _ in items))
                                     .total_seconds(), 3),
        }
        for phase, items in spans.items()
    }


def _grouped(model, column, project_key):
    return (
        model.select(column, peewee.fn.COUNT(model.id))
        .where(model.project_key == project_key)
        .group_by(column)
        .tuples()
    )


def count_rows(project_key):
    return {
        model._meta.table_name: model.select().where(model.project_key == project_key).count()
        for model in PROJECT_TABLES
    }


def delete_project(project_key):
    """Delete every row of the project in one transaction; returns the rows deleted per table."""
    deleted = {}
    forget_runs(project_key)
    with write_transaction():
        for model in PROJECT_TABLES:
            deleted[model._meta.table_name] = model.delete().where(model.project_key == project_key).execute()
    return deleted


@dataclass
class ProgressCounts:
    """What the progress display needs, read in a handful of grouped queries (it polls every second)."""

    extracted: dict = field(default_factory=dict)
    transformed: dict = field(default_factory=dict)
    loaded: dict = field(default_factory=dict)
    confirmed: dict = field(default_factory=dict)
    adopted: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    batch_items: dict = field(default_factory=dict)
    errors: int = 0
    phases_done: set = field(default_factory=set)


def progress_counts(project_key):
    counts = ProgressCounts(extracted=dict(_grouped(ExtractedEntity, ExtractedEntity.entity_type, project_key)),
                            transformed=dict(_grouped(TransformedEntity, TransformedEntity.entity_type, project_key)))
    by_state = (EntityMap.select(EntityMap.source_type, EntityMap.state, peewee.fn.COUNT(EntityMap.id))
                .where(EntityMap.project_key == project_key).group_by(EntityMap.source_type, EntityMap.state).tuples())
    for entity_type, state, total in by_state:
        if state != WriteState.PENDING:
            counts.loaded[entity_type] = counts.loaded.get(entity_type, 0) + total
        if state == WriteState.CONFIRMED:
            counts.confirmed[entity_type] = total
    counts.adopted = adopted_counts(project_key)
    steps = (Marker.select(Marker.name, Marker.item_count)
             .where(in_round(project_key) & Marker.batch_no.is_null()).tuples())
    counts.steps = dict(steps)
    batches = (Marker.select(Marker.phase, Marker.entity_type, peewee.fn.SUM(Marker.item_count + Marker.failed_count))
               .where(in_round(project_key) & Marker.batch_no.is_null(False))
               .group_by(Marker.phase, Marker.entity_type).tuples())
    counts.batch_items = {(phase, entity_type): int(total or 0) for phase, entity_type, total in batches}
    counts.errors = ErrorRecord.select().where(ErrorRecord.project_key == project_key).count()
    counts.phases_done = set(phases_done(project_key))
    return counts


def phases_done(project_key):
    """The phases whose marker exists, in pipeline order."""
    done = {phase for (phase,) in Marker.select(Marker.phase).where(
        in_round(project_key) & (Marker.kind == MarkerKind.PHASE.value)).tuples()}
    return [phase for phase in PHASES if phase in done]
