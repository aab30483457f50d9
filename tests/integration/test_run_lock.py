"""The run lock on the backend under test: one run of a project at a time, stale locks taken over."""

import datetime
import os
import socket
import subprocess
import time

import pytest

from ztoq_luigi.db import run_lock
from ztoq_luigi.db.models import RunLock, utcnow
from ztoq_luigi.errors import ExitStatus, RunLocked


def test_a_second_run_of_the_project_is_refused_with_its_holder_named(database):
    held = run_lock.acquire("PROJ", "run")
    try:
        with pytest.raises(RunLocked) as caught:
            run_lock.acquire("PROJ", "resume")
        message = str(caught.value)
        assert f"run by pid {os.getpid()} on {socket.gethostname()} since " in message
        assert "\n" not in message and caught.value.exit_status == ExitStatus.RUN_LOCKED == 7
        other = run_lock.acquire("OTHER", "run")
        other.release()
    finally:
        held.release()
    again = run_lock.acquire("PROJ", "resume")
    again.release()
    assert RunLock.select().count() == 0


def test_the_holder_keeps_its_heartbeat_fresh(database):
    held = run_lock.acquire("PROJ", "run", heartbeat=0.05)
    try:
        first = RunLock.get().heartbeat_at
        time.sleep(0.3)
        assert RunLock.get().heartbeat_at > first
    finally:
        held.release()


def test_an_expired_lock_of_another_host_is_taken_over_with_a_note(database):
    RunLock.create(project_key="PROJ", token="x" * 32, host="elsewhere", pid=1, command="run",
                   acquired_at=utcnow() - datetime.timedelta(hours=1),
                   heartbeat_at=utcnow() - datetime.timedelta(seconds=61))
    held = run_lock.acquire("PROJ", "resume")
    try:
        assert held.taken_over.host == "elsewhere" and held.taken_over.pid == 1
        assert "run by pid 1 on elsewhere" in held.taken_over.describe()
        assert RunLock.get().host == socket.gethostname()
    finally:
        held.release()


def test_a_fresh_lock_of_another_host_is_respected(database):
    RunLock.create(project_key="PROJ", token="x" * 32, host="elsewhere", pid=1, command="run")
    with pytest.raises(RunLocked):
        run_lock.acquire("PROJ", "run")


def test_the_lock_of_a_dead_process_on_this_host_is_taken_over_at_once(database):
    gone = subprocess.Popen(["true"])
    gone.wait()
    RunLock.create(project_key="PROJ", token="x" * 32, host=socket.gethostname(), pid=gone.pid, command="run")
    held = run_lock.acquire("PROJ", "resume")
    try:
        assert held.taken_over.pid == gone.pid
    finally:
        held.release()
