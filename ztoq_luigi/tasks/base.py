"""The bases of every pipeline task: a step, a batch, and a group that fans out into batches.

A task is complete when its marker row exists, and it writes that row in
the same transaction as its last data, as luigi.contrib.postgres does with
its marker table: a crash leaves either both or neither. A task's logic is
its `work(ctx)`, given the run's context explicitly (services/context.py);
`run()` only fetches the context, so unit tests call `work` with fakes.

Every task carries the migration it belongs to as a parameter, so that two
migrations sent to one luigid never share a task id, and lives in the
`ztoq` namespace of task families.
"""

import logging
import time

import luigi

from ztoq_luigi.db import journal, run_lock
from ztoq_luigi.db.connection import write_transaction
from ztoq_luigi.db.entities import marker_exists, write_marker
from ztoq_luigi.db.models import BatchLayout, utcnow
from ztoq_luigi.db.rounds import current_round
from ztoq_luigi.errors import ExitStatus, Interrupted, ZtoqError
from ztoq_luigi.kinds import MarkerKind
from ztoq_luigi.services import context

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 1.0


class MarkerTarget(luigi.Target):
    def __init__(self, project_key, name):
        self.project_key = project_key
        self.name = name

    def exists(self):
        ctx = context.current()
        ctx.database()
        return marker_exists(self.project_key, self.name, ctx.sync_round())


class PipelineTask(luigi.Task):
    """One step of the pipeline; subclasses set `phase` and implement marker_name() and work(ctx)."""

    task_namespace = "ztoq"
    project_key = luigi.Parameter(description="Zephyr Scale project key")
    migration = luigi.Parameter(default="", description="which migration the task belongs to (project, target, "
                                                        "state database), so luigid tells migrations apart")

    phase = None
    kind = MarkerKind.STEP
    retryable = False

    def marker_name(self):
        raise NotImplementedError

    def output(self):
        return MarkerTarget(self.project_key, self.marker_name())

    def run(self):
        ctx = context.current()
        ctx.database()
        return self.work(ctx)

    def work(self, ctx):
        raise NotImplementedError

    def atomic(self):
        return write_transaction()

    def mark_done(self, item_count=0, failed_count=0, entity_type=None, batch_no=None):
        """Write the marker; call inside the transaction that stores the task's last data."""
        write_marker(self.project_key, self.marker_name(), self.phase, kind=self.kind,
                     retryable=self.retryable, entity_type=entity_type, batch_no=batch_no, item_count=item_count,
                     failed_count=failed_count, run_id=journal.current_run_id(self.project_key),
                     started_at=getattr(self, "_started_at", None), done_by=run_lock.identity(),
                     sync_round=current_round(self.project_key))

    def event(self, message, level="INFO", batch_no=None, **details):
        journal.record_event(self.project_key, message, phase=self.phase, batch_no=batch_no, level=level, **details)

    def warn(self, notice, **details):
        """A warning, recorded with its kind and subject so that reports group it without reading its text."""
        self.event(notice.message, level="WARNING", kind=notice.kind, subject=notice.subject, **details)

    def warn_all(self, notices, batch_no=None):
        """(entity key, notice) warnings, written together: a batch's come by the hundred."""
        journal.record_events(self.project_key, [(entity_key, notice.message, notice.kind, notice.subject)
                                                 for entity_key, notice in notices],
                              phase=self.phase, batch_no=batch_no, level="WARNING")

    def error(self, message, **details):
        journal.record_error(self.project_key, self.phase, message, **details)

    def on_failure(self, exception):
        """Record why the task failed, in one line; it is also what luigid shows for the task.

        A task stopped by SIGINT or SIGTERM did not fail: the run records the interruption once.
        """
        if isinstance(exception, Interrupted):
            return str(exception)
        status = int(getattr(exception, "exit_status", ExitStatus.FAILED))
        message = str(exception).strip().splitlines()[0] if str(exception).strip() else type(exception).__name__
        if not isinstance(exception, ZtoqError):
            message = f"{type(exception).__name__}: {message}"
            log.error("%s failed", self.task_id, exc_info=exception)
        try:
            self.error(message, fatal_status=status)
        except Exception:
            log.exception("could not record the failure of %s", self.task_id)
        return message


@PipelineTask.event_handler(luigi.Event.START)
def _remember_start(task):
    """Luigi announces each start in the thread that runs the task; the marker keeps it for timings."""
    task._started_at = utcnow()


class BatchTask(PipelineTask):
    """One batch of `batch_size` entities: a range of ordinals fixed by the listing.

    A batch in which some entities failed is done again by the next run
    (`retryable`), and reports its progress to the scheduler as it goes.
    """

    kind = MarkerKind.BATCH
    retryable = True
    batch_size = luigi.IntParameter(description="entities per batch")
    batch_no = luigi.IntParameter(description="batch number, from 0")

    @property
    def ordinals(self):
        return self.batch_no * self.batch_size, (self.batch_no + 1) * self.batch_size

    def tracked(self, items, what):
        """Yield `items`, telling the scheduler (luigid's UI) how far the batch is, at most once a second."""
        items = list(items)
        return self.progress(len(items), what).over(items)

    def progress(self, total, what):
        """A progress report over `total` items that arrive in several parts (a batch read window by window)."""
        return _Progress(self, total, what)

    def _report(self, done, total, what):
        """Luigi binds the reporters only while it runs the task; a task's work run directly reports nowhere."""
        if self.set_progress_percentage is not None:
            self.set_progress_percentage(100 if not total else round(100 * done / total))
            self.set_status_message(f"{done}/{total} {what}")


class _Progress:
    def __init__(self, task, total, what):
        self.task, self.total, self.what = task, total, what
        self.done, self.reported = 0, 0.0

    def over(self, items):
        for item in items:
            now = time.monotonic()
            if now - self.reported >= PROGRESS_INTERVAL_SECONDS:
                self.task._report(self.done, self.total, self.what)
                self.reported = now
            yield item
            self.done += 1
        if self.done >= self.total:
            self.task._report(self.done, self.total, self.what)


class Group(PipelineTask):
    """A group of work of one phase: what must be done first, then what that makes known.

    Most groups run their steps first (a listing, the fields, the module
    tree), then the batches whose number only those steps tell (built with
    cut()), and last what must not run beside those batches (a census that
    holds every key of the project would add its memory to theirs).
    Subclasses declare `area` and implement first(), then() and last(); the
    group's marker is written when all are done, so a finished group costs
    one query on a rerun.
    """

    kind = MarkerKind.GROUP
    batch_size = luigi.IntParameter(description="entities per batch")
    area = None

    def marker_name(self):
        return f"group/{self.phase}/{self.area}"

    def first(self):
        return []

    def then(self):
        return []

    def last(self):
        return []

    def finish(self, ctx):
        """What the group records once all its work is done, in the transaction of its marker."""

    def item_count(self):
        return 0

    def work(self, ctx):
        self.workers = ctx.settings.max_workers
        for stage in (self.first, self.then, self.last):
            work = stage()
            if work:
                yield work
        with self.atomic():
            self.finish(ctx)
            self.mark_done(item_count=self.item_count())

    def cut(self, batch_task, scope, total, **params):
        """The batches of `batch_task` that cover `total` entities of `scope`, laid out once for good."""
        size, count = layout(self.project_key, scope, total, self.batch_size, self.workers)
        return [self.clone(batch_task, batch_size=size, batch_no=n, **params) for n in range(count)]


def layout(project_key, scope, total, batch_size, workers):
    """(size, count) of the batches that cover `total` entities of one scope (a phase or a load level).

    No batch is larger than batch_size, and a small total is cut finer so
    that every thread gets a batch: the batches of a scope run in parallel,
    and a thread without one adds nothing to the throughput. The size chosen
    the first time is recorded and kept, so a resume with another
    --max-workers finds the same batches done instead of redoing them.
    """
    recorded = BatchLayout.get_or_none((BatchLayout.project_key == project_key) & (BatchLayout.scope == scope)
                                       & (BatchLayout.requested_size == batch_size))
    if recorded is not None:
        size = recorded.size
    else:
        size = max(1, min(batch_size, -(-total // max(1, workers)))) if total else batch_size
        with write_transaction():
            (BatchLayout.insert(project_key=project_key, scope=scope, requested_size=batch_size, size=size)
             .on_conflict_ignore().execute())
        size = BatchLayout.get((BatchLayout.project_key == project_key) & (BatchLayout.scope == scope)
                               & (BatchLayout.requested_size == batch_size)).size
    return size, -(-total // size)
