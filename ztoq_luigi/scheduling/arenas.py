"""Two malloc arenas for the task threads, where the C library is glibc.

glibc gives threads their own arenas, up to eight per core, and keeps what
is freed in each for reuse by that arena only. A migration's threads (eight
task threads, their helpers, SQLite's page caches opened and closed with
them) left the freed memory spread over every arena: a large migration at
8 workers peaked at 238 MB, 199 MB with two arenas and the same work
(docs/PERFORMANCE.md). The price is a few per cent of CPU in medium runs:
threads that release the interpreter lock inside SQLite meet at the two
arenas' locks. Set before the task threads start; arenas made before stay.
"""

import ctypes
import ctypes.util
import platform

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2


def limit_arenas():
    """Cap the arenas at ARENAS; True when the C library took it (False elsewhere than glibc)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return libc.mallopt(M_ARENA_MAX, ARENAS) == 1
