"""Stopping a running `ztoq` at the worst moment: right after qTest created an object, before the answer is sent."""

import os
import signal
import threading
import time


class SignalAfterCreate:
    """A sandbox write hook: send `signum` to the `ztoq` process once qTest has created the n-th object on `route`
    (or, with `method="PUT"`, applied the n-th update).

    It runs after the object exists and before the answer is sent: qTest
    has it, the tool has not recorded it. Tasks run in threads of that one
    process, so a SIGKILL ends the whole migration; the answer is held back
    a moment so that it never reaches the dying process.
    """

    def __init__(self, route, nth, signum=signal.SIGKILL, method="POST"):
        self.route, self.nth, self.signum, self.method = route, nth, signum, method
        self.count, self.pid = 0, None
        self.fired = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, request, response):
        if request.method != self.method or request.route != self.route:
            return
        with self.lock:
            self.count += 1
            if self.count != self.nth or self.pid is None:
                return
        self.fired.set()  # before the signal: a test that waits for the process may look as soon as it is dead
        os.kill(self.pid, self.signum)
        if self.signum == signal.SIGKILL:
            time.sleep(0.2)


def settled_writes(counters, quiet=0.5, timeout=10):
    """qTest's write count once it stopped moving: requests a killed process sent just before dying are
    still being served (or wait in the server's backlog) when the process is already gone."""
    deadline = time.monotonic() + timeout
    writes = counters.writes()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = counters.writes()
        if now == writes:
            return writes
        writes = now
    raise AssertionError(f"qTest still received writes {timeout} s after the process ended")
