"""How fast requests may start to one service: a shared budget in requests per second, with AIMD back-off.

The gate (clients/gate.py) bounds how many requests are in flight; that alone
lets eight quick threads send far more per second than one, and a service
with a rate limit answers the surplus with 429s that cost a retry each. The
budget spaces request starts instead: every thread of a process takes its
turn from one budget per service, and hosts working on one run split the
configured rate between the live hosts, so more threads or more hosts never
mean more requests per second.

A 429 means the limit is lower than we thought (or shared with someone
else): the rate is halved, every thread holds back for the Retry-After the
service gave, and the rate then climbs back linearly, a twentieth of its
ceiling per second (additive increase, multiplicative decrease, as TCP does
with its window). Without a configured rate the budget starts unlimited and
becomes a limit at half the observed rate at the first 429.
"""

import collections
import threading
import time

from ztoq_luigi.errors import Interrupted

DECREASE = 0.5
RECOVERY_FRACTION = 0.05
FLOOR = 0.5
DECREASE_COOLDOWN = 1.0


class RateBudget:
    def __init__(self, rate=None, *, clock=time.monotonic, stop=None, sleep=None):
        self.configured = rate
        self.hosts = 1
        self.throttled = 0
        self._clock = clock
        self._stop = stop or threading.Event()
        self._sleep = sleep or self._wait
        self._lock = threading.Lock()
        self._base, self._step, self._since = rate, 0.0, clock()
        self._next = 0.0
        self._paused_until = 0.0
        self._last_decrease = None
        self._starts = collections.deque()

    @property
    def ceiling(self):
        """The rate this host may reach: its share of the configured rate (None: no limit)."""
        return None if self.configured is None else self.configured / self.hosts

    def rate(self):
        """The rate in force now, after the linear recovery since the last change (None: unlimited)."""
        with self._lock:
            return self._current(self._clock())

    def share(self, hosts):
        """Split the configured rate between `hosts` live hosts of the run."""
        with self._lock:
            now = self._clock()
            current = self._current(now)
            self.hosts = max(1, int(hosts))
            if self.ceiling is not None:
                self._set(now, min(current, self.ceiling), self.ceiling * RECOVERY_FRACTION)

    def acquire(self):
        """Block until a request may start; raises Interrupted when the run is stopping."""
        while True:
            if self._stop.is_set():
                raise Interrupted("stopped before sending a request")
            with self._lock:
                now = self._clock()
                start = max(self._paused_until, self._next if self._base is not None else 0.0)
                if start <= now:
                    self._take(now)
                    return
            self._sleep(start - now)

    def throttled_by_service(self, retry_after=None):
        """A 429: halve the rate (once per burst of 429s) and hold every thread back for `retry_after`."""
        with self._lock:
            now = self._clock()
            self.throttled += 1
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)
            if self._last_decrease is not None and now - self._last_decrease < DECREASE_COOLDOWN:
                return
            self._last_decrease = now
            before = self._current(now)
            if before is None:
                before = max(self._observed(now), FLOOR)
            self._set(now, max(before * DECREASE, min(FLOOR, before)),
                      (self.ceiling or before) * RECOVERY_FRACTION)

    def _take(self, now):
        rate = self._current(now)
        self._next = max(self._next, now) + (1.0 / rate if rate else 0.0)
        self._starts.append(now)
        self._observed(now)

    def _observed(self, now):
        """Requests started in the last second: the rate to halve when no rate was configured."""
        while self._starts and now - self._starts[0] >= 1.0:
            self._starts.popleft()
        return float(len(self._starts))

    def _current(self, now):
        if self._base is None:
            return None
        recovered = self._base + self._step * max(0.0, now - self._since)
        return recovered if self.ceiling is None else min(recovered, self.ceiling)

    def _set(self, now, rate, step):
        self._base, self._step, self._since = rate, step, now
        self._next = min(self._next, now + 1.0 / rate)

    def _wait(self, seconds):
        if self._stop.wait(seconds):
            raise Interrupted("stopped while waiting for the request budget")
