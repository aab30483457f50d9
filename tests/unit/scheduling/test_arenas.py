"""scheduling/arenas.py: two malloc arenas, and free pages handed back as tasks end, where the C library is glibc."""

import os
import platform

import pytest

from ztoq_luigi.scheduling import arenas

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_trim are glibc's")


@pytest.fixture
def fresh_trim(monkeypatch):
    monkeypatch.setitem(arenas._trimmed, "at", float("-inf"))


def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


@glibc_only
def test_glibc_takes_the_cap():
    assert arenas.limit_arenas() is True


@glibc_only
def test_memory_freed_inside_the_heap_leaves_the_process_when_trimmed(fresh_trim):
    blocks = [bytes(2000) for _ in range(50_000)]  # 100 MB from malloc, not Python's small-object pools
    pinned = bytes(2000)  # above them, so the heap's top cannot simply shrink
    before = resident_mb()
    del blocks
    assert resident_mb() > before - 20, "glibc keeps freed pages inside its heap until trimmed"
    assert arenas.trim() is True
    assert resident_mb() < before - 80
    assert pinned


@glibc_only
def test_a_trim_right_after_another_is_skipped(fresh_trim, monkeypatch):
    clock = iter([100.0, 100.5, 101.2])
    monkeypatch.setattr(arenas.time, "monotonic", lambda: next(clock))
    assert [arenas.trim(), arenas.trim(), arenas.trim()] == [True, False, True]


def test_another_c_library_is_left_alone(monkeypatch, fresh_trim):
    arenas._glibc.cache_clear()
    monkeypatch.setattr(arenas.platform, "libc_ver", lambda: ("musl", "1.2"))
    monkeypatch.setattr(arenas.ctypes, "CDLL", lambda name: pytest.fail("no C library call off glibc"))
    try:
        assert arenas.limit_arenas() is False
        assert arenas.trim() is False
    finally:
        arenas._glibc.cache_clear()
