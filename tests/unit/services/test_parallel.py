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
    assert len(closed) == 4, "one close per thread"
    assert map_in_threads(lambda item: item, [], workers=4) == []
