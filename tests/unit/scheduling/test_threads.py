"""Luigi's worker with tasks in threads: same process, N at a time, Luigi's task life cycle intact."""

import os
import threading
import time

import luigi

from ztoq_luigi.scheduling.threads import ThreadWorkerFactory

SEEN = {}
LOCK = threading.Lock()


class Memory(luigi.Target):
    done = set()

    def __init__(self, name):
        self.name = name

    def exists(self):
        return self.name in Memory.done


class Leaf(luigi.Task):
    number = luigi.IntParameter()

    def output(self):
        return Memory(f"leaf{self.number}")

    def run(self):
        with LOCK:
            SEEN.setdefault("pids", set()).add(os.getpid())
            SEEN["now"] = SEEN.get("now", 0) + 1
            SEEN["peak"] = max(SEEN.get("peak", 0), SEEN["now"])
        time.sleep(0.1)
        with LOCK:
            SEEN["now"] -= 1
        Memory.done.add(f"leaf{self.number}")


class Fanout(luigi.Task):
    """Yields its leaves at run time, as the pipeline's phases yield their batches."""

    def output(self):
        return Memory("fanout")

    def run(self):
        yield [Leaf(number=n) for n in range(8)]
        Memory.done.add("fanout")


class Broken(luigi.Task):
    def output(self):
        return Memory("broken")

    def run(self):
        raise ValueError("no")


def _build(task, workers):
    factory = ThreadWorkerFactory()
    result = luigi.build([task], workers=workers, local_scheduler=True, detailed_summary=True,
                         worker_scheduler_factory=factory)
    return result, factory


def test_tasks_run_in_this_process_at_most_n_at_a_time():
    SEEN.clear()
    Memory.done.clear()
    result, _ = _build(Fanout(), workers=3)
    assert result.scheduling_succeeded
    assert Memory.done >= {f"leaf{n}" for n in range(8)} | {"fanout"}
    assert SEEN["pids"] == {os.getpid()}
    assert SEEN["peak"] == 3


def test_a_failing_task_fails_the_build_and_leaves_no_thread_behind():
    Memory.done.clear()
    before = threading.active_count()
    result, factory = _build(Broken(), workers=2)
    assert not result.scheduling_succeeded
    for running in factory.worker.running_tasks():
        running.join(5)
    assert threading.active_count() <= before
