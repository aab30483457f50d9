"""One run of a project per state database at a time, worked on by one host or by several through luigid.

Two runs of one project would each create what the other is creating. The
lock is a row in the state database, the one thing every host of a run
shares. Every process working on the run has a row in the hosts table
under the lock's token and refreshes its heartbeat and the lock's; a host
given the same luigid joins the run instead of being refused, since luigid
hands each task to one host only. The lock is held while one of its hosts
lives: a lock whose hosts all stopped (heartbeats expired, or processes on
this host gone) is taken over with a note.
"""

import datetime
import os
import secrets
import socket
import threading
from dataclasses import dataclass

import peewee

from ztoq_luigi.db.connection import close_all, write_transaction
from ztoq_luigi.db.models import RunHost, RunLock, utcnow
from ztoq_luigi.errors import RunLocked

HEARTBEAT_SECONDS = 2.0
EXPIRY_SECONDS = 60.0


def identity():
    """How markers and messages name this process: its host and pid."""
    return f"{socket.gethostname()} pid {os.getpid()}"


@dataclass
class Holder:
    host: str
    pid: int
    command: str
    since: datetime.datetime

    def describe(self):
        return f"{self.command} by pid {self.pid} on {self.host} since {self.since:%Y-%m-%d %H:%M:%S} UTC"


class HeldLock:
    """This process's part in the run: it holds the lock (or joined its hosts) until release().

    A heartbeat thread keeps its host row and the lock alive and tells
    `on_hosts` how many hosts are live, so the request rates are shared.
    """

    def __init__(self, project_key, lock_token, token, *, joined=False, taken_over=None, expiry=EXPIRY_SECONDS,
                 heartbeat=HEARTBEAT_SECONDS, on_hosts=None):
        self.project_key, self.lock_token, self.token = project_key, lock_token, token
        self.joined, self.taken_over = joined, taken_over
        self.ends_run = False
        self._expiry, self._on_hosts = expiry, on_hosts
        self._others = None
        self._stop = threading.Event()
        self._share()
        self._thread = threading.Thread(target=self._beat, args=(heartbeat,), name="ztoq-run-lock", daemon=True)
        self._thread.start()

    def _beat(self, interval):
        try:
            while not self._stop.wait(interval):
                now = utcnow()
                RunHost.update(heartbeat_at=now).where(RunHost.token == self.token).execute()
                (RunLock.update(heartbeat_at=now)
                 .where((RunLock.project_key == self.project_key) & (RunLock.token == self.lock_token)).execute())
                self._share()
        finally:
            close_all()

    def _share(self):
        if self._on_hosts is not None:
            self._on_hosts(max(1, len(live_hosts(self.project_key, self.lock_token, self._expiry))))

    def attach(self, run_id):
        """Record the run this process works on, where the hosts that join find it."""
        RunHost.update(run_id=run_id).where(RunHost.token == self.token).execute()

    def run_id(self):
        """The run the other hosts work on (None until its holder has recorded it)."""
        return (RunHost.select(RunHost.run_id).where((RunHost.lock_token == self.lock_token)
                                                     & RunHost.run_id.is_null(False)).scalar())

    def others(self):
        """The other live hosts of the run (after leave(): those that were live when this one left)."""
        if self._others is not None:
            return self._others
        return [row for row in live_hosts(self.project_key, self.lock_token, self._expiry) if row.token != self.token]

    def leave(self):
        """Stop working on the run; returns the hosts still on it, so that the last one out ends the run."""
        if self._others is None:
            self._stop.set()
            self._thread.join()
            RunHost.delete().where(RunHost.token == self.token).execute()
            self._others = self.others()
        return self._others

    def release(self):
        """Leave; the lock goes with the host that ended the run, or with the last host out."""
        others = self.leave()
        if self.ends_run or not others:
            (RunLock.delete().where((RunLock.project_key == self.project_key)
                                    & (RunLock.token == self.lock_token)).execute())


def acquire(project_key, command, *, migration="", scheduler="", join_only=False, expiry=EXPIRY_SECONDS,
            heartbeat=HEARTBEAT_SECONDS, on_hosts=None):
    """Take the project's lock, join the hosts holding it (same luigid and migration), or raise RunLocked.

    With `join_only` (`ztoq workflow worker`) only join: None when no live run holds the lock.
    """
    token = secrets.token_hex(16)
    host, pid = socket.gethostname(), os.getpid()
    member = {"token": token, "project_key": project_key, "host": host, "pid": pid, "migration": migration,
              "scheduler": scheduler}
    settings = {"expiry": expiry, "heartbeat": heartbeat, "on_hosts": on_hosts}
    _forget_stopped_hosts(project_key, expiry)
    if not join_only:
        try:
            with write_transaction():
                RunLock.create(project_key=project_key, token=token, host=host, pid=pid, command=command)
                RunHost.create(lock_token=token, **member)
            return HeldLock(project_key, token, token, **settings)
        except peewee.IntegrityError:
            pass
    current = RunLock.get_or_none(RunLock.project_key == project_key)
    hosts = live_hosts(project_key, current.token, expiry) if current else []
    if current is not None and not _abandoned(current, hosts, host, expiry):
        return _join(project_key, current, hosts, member, settings)
    if join_only:
        return None
    if current is not None:
        with write_transaction():
            taken = (RunLock.update(token=token, host=host, pid=pid, command=command, acquired_at=utcnow(),
                                    heartbeat_at=utcnow())
                     .where((RunLock.project_key == project_key) & (RunLock.token == current.token)).execute())
            if taken:
                RunHost.create(lock_token=token, **member)
        if taken:
            return HeldLock(project_key, token, token, taken_over=_holder(current), **settings)
    return acquire(project_key, command, migration=migration, scheduler=scheduler, **settings)


def _join(project_key, current, hosts, member, settings):
    """Join the live hosts of the run when they use the same luigid for the same migration."""
    scheduler, migration = member["scheduler"], member["migration"]
    if not (scheduler and hosts and all(row.scheduler == scheduler and row.migration == migration for row in hosts)):
        raise RunLocked(_refusal(project_key, _holder(current), hosts, scheduler))
    with write_transaction():
        RunHost.create(lock_token=current.token, **member)
    return HeldLock(project_key, current.token, member["token"], joined=True, **settings)


def _holder(lock):
    return Holder(lock.host, lock.pid, lock.command, lock.acquired_at)


def live_hosts(project_key, lock_token, expiry=EXPIRY_SECONDS):
    """The hosts of a run that still beat: heartbeat within `expiry`, and, on this host, a process that exists."""
    here = socket.gethostname()
    recent = utcnow() - datetime.timedelta(seconds=expiry)
    rows = RunHost.select().where((RunHost.project_key == project_key) & (RunHost.lock_token == lock_token)
                                  & (RunHost.heartbeat_at >= recent)).order_by(RunHost.joined_at)
    return [row for row in rows if row.host != here or _process_exists(row.pid)]


def _forget_stopped_hosts(project_key, expiry):
    recent = utcnow() - datetime.timedelta(seconds=expiry)
    RunHost.delete().where((RunHost.project_key == project_key) & (RunHost.heartbeat_at < recent)).execute()


def _refusal(project_key, holder, hosts, scheduler):
    if scheduler and hosts:
        return (f"{project_key} is being migrated with this state database by {holder.describe()}, through "
                f"{hosts[0].scheduler or 'a local scheduler'} for {hosts[0].migration}; expected the same "
                "--scheduler-host and --scheduler-port, qTest project and state database on every host that joins")
    return (f"{project_key} is being migrated with this state database: {holder.describe()}; expected one run or "
            "resume of a project at a time (wait for it, or stop it; to work on it from several hosts, start them "
            "all with the same --scheduler-host and --scheduler-port)")


def _abandoned(lock, hosts, host, expiry):
    """Every host of the run has stopped; a lock without host rows is judged by its own heartbeat and pid."""
    if hosts:
        return False
    if RunHost.select().where(RunHost.lock_token == lock.token).exists():
        return True
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
