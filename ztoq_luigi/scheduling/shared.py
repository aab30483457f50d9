"""A Luigi worker that shares one run of a migration with the workers of other hosts through luigid.

luigid hands a task only to the workers that scheduled it, and a group's
batches are scheduled by the worker that ran the group (they are dynamic
dependencies). So a worker that finds nothing to do reads from luigid what
the run still needs (the graph under the run's MigrateProject, done tasks
left out), and schedules there the pending tasks it has not scheduled
itself (their markers are checked first, as Luigi's `add` does); luigid still
runs each task on one worker at a time. Only tasks under the run's root are
taken: tasks of an earlier run cut into other batches may linger in luigid,
and running both layouts at once would put one entity in two batches. A
task that luigid failed because its worker stopped answering (killed, or
interrupted) is forgiven and scheduled here, unless the run recorded a real
failure: then every host stops taking work. A worker stays while the run
has tasks it could still run, since those may be running on another host,
and leaves when nothing has run anywhere for a while.
"""

import logging
import time

import luigi.task_register
from luigi.scheduler import DONE, FAILED, PENDING, RUNNING
from luigi.worker import _get_retry_policy_dict

from ztoq_luigi.scheduling.threads import ThreadWorker

log = logging.getLogger(__name__)

ADOPT_INTERVAL_SECONDS = 1.0
FAILURE_CHECK_SECONDS = 1.0
MAX_FORGIVEN = 3
STALL_SECONDS = 30.0


class SharedRunWorker(ThreadWorker):
    """`root` is the task id of the run's MigrateProject; `run_failed()` says whether the run recorded
    a real failure."""

    def __init__(self, *args, root, run_failed, clock=time.monotonic, **kwargs):
        super().__init__(*args, **kwargs)
        self._root = root
        self._run_failed = run_failed
        self._clock = clock
        self._adopted_at = None
        self._checked_at, self._failed = None, False
        self._forgiven = {}
        self._stalled_since, self._running_checked_at, self._running = None, None, False

    def _get_work(self):
        response = super()._get_work()
        if response.task_id is None and not self._stop_requesting_work and self._adoption_due():
            if self.adopt():
                response = super()._get_work()
        if response.task_id is not None:
            self._stalled_since = None
        return response

    def _keep_alive(self, get_work_response):
        """Stay while a task of the migration could still come our way; leave when the run failed.

        Tasks wait here while others run elsewhere; when nothing of the
        migration has run anywhere for STALL_SECONDS and nothing could be
        taken over, what is left can never run (a task failed too often
        without a failure recorded): leaving beats waiting forever.
        """
        if get_work_response.n_pending_tasks == 0 or self.run_failed():
            return False
        now = self._clock()
        if self._stalled_since is None or self._running_anywhere():
            self._stalled_since = now
        return now - self._stalled_since < STALL_SECONDS

    def run_failed(self):
        now = self._clock()
        if not self._failed and (self._checked_at is None or now - self._checked_at >= FAILURE_CHECK_SECONDS):
            self._checked_at, self._failed = now, bool(self._run_failed())
        return self._failed

    def _running_anywhere(self):
        now = self._clock()
        if self._running_checked_at is None or now - self._running_checked_at >= FAILURE_CHECK_SECONDS:
            self._running_checked_at, self._running = now, bool(self._needed(RUNNING))
        return self._running

    def _adoption_due(self):
        now = self._clock()
        if self._adopted_at is not None and now - self._adopted_at < ADOPT_INTERVAL_SECONDS:
            return False
        self._adopted_at = now
        return True

    def adopt(self):
        """Schedule here the run's pending tasks of other workers, and those of dead workers; how many."""
        adopted = 0
        graph = self._scheduler.dep_graph(task_id=self._root, include_done=False) or {}
        for task_id, listed in self._needed(PENDING, graph).items():
            if self._id not in listed.get("workers", ()):
                adopted += self._schedule(task_id, listed)
        if adopted:
            self._stalled_since = None
        if self.run_failed():
            return adopted
        for task_id, listed in self._needed(FAILED, graph).items():
            if self._forgiven.get(task_id, 0) >= MAX_FORGIVEN:
                continue
            self._forgiven[task_id] = self._forgiven.get(task_id, 0) + 1
            log.info("%s failed with no failure recorded (its worker stopped); running it here", task_id)
            self._scheduler.forgive_failures(task_id=task_id)
            adopted += self._schedule(task_id, listed)
            self._stalled_since = None
        return adopted

    def _needed(self, status, graph=None):
        """The tasks in `status` that the run still needs, from luigid's graph under the run's root."""
        if graph is None:
            graph = self._scheduler.dep_graph(task_id=self._root, include_done=False) or {}
        return {task_id: task for task_id, task in graph.items() if task.get("status") == status}

    def _schedule(self, task_id, listed):
        """Schedule a task of the run here as Luigi's `add` would, keeping the dependencies luigid knows.

        `add` would send the task's static requirements as its dependencies,
        dropping the batches a group yielded on another host: the group would
        look ready and run again while its batches run.
        """
        try:
            task = luigi.task_register.Register.get_task_cls(listed["name"]).from_str_params(listed["params"])
        except (luigi.task_register.TaskClassException, KeyError, ValueError) as error:
            log.warning("cannot schedule %s here: %s", task_id, error)
            return 0
        if task.task_id != task_id:
            return 0
        try:
            complete = task.complete()
        except Exception:
            log.exception("cannot tell whether %s is complete; leaving it to the others", task_id)
            return 0
        self._scheduled_tasks[task_id] = task
        self._add_task(worker=self._id, task_id=task_id, status=DONE if complete else PENDING, deps=None,
                       runnable=not complete, priority=task.priority, resources=task.process_resources(),
                       params=task.to_str_params(), family=task.task_family, module=task.task_module,
                       batchable=task.batchable, retry_policy_dict=_get_retry_policy_dict(task),
                       accepts_messages=task.accepts_messages)
        return 1
