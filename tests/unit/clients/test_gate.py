"""The request gate: at most N requests in flight, none after a stop."""

import threading
import time

import pytest

from ztoq_luigi.clients.gate import RequestGate
from ztoq_luigi.errors import Interrupted


def test_no_more_than_the_limit_are_in_flight_whatever_the_number_of_threads():
    gate, lock = RequestGate(3), threading.Lock()
    state = {"now": 0, "peak": 0}

    def request():
        with gate.slot():
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            time.sleep(0.02)
            with lock:
                state["now"] -= 1

    threads = [threading.Thread(target=request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state["peak"] == 3


def test_after_a_stop_no_request_starts_and_waits_end_early():
    gate = RequestGate(1)
    gate.stop.set()
    with pytest.raises(Interrupted):
        with gate.slot():
            pass
    started = time.monotonic()
    with pytest.raises(Interrupted):
        gate.sleep(30)
    assert time.monotonic() - started < 1


def test_a_request_waiting_for_a_slot_does_not_start_once_stopped():
    gate, outcome = RequestGate(1), {}

    def waiting():
        try:
            with gate.slot():
                outcome["sent"] = True
        except Interrupted:
            outcome["sent"] = False

    with gate.slot():
        thread = threading.Thread(target=waiting)
        thread.start()
        time.sleep(0.05)
        gate.stop.set()
    thread.join()
    assert outcome == {"sent": False}
