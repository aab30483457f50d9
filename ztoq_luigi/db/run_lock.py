"""One `run` or `resume` of a project per state database at a time.

Two runs of one project would each create what the other is creating. The
lock is a row in the state database, the one thing every host of a run
shares. Its holder refreshes a heartbeat; a holder that crashed is
recognised by its heartbeat expiring, or at once when it ran on this host
and its process is gone, and its lock is taken over with a note.
"""

import datetime
import os
import secrets
import socket
import threading
from dataclasses import dataclass

import peewee

from ztoq_luigi.db.connection import close_all, write_transaction
from ztoq_luigi.db.models import RunLock, utcnow
from ztoq_luigi.errors import RunLocked

HEARTBEAT_SECONDS = 10.0
EXPIRY_SECONDS = 60.0


@dataclass
class Holder:
    host: str
    pid: int
    command: str
    since: datetime.datetime

    def describe(self):
        return f"{self.command} by pid {self.pid} on {self.host} since {self.since:%Y-%m-%d %H:%M:%S} UTC"


class HeldLock:
    """A lock this process holds: a heartbeat thread keeps it alive until release()."""

    def __init__(self, project_key, token, taken_over=None, heartbeat=HEARTBEAT_SECONDS):
        self.project_key = project_key
        self.token = token
        self.taken_over = taken_over
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(heartbeat,), name="ztoq-run-lock", daemon=True)
        self._thread.start()

    def _beat(self, interval):
        try:
            while not self._stop.wait(interval):
                (RunLock.update(heartbeat_at=utcnow())
                 .where((RunLock.project_key == self.project_key) & (RunLock.token == self.token)).execute())
        finally:
            close_all()

    def release(self):
        self._stop.set()
        self._thread.join()
        RunLock.delete().where((RunLock.project_key == self.project_key) & (RunLock.token == self.token)).execute()


def acquire(project_key, command, expiry=EXPIRY_SECONDS, heartbeat=HEARTBEAT_SECONDS):
    """Take the project's lock or raise RunLocked naming its holder; returns a HeldLock."""
    token = secrets.token_hex(16)
    host, pid = socket.gethostname(), os.getpid()
    try:
        with write_transaction():
            RunLock.create(project_key=project_key, token=token, host=host, pid=pid, command=command)
        return HeldLock(project_key, token, heartbeat=heartbeat)
    except peewee.IntegrityError:
        pass
    current = RunLock.get_or_none(RunLock.project_key == project_key)
    if current is None:
        return acquire(project_key, command, expiry, heartbeat)
    holder = Holder(current.host, current.pid, current.command, current.acquired_at)
    if not _abandoned(current, host, expiry):
        raise RunLocked(f"{project_key} is being migrated with this state database: {holder.describe()}; "
                        "expected one run or resume of a project at a time (wait for it, or stop it)")
    taken = (RunLock.update(token=token, host=host, pid=pid, command=command, acquired_at=utcnow(),
                            heartbeat_at=utcnow())
             .where((RunLock.project_key == project_key) & (RunLock.token == current.token)).execute())
    if not taken:
        return acquire(project_key, command, expiry, heartbeat)
    return HeldLock(project_key, token, taken_over=holder, heartbeat=heartbeat)


def _abandoned(lock, host, expiry):
    """The holder has stopped: its heartbeat is too old, or it ran here and its process no longer exists."""
    if utcnow() - lock.heartbeat_at > datetime.timedelta(seconds=expiry):
        return True
    return lock.host == host and not _process_exists(lock.pid)


def _process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
