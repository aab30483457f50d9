"""Fault injection for the simulators: the failures a real service produces on a bad day.

Random faults come from a seeded generator so a failing test can be replayed.
Scripted faults (`inject`) hit the next matching requests exactly, for tests
that need one specific failure at one specific moment.
"""

import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

DROP_BEFORE = object()
DROP_AFTER = object()

RETRY_AFTER_CHOICES = ("0", "1", None)


@dataclass(frozen=True)
class Fault:
    status: int
    message: str
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FaultConfig:
    latency_ms: int = 0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    rate_limit_rps: float = 0.0
    drop_rate: float = 0.0
    applied_502_rate: float = 0.0
    outage_after_s: float = -1.0
    outage_seconds: float = 0.0
    seed: int = 0


PROFILES = {
    "none": FaultConfig(),
    "slow": FaultConfig(latency_ms=50),
    "flaky": FaultConfig(error_rate=0.03, throttle_rate=0.03, drop_rate=0.02, applied_502_rate=0.03),
    "throttled": FaultConfig(rate_limit_rps=20),
    "outage": FaultConfig(outage_after_s=2.0, outage_seconds=5.0),
}


def profile(name, **overrides):
    """A named profile with explicit settings layered on top."""
    if name not in PROFILES:
        raise ValueError(f"unknown fault profile '{name}', expected one of: {', '.join(PROFILES)}")
    return replace(PROFILES[name], **{k: v for k, v in overrides.items() if v is not None})


SCRIPTED_ACTIONS = ("429", "500", "502", "503", "drop_before", "drop_after", "applied_502")


@dataclass
class _Scripted:
    method: str
    route: str
    action: str
    retry_after: object
    remaining: int


class FaultInjector:
    def __init__(self, config=None):
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._window = deque()
        self._scripted = []
        self._outage_until = 0.0

    def configure(self, config):
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._started = time.monotonic()
            self._window.clear()

    def inject(self, action, method=None, route=None, times=1, retry_after="1"):
        """Make the next `times` requests matching method/route fail with `action`.

        `route` is a path template as the app registered it, prefix included
        (e.g. '/v2/testcases/{testCaseKey}' or '/api/v3/projects/{projectId}/test-cases').
        """
        if action not in SCRIPTED_ACTIONS:
            raise ValueError(f"unknown fault action '{action}', expected one of {SCRIPTED_ACTIONS}")
        with self._lock:
            self._scripted.append(_Scripted(method, route, action, retry_after, times))

    def start_outage(self, seconds):
        with self._lock:
            self._outage_until = time.monotonic() + seconds

    def clear(self):
        with self._lock:
            self._scripted.clear()
            self._outage_until = 0.0
            self._window.clear()

    def _take_scripted(self, request, phase):
        for item in self._scripted:
            if item.remaining <= 0:
                continue
            if item.method and item.method != request.method:
                continue
            if item.route and item.route != request.route:
                continue
            after_phase = item.action in ("drop_after", "applied_502")
            if after_phase != (phase == "after"):
                continue
            item.remaining -= 1
            return item
        return None

    def before(self, request):
        """Faults decided before the request is handled; None lets it through."""
        cfg = self.config
        with self._lock:
            now = time.monotonic()
            scripted = self._take_scripted(request, "before")
            if scripted is not None:
                return _scripted_fault(scripted)
            if now < self._outage_until or _in_outage(cfg, now - self._started):
                return Fault(503, "Service Unavailable", {"Retry-After": "1"})
            if cfg.rate_limit_rps > 0:
                while self._window and now - self._window[0] >= 1.0:
                    self._window.popleft()
                if len(self._window) >= cfg.rate_limit_rps:
                    return Fault(429, "Rate limit exceeded", {"Retry-After": "1"})
                self._window.append(now)
            roll = self._rng.random()
            if roll < cfg.throttle_rate:
                retry_after = self._rng.choice(RETRY_AFTER_CHOICES)
                return Fault(429, "Too Many Requests", {"Retry-After": retry_after} if retry_after else {})
            roll -= cfg.throttle_rate
            if roll < cfg.error_rate:
                status = self._rng.choice((500, 502, 503))
                return Fault(status, "Internal server error" if status == 500 else "Bad Gateway")
            roll -= cfg.error_rate
            if roll < cfg.drop_rate and request.is_write:
                return DROP_BEFORE
        return None

    def after_write(self, request):
        """Faults for a write the server has already applied: the client cannot know it worked."""
        cfg = self.config
        with self._lock:
            scripted = self._take_scripted(request, "after")
            if scripted is not None:
                return DROP_AFTER if scripted.action == "drop_after" else Fault(502, "Bad Gateway")
            roll = self._rng.random()
            if roll < cfg.drop_rate:
                return DROP_AFTER
            if roll - cfg.drop_rate < cfg.applied_502_rate:
                return Fault(502, "Bad Gateway")
        return None


def _in_outage(cfg, elapsed):
    return cfg.outage_after_s >= 0 and cfg.outage_after_s <= elapsed < cfg.outage_after_s + cfg.outage_seconds


def _scripted_fault(item):
    if item.action == "drop_before":
        return DROP_BEFORE
    if item.action == "429":
        return Fault(429, "Too Many Requests", {"Retry-After": item.retry_after} if item.retry_after is not None else {})
    status = int(item.action)
    return Fault(status, "Internal server error" if status == 500 else "Service error")
