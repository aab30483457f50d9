"""The base of every pipeline task: a project key, a marker target, a journal.

A task is complete when its marker row exists, and it writes that row in
the same transaction as its last data, as luigi.contrib.postgres does with
its marker table: a crash leaves either both or neither.
"""

import logging

import luigi

from ztoq_luigi.db import journal
from ztoq_luigi.db.entities import marker_exists, write_marker
from ztoq_luigi.db.models import Marker, utcnow
from ztoq_luigi.db.connection import write_transaction
from ztoq_luigi.errors import ExitStatus, Interrupted, ZtoqError
from ztoq_luigi.tasks import context

log = logging.getLogger(__name__)


class MarkerTarget(luigi.Target):
    def __init__(self, project_key, name):
        self.project_key = project_key
        self.name = name

    def exists(self):
        context.database()
        return marker_exists(self.project_key, self.name)


class PipelineTask(luigi.Task):
    project_key = luigi.Parameter(description="Zephyr Scale project key")

    phase = None

    def marker_name(self):
        raise NotImplementedError

    def output(self):
        return MarkerTarget(self.project_key, self.marker_name())

    def atomic(self):
        context.database()
        return write_transaction()

    def mark_done(self, item_count=0, failed_count=0, entity_type=None, batch_no=None):
        """Write the marker; call inside the transaction that stores the task's last data."""
        write_marker(self.project_key, self.marker_name(), self.phase, entity_type=entity_type, batch_no=batch_no,
                     item_count=item_count, failed_count=failed_count,
                     run_id=journal.current_run_id(self.project_key), started_at=getattr(self, "_started_at", None))

    def event(self, message, level="INFO", batch_no=None, **details):
        context.database()
        journal.record_event(self.project_key, message, phase=self.phase, batch_no=batch_no, level=level, **details)

    def error(self, message, **details):
        context.database()
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
    """Luigi announces each start in the process that runs the task; the marker keeps it for timings."""
    task._started_at = utcnow()


class BatchTask(PipelineTask):
    """One batch of `batch_size` entities: a range of ordinals fixed by the listing."""

    batch_size = luigi.IntParameter(description="entities per batch")
    batch_no = luigi.IntParameter(description="batch number, from 0")

    @property
    def ordinals(self):
        return self.batch_no * self.batch_size, (self.batch_no + 1) * self.batch_size


def batches(project_key, scope, total, batch_size):
    """(size, count) of the batches that cover `total` entities of one scope (a phase or a load level).

    No batch is larger than batch_size, and a small total is cut finer so
    that every worker gets a batch: Luigi's workers run batches in parallel,
    and a worker without one adds nothing to the throughput. The size chosen
    the first time is recorded and kept, so a resume with another
    --max-workers finds the same batches done instead of redoing them.
    """
    context.database()
    name = f"layout/{scope}/b{batch_size}"
    recorded = Marker.get_or_none((Marker.project_key == project_key) & (Marker.name == name))
    if recorded is not None:
        size = recorded.item_count
    else:
        workers = max(1, context.settings().max_workers)
        size = max(1, min(batch_size, -(-total // workers))) if total else batch_size
        write_marker(project_key, name, scope.split("/")[0], item_count=size)
    return size, -(-total // size)
