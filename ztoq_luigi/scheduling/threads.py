"""Luigi's worker, running tasks in threads of the `ztoq` process instead of forked processes.

Luigi forks a process per task as soon as it has more than one worker.
Forked children outlive a killed parent for a while and keep writing to qTest,
inherit locks held by other threads, and under the spawn and forkserver start
methods start without the settings the parent was given. Here the scheduling
stays Luigi's (the same scheduler calls, the same task life cycle through
Luigi's own TaskProcess.run), and only the vehicle changes: each task runs in
a thread, so settings, clients and rules are shared objects and a SIGKILL
ends everything at once.
"""

import queue
import threading

import luigi.interface
import luigi.worker

from ztoq_luigi.db.connection import close_all
from ztoq_luigi.scheduling.arenas import trim


class TaskThread:
    """The part of multiprocessing.Process that Luigi's worker uses, backed by a thread.

    `process` is Luigi's TaskProcess, built but never started: its run()
    holds the task life cycle (dependency check, events, dynamic
    requirements, the result sent to the worker's queue).
    """

    use_multiprocessing = True
    timeout_time = None

    def __init__(self, process):
        self.process = process
        self.task = process.task
        self.exitcode = None
        self._thread = threading.Thread(target=self._run, name=f"ztoq-task-{process.task.task_family}",
                                        daemon=True)

    def start(self):
        self._thread.start()

    def is_alive(self):
        return self._thread.is_alive()

    def join(self, timeout=None):
        self._thread.join(timeout)

    def terminate(self):
        """A thread cannot be killed; the interruption of its requests (see scheduling/stop.py) ends it."""

    def _run(self):
        try:
            self.process.run()
            self.exitcode = 0
        except BaseException:
            self.exitcode = 1
            raise
        finally:
            close_all()
            trim()


class _ResultQueue(queue.Queue):
    """The worker closes its result queue on exit; a thread queue has nothing to close."""

    def close(self):
        pass


class ThreadWorker(luigi.worker.Worker):
    """A Luigi worker that runs up to `worker_processes` tasks at once, each in a thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._task_result_queue = _ResultQueue()

    def _create_task_process(self, task):
        return TaskThread(super()._create_task_process(task))

    def running_tasks(self):
        return list(self._running_tasks.values())

    def stop_taking_work(self):
        """Finish what runs, start nothing new (Luigi's own reaction to SIGUSR1)."""
        self._start_phasing_out()


class LockedScheduler:
    """Luigi's local scheduler behind one lock.

    The in-process scheduler was written for one caller at a time; with task
    threads, their status reports and progress calls arrive concurrently
    with the worker's own calls and the keep-alive pings.
    """

    def __init__(self, scheduler):
        self._scheduler = scheduler
        self._lock = threading.RLock()

    def __getattr__(self, name):
        attribute = getattr(self._scheduler, name)
        if not callable(attribute):
            return attribute

        def locked(*args, **kwargs):
            with self._lock:
                return attribute(*args, **kwargs)

        return locked


class ThreadWorkerFactory(luigi.interface._WorkerSchedulerFactory):
    """What `luigi.build` uses to make its scheduler and worker; it keeps the worker for signals.

    `worker_class` (a ThreadWorker) and its extra keyword arguments choose
    the worker: scheduling.shared.SharedRunWorker works on a migration
    together with the workers of other hosts connected to the same luigid.
    """

    def __init__(self, worker_class=None, **worker_kwargs):
        self.worker = None
        self.worker_class = worker_class or ThreadWorker
        self.worker_kwargs = worker_kwargs

    def create_local_scheduler(self):
        return LockedScheduler(super().create_local_scheduler())

    def create_worker(self, scheduler, worker_processes, assistant=False):
        self.worker = self.worker_class(scheduler=scheduler, worker_processes=worker_processes, assistant=assistant,
                                        **self.worker_kwargs)
        return self.worker
