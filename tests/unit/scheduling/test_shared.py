"""Workers of several hosts on one migration, against Luigi's own scheduler (what luigid runs)."""

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


class Piece(luigi.Task):
    task_namespace = "ztoq_test_shared"
    migration = luigi.Parameter()
    number = luigi.IntParameter()

    def output(self):
        return Memory(f"{self.migration}/{self.number}")

    def run(self):
        with LOCK:
            DONE_WORK[f"{self.migration}/{self.number}"] = threading.current_thread().name


class Fan(luigi.Task):
    """A group: its pieces are dynamic dependencies, scheduled by whichever worker runs it."""

    task_namespace = "ztoq_test_shared"
    migration = luigi.Parameter()
    pieces = luigi.IntParameter()

    def output(self):
        return Memory(f"{self.migration}/fan")

    def run(self):
        yield [Piece(migration=self.migration, number=n) for n in range(self.pieces)]
        DONE_WORK[f"{self.migration}/fan"] = "done"


def worker(scheduler, name, failed=False):
    return SharedRunWorker(scheduler=scheduler, worker_id=name, worker_processes=2, migration="M",
                           run_failed=lambda: failed)


def status(scheduler, task):
    return scheduler.task_list(status="", upstream_status="", limit=False)[task.task_id]["status"]


def setup_function():
    DONE_WORK.clear()


def test_a_worker_takes_on_the_pending_tasks_another_host_scheduled_but_not_those_of_another_migration():
    scheduler = luigi.scheduler.Scheduler()
    first, second = worker(scheduler, "first"), worker(scheduler, "second")
    mine = [Piece(migration="M", number=n) for n in range(3)]
    for task in mine + [Piece(migration="M2", number=0)]:
        first.add(task)
    assert second.adopt() == 3
    assert second.adopt() == 0, "a task already scheduled here is not scheduled again"
    assert second.run()
    assert set(DONE_WORK) == {"M/0", "M/1", "M/2"}
    assert all(status(scheduler, task) == DONE for task in mine)
    assert status(scheduler, Piece(migration="M2", number=0)) == PENDING


def test_a_running_task_stays_with_its_worker():
    scheduler = luigi.scheduler.Scheduler()
    first, second = worker(scheduler, "first"), worker(scheduler, "second")
    busy = Piece(migration="M", number=7)
    first.add(busy)
    scheduler.get_work(worker="first")
    assert status(scheduler, busy) == RUNNING
    assert second.adopt() == 0


def test_the_batches_a_group_yielded_on_one_host_are_run_by_another():
    scheduler = luigi.scheduler.Scheduler()
    first, second = worker(scheduler, "first"), worker(scheduler, "second")
    first.add(Fan(migration="M", pieces=4))
    work = scheduler.get_work(worker="first")
    assert work["task_family"] == "ztoq_test_shared.Fan"
    pieces = [Piece(migration="M", number=n) for n in range(4)]
    for piece in pieces:
        first.add(piece)
    scheduler.add_task(worker="first", task_id=work["task_id"], status=PENDING, new_deps=[p.task_id for p in pieces])
    second.adopt()
    second.run()
    assert {f"M/{n}" for n in range(4)} <= set(DONE_WORK)


def test_a_task_failed_by_a_dead_worker_is_run_again_unless_the_run_failed():
    scheduler = luigi.scheduler.Scheduler()
    first = worker(scheduler, "first")
    orphan = Piece(migration="M", number=1)
    first.add(orphan)
    scheduler.add_task(worker="first", task_id=orphan.task_id, status=FAILED)
    assert worker(scheduler, "stopping", failed=True).adopt() == 0
    assert status(scheduler, orphan) == FAILED
    survivor = worker(scheduler, "survivor")
    assert survivor.adopt() == 1
    assert survivor.run()
    assert "M/1" in DONE_WORK


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_worker_stays_while_it_could_still_get_work_and_leaves_when_the_run_failed():
    scheduler = luigi.scheduler.Scheduler()
    waiting = worker(scheduler, "waiting")
    pending = type("Response", (), {"n_pending_tasks": 2})()
    idle = type("Response", (), {"n_pending_tasks": 0})()
    assert waiting._keep_alive(pending) and not waiting._keep_alive(idle)
    assert not worker(scheduler, "failing", failed=True)._keep_alive(pending)


def test_a_worker_waits_for_tasks_running_elsewhere_but_not_forever_for_tasks_that_cannot_run():
    scheduler, clock = luigi.scheduler.Scheduler(), Clock()
    pending = type("Response", (), {"n_pending_tasks": 1})()
    waiting = SharedRunWorker(scheduler=scheduler, worker_id="waiting", worker_processes=1, migration="M",
                              run_failed=lambda: False, clock=clock)
    elsewhere = Piece(migration="M", number=3)
    worker(scheduler, "busy").add(elsewhere)
    scheduler.get_work(worker="busy")
    for _ in range(100):
        clock.now += 1.0
        assert waiting._keep_alive(pending), "a task runs on another host: wait for it"
    scheduler.add_task(worker="busy", task_id=elsewhere.task_id, status=FAILED)
    clock.now += 1.0
    assert waiting._keep_alive(pending)
    clock.now += STALL_SECONDS + 1.0
    assert not waiting._keep_alive(pending), "nothing runs anywhere: leave instead of waiting forever"
