"""scheduling/arenas.py: the task threads share two malloc arenas where the C library is glibc."""

import platform

import pytest

from ztoq_luigi.scheduling import arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's arena cap is glibc's")
def test_glibc_takes_the_cap():
    assert arenas.limit_arenas() is True


def test_another_c_library_is_left_alone(monkeypatch):
    monkeypatch.setattr(arenas.platform, "libc_ver", lambda: ("musl", "1.2"))
    monkeypatch.setattr(arenas.ctypes, "CDLL", lambda name: pytest.fail("no C library call off glibc"))
    assert arenas.limit_arenas() is False
