"""The one door every request to a service goes through: how many may be in flight, and whether any may start.

`--max-workers N` promises at most N requests in flight to each service,
whatever the number of task threads and however they fan out. And after
SIGINT or SIGTERM no new request starts: the one in flight finishes and is
recorded by its task, the next raises Interrupted. Waits between retries
end early on a stop for the same reason.
"""

import contextlib
import threading

from ztoq_luigi.errors import Interrupted


class RequestGate:
    def __init__(self, limit, stop=None):
        self.limit = limit
        self.stop = stop or threading.Event()
        self._slots = threading.BoundedSemaphore(limit)

    @contextlib.contextmanager
    def slot(self):
        self._check()
        with self._slots:
            self._check()
            yield

    def sleep(self, seconds):
        """tenacity's sleep between attempts, cut short by a stop."""
        if self.stop.wait(seconds):
            raise Interrupted("stopped while waiting to retry a request")

    def _check(self):
        if self.stop.is_set():
            raise Interrupted("stopped before sending a request")
