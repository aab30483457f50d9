"""Workers of several hosts on one run, against Luigi's own scheduler (what luigid runs)."""

import threading

import luigi
import luigi.scheduler
from luigi.scheduler import DONE, FAILED, PENDING, RUNNING

from ztoq_luigi.scheduling.shared import STALL_SECONDS, SharedRunWorker

DONE_WORK = {}
LOCK = threading.Lock()


class Memory(luigi.Target):
    def __init__(self, name):
        self.name = name

    def exists(self):
        return self.name in DONE_WORK


class Cut(luigi.Task):
    """A batch: which entities it covers depends on its batch size."""

    task_namespace = "ztoq_test_shared"
    migration = luigi.Parameter()
    batch_size = luigi.IntParameter()
    batch_no = luigi.IntParameter()

    def output(self):
        return Memory(f"{self.migration}/b{self.batch_size}/{self.batch_no}")

    def run(self):
        with LOCK:
            DONE_WORK[f"{self.migration}/b{self.batch_size}/{self.batch_no}"] = threading.current_thread().name


class Layout(luigi.Task):
    """A run's root: its batches are dynamic dependencies, scheduled by whichever worker runs it."""

    task_namespace = "ztoq_test_shared"
    migration = luigi.Parameter()
    batch_size = luigi.IntParameter()
    batches = luigi.IntParameter()

    def output(self):
        return Memory(f"{self.migration}/b{self.batch_size}")

    def cuts(self):
        return [Cut(migration=self.migration, batch_size=self.batch_size, batch_no=n) for n in range(self.batches)]

    def run(self):
        yield self.cuts()
        DONE_WORK[f"{self.migration}/b{self.batch_size}"] = "done"


def worker(scheduler, name, root, failed=False, clock=None):
    extra = {"clock": clock} if clock else {}
    return SharedRunWorker(scheduler=scheduler, worker_id=name, worker_processes=2, root=root.task_id,
                           run_failed=lambda: failed, **extra)


def started(scheduler, host, root):
    """`host` has run the root far enough to schedule its batches, as a Luigi worker does with what a task yields."""
    host.add(root)
    assert scheduler.get_work(worker=host._id)["task_id"] == root.task_id
    for cut in root.cuts():
        host.add(cut)
    scheduler.add_task(worker=host._id, task_id=root.task_id, status=PENDING,
                       new_deps=[cut.task_id for cut in root.cuts()])


def status(scheduler, task):
    return scheduler.task_list(status="", upstream_status="", limit=False)[task.task_id]["status"]


def setup_function():
    DONE_WORK.clear()


def test_a_worker_takes_on_the_batches_another_host_scheduled_for_the_run_and_nothing_else():
    scheduler = luigi.scheduler.Scheduler()
    run, other_migration = Layout(migration="M", batch_size=2, batches=3), Layout(migration="N", batch_size=2,
                                                                                   batches=1)
    first = worker(scheduler, "first", run)
    started(scheduler, first, run)
    started(scheduler, worker(scheduler, "elsewhere", other_migration), other_migration)
    second = worker(scheduler, "second", run)
    assert second.adopt() == 4, "the root and its three batches"
    assert second.adopt() == 0, "a task already scheduled here is not scheduled again"
    assert second.run()
    assert set(DONE_WORK) == {"M/b2/0", "M/b2/1", "M/b2/2", "M/b2"}
    assert all(status(scheduler, cut) == DONE for cut in run.cuts())
    assert status(scheduler, other_migration.cuts()[0]) == PENDING


def test_batches_cut_to_another_size_by_an_earlier_run_are_left_alone():
    scheduler = luigi.scheduler.Scheduler()
    earlier, run = Layout(migration="M", batch_size=20, batches=2), Layout(migration="M", batch_size=50, batches=1)
    started(scheduler, worker(scheduler, "earlier", earlier), earlier)
    started(scheduler, worker(scheduler, "first", run), run)
    second = worker(scheduler, "second", run)
    assert second.adopt() == 2, "the root and its batch"
    second.run()
    assert set(DONE_WORK) == {"M/b50/0", "M/b50"}


def test_a_running_task_stays_with_its_worker():
    scheduler = luigi.scheduler.Scheduler()
    run = Layout(migration="M", batch_size=2, batches=1)
    first = worker(scheduler, "first", run)
    started(scheduler, first, run)
    scheduler.get_work(worker="first")
    assert status(scheduler, run.cuts()[0]) == RUNNING
    assert worker(scheduler, "second", run).adopt() == 1, "the root only"
    assert status(scheduler, run.cuts()[0]) == RUNNING


def test_a_task_failed_by_a_dead_worker_is_run_again_unless_the_run_failed():
    scheduler = luigi.scheduler.Scheduler()
    run = Layout(migration="M", batch_size=2, batches=1)
    started(scheduler, worker(scheduler, "first", run), run)
    orphan = run.cuts()[0]
    scheduler.add_task(worker="first", task_id=orphan.task_id, status=FAILED)
    assert worker(scheduler, "stopping", run, failed=True).adopt() == 1, "the root only"
    assert status(scheduler, orphan) == FAILED
    survivor = worker(scheduler, "survivor", run)
    assert survivor.adopt() == 2, "the root and the orphan"
    assert survivor.run()
    assert "M/b2/0" in DONE_WORK


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_worker_stays_while_it_could_still_get_work_and_leaves_when_the_run_failed():
    scheduler, run = luigi.scheduler.Scheduler(), Layout(migration="M", batch_size=2, batches=1)
    waiting = worker(scheduler, "waiting", run)
    pending = type("Response", (), {"n_pending_tasks": 2})()
    idle = type("Response", (), {"n_pending_tasks": 0})()
    assert waiting._keep_alive(pending) and not waiting._keep_alive(idle)
    assert not worker(scheduler, "failing", run, failed=True)._keep_alive(pending)


def test_a_worker_waits_for_tasks_running_elsewhere_but_not_forever_for_tasks_that_cannot_run():
    scheduler, clock = luigi.scheduler.Scheduler(), Clock()
    run = Layout(migration="M", batch_size=2, batches=1)
    pending = type("Response", (), {"n_pending_tasks": 1})()
    started(scheduler, worker(scheduler, "busy", run), run)
    scheduler.get_work(worker="busy")
    waiting = worker(scheduler, "waiting", run, clock=clock)
    for _ in range(100):
        clock.now += 1.0
        assert waiting._keep_alive(pending), "a task runs on another host: wait for it"
    scheduler.add_task(worker="busy", task_id=run.cuts()[0].task_id, status=FAILED)
    clock.now += 1.0
    assert waiting._keep_alive(pending)
    clock.now += STALL_SECONDS + 1.0
    assert not waiting._keep_alive(pending), "nothing runs anywhere: leave instead of waiting forever"
