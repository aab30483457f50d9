"""The run lock on the backend under test: one run of a project at a time, stale locks taken over."""

import datetime
import os
import socket
import subprocess
import time

import pytest

from ztoq_luigi.db import run_lock
from ztoq_luigi.db.models import RunHost, RunLock, utcnow
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


def test_a_host_with_the_same_luigid_and_migration_joins_the_run_and_keeps_the_lock_after_its_holder_left(database):
    shares = []
    holder = run_lock.acquire("PROJ", "run", migration="PROJ>q/1#ab", scheduler="luigid:8082")
    joined = run_lock.acquire("PROJ", "run", migration="PROJ>q/1#ab", scheduler="luigid:8082", on_hosts=shares.append)
    try:
        assert joined.joined and not holder.joined and joined.lock_token == holder.lock_token
        assert shares == [2]
        holder.attach(41)
        assert joined.run_id() == 41
        assert [row.pid for row in holder.others()] == [os.getpid()] and len(holder.others()) == 1
        holder.release()
        assert RunLock.select().count() == 1, "the lock stays with the host still on the run"
        with pytest.raises(RunLocked):
            run_lock.acquire("PROJ", "run")
    finally:
        joined.release()
    assert RunLock.select().count() == 0 and RunHost.select().count() == 0


def test_a_host_with_another_luigid_or_migration_or_none_is_refused(database):
    holder = run_lock.acquire("PROJ", "run", migration="PROJ>q/1#ab", scheduler="luigid:8082")
    try:
        for migration, scheduler in (("PROJ>q/1#ab", "other:8082"), ("PROJ>q/2#cd", "luigid:8082"),
                                     ("PROJ>q/1#ab", "")):
            with pytest.raises(RunLocked) as caught:
                run_lock.acquire("PROJ", "run", migration=migration, scheduler=scheduler)
            assert "--scheduler-host" in str(caught.value)
    finally:
        holder.release()


def test_the_host_that_ends_the_run_removes_the_lock_even_with_hosts_still_leaving(database):
    holder = run_lock.acquire("PROJ", "run", migration="m", scheduler="luigid:8082")
    joined = run_lock.acquire("PROJ", "run", migration="m", scheduler="luigid:8082")
    joined.leave()
    holder.ends_run = True
    holder.release()
    joined.release()
    assert RunLock.select().count() == 0


def test_a_run_whose_hosts_all_died_is_taken_over_though_its_lock_is_fresh(database):
    gone = subprocess.Popen(["true"])
    gone.wait()
    RunLock.create(project_key="PROJ", token="x" * 32, host="elsewhere", pid=1, command="run")
    RunHost.create(token="y" * 32, project_key="PROJ", lock_token="x" * 32, host=socket.gethostname(), pid=gone.pid,
                   migration="m", scheduler="luigid:8082")
    held = run_lock.acquire("PROJ", "resume", migration="m", scheduler="luigid:8082")
    try:
        assert not held.joined and held.taken_over.host == "elsewhere"
        assert run_lock.live_hosts("PROJ", held.lock_token) == [RunHost.get(RunHost.token == held.token)]
    finally:
        held.release()


def test_every_host_hears_how_many_hosts_share_the_run(database):
    counts = []
    holder = run_lock.acquire("PROJ", "run", migration="m", scheduler="luigid:8082", heartbeat=0.05,
                              on_hosts=counts.append)
    try:
        joined = run_lock.acquire("PROJ", "run", migration="m", scheduler="luigid:8082")
        time.sleep(0.3)
        assert counts[0] == 1 and counts[-1] == 2
        joined.release()
        time.sleep(0.3)
        assert counts[-1] == 1
    finally:
        holder.release()
