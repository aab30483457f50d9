"""The C heaps of the task threads, where the C library is glibc: two arenas, trimmed as tasks end.

glibc gives threads their own arenas, up to eight per core, and keeps what
is freed in each for reuse by that arena only. A migration's threads (eight
task threads, their helpers, SQLite's page caches opened and closed with
them) left the freed memory spread over every arena: a large migration at
8 workers peaked at 238 MB, 199 MB with two arenas and the same work
(docs/PERFORMANCE.md). The price is a few per cent of CPU in medium runs:
threads that release the interpreter lock inside SQLite meet at the two
arenas' locks. Set before the task threads start; arenas made before stay.

Freed memory inside an arena stays with the process until malloc_trim
hands its pages back, so the resident size only ever rose, stage after
stage, each keeping what the one before had used; a task thread trims
when its task ends, at most once every TRIM_INTERVAL_SECONDS (a trim walks
the whole heap).
"""

import ctypes
import ctypes.util
import functools
import platform
import threading
import time

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2
TRIM_INTERVAL_SECONDS = 1.0

_trimmed = {"at": float("-inf")}
_trim_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _glibc():
    """The C library when it is glibc, else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(ctypes.util.find_library("c"))


def limit_arenas():
    """Cap the arenas at ARENAS; True when the C library took it (False elsewhere than glibc)."""
    libc = _glibc()
    return libc is not None and libc.mallopt(M_ARENA_MAX, ARENAS) == 1


def trim():
    """Give the free pages of the C heaps back to the system; False when skipped (too soon, or not glibc)."""
    libc = _glibc()
    if libc is None:
        return False
    with _trim_lock:
        now = time.monotonic()
        if now - _trimmed["at"] < TRIM_INTERVAL_SECONDS:
            return False
        _trimmed["at"] = now
    libc.malloc_trim(0)
    return True
