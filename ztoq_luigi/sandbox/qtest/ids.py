"""Identifiers and timestamps as a qTest site hands them out.

A real site's numeric ids come from shared database sequences: they start
wherever that site happens to be, grow with gaps, and differ from one site to
the next. The simulator imitates that with a seeded generator so that a client
which hard-codes a field id or an allowed-value id fails here as it would on a
real site, while a test can still pin the seed to replay a run. PIDs, on the
other hand, are small per-project counters (TC-1, TC-2, ...).
"""

import random
from datetime import datetime, timezone

PID_PREFIXES = {
    "module": "MD",
    "test-case": "TC",
    "release": "RL",
    "test-cycle": "CL",
    "test-suite": "TS",
    "test-run": "TR",
}


class IdAllocator:
    """Per-kind id sequences starting at a random base, advancing with random gaps."""

    def __init__(self, seed):
        self._rng = random.Random(seed)
        self._next = {}
        self._pids = {}

    def next_id(self, kind):
        if kind not in self._next:
            self._next[kind] = self._rng.randrange(1_000, 900_000)
        value = self._next[kind]
        self._next[kind] = value + self._rng.randint(1, 4)
        return value

    def next_pid(self, kind):
        count = self._pids.get(kind, 0) + 1
        self._pids[kind] = count
        return f"{PID_PREFIXES[kind]}-{count}"


def stamp(moment=None):
    """qTest's response format for instants: seconds precision, explicit +00:00 offset."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_instant(text):
    """Parse an ISO 8601 date-time that carries an offset; None when it is not one.

    qTest accepts `Z`, an explicit offset and an optional fraction. A date-time
    without an offset is ambiguous, and a bare date is not a date-time: both
    are refused rather than guessed.
    """
    if not isinstance(text, str) or "T" not in text:
        return None
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed
