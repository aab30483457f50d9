"""services/parallel.py: a task's independent calls side by side, results in order, failures after all were tried."""

import threading

import pytest

from ztoq_luigi.services import parallel
from ztoq_luigi.services.parallel import map_in_threads


def test_results_come_in_item_order_with_calls_side_by_side():
    barrier = threading.Barrier(3, timeout=5)

    def call(item):
        barrier.wait()
        return item * 2

    assert map_in_threads(call, [3, 1, 2], workers=3) == [6, 2, 4]


def test_the_first_failure_in_item_order_is_raised_once_every_item_was_tried():
    tried = []

    def call(item):
        tried.append(item)
        if item in (2, 4):
            raise ValueError(f"item {item}")
        return item

    with pytest.raises(ValueError, match="item 2"):
        map_in_threads(call, [1, 2, 3, 4, 5], workers=2)
    assert sorted(tried) == [1, 2, 3, 4, 5]


def test_each_thread_closes_its_database_connection_once_not_per_item(monkeypatch):
    closed = []
    monkeypatch.setattr(parallel, "close_all", lambda: closed.append(threading.get_ident()))
    assert map_in_threads(lambda item: item, range(50), workers=4) == list(range(50))
    assert len(closed) == 3, "one close per helper thread; the calling thread keeps its own connection"
    assert map_in_threads(lambda item: item, [], workers=4) == []


def test_the_run_s_helper_budget_bounds_the_threads_and_the_caller_works_when_none_is_free():
    helpers = threading.BoundedSemaphore(1)
    callers, at_once, running, lock = set(), [], [0], threading.Lock()

    def call(item):
        with lock:
            running[0] += 1
            at_once.append(running[0])
            callers.add(threading.get_ident())
        threading.Event().wait(0.01)
        with lock:
            running[0] -= 1
        return item

    assert map_in_threads(call, range(20), workers=8, helpers=helpers) == list(range(20))
    assert max(at_once) == 2 and len(callers) == 2, "the caller and the one helper the budget allows"
    assert helpers.acquire(blocking=False), "the helper gave its place back"
    callers.clear()
    assert map_in_threads(call, range(5), workers=8, helpers=helpers) == list(range(5))
    assert callers == {threading.get_ident()}, "no helper free: the calling thread does it all"


def test_a_task_that_started_alone_takes_the_helpers_given_back_while_it_works():
    helpers = threading.BoundedSemaphore(2)
    assert helpers.acquire(blocking=False) and helpers.acquire(blocking=False)
    callers, lock = set(), threading.Lock()

    def call(item):
        if item == 0:
            helpers.release()
            helpers.release()
        with lock:
            callers.add(threading.get_ident())
        threading.Event().wait(0.01)
        return item

    assert map_in_threads(call, range(30), workers=8, helpers=helpers) == list(range(30))
    assert len(callers) == 3, "the caller and the two helpers given back after its first item"
