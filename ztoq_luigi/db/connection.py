"""The database factory: SQLite or PostgreSQL behind the same models, one connection per thread.

Tasks run in threads of one process (see scheduling/threads.py), and
peewee keeps a connection per thread: each thread opens its own on first
use and closes it when it ends, so no connection is ever shared.
"""

import os
import threading
import weakref
from contextlib import contextmanager

import peewee
import tenacity

from ztoq_luigi.db.models import database_proxy
from ztoq_luigi.db.schema import ensure_schema
from ztoq_luigi.errors import DatabaseError
from ztoq_luigi.secrets import mask

_open_databases = weakref.WeakSet()
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# SQLite's page cache per connection (2 MB by default). A run holds about twenty, one a thread: at
# large each filled up, 30 MB of the peak (238 -> 208 MB at 512 KiB); the pages it no longer
# caches stay in the operating system's file cache.
PAGE_CACHE_KIB = 512
# Compiled statements Python's sqlite3 keeps per connection (128 by default). Ours are nearly all
# unique (IN lists and multi-row inserts of every length, up to 200 rows), so the cache seldom
# hits, and each entry holds a compiled program of up to a few hundred KB: 128 of them held about
# 13 MB in one connection.
CACHED_STATEMENTS = 0


class _SqliteDatabase(peewee.SqliteDatabase):
    """SQLite whose writers in this process queue on a lock instead of sleeping in SQLite's busy handler.

    SQLite takes one writer at a time. A thread that finds the write lock
    taken retries after sleeping 1, 2, 5, 10... ms, long after the lock was
    given up (a write holds it for well under a millisecond): with 8 task
    threads recording what they sent, a medium migration spent about a sixth
    of its time in those sleeps. Threads of this process now wait on a lock
    that wakes the next one the moment the write ends; other processes
    (a `status` beside the run) still meet the busy handler.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writer = threading.RLock()

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if self.in_transaction() or not sql.lstrip().upper().startswith(_WRITES):
            return super().execute_sql(sql, params, *args, **kwargs)
        with self.writer:
            return super().execute_sql(sql, params, *args, **kwargs)


def close_all():
    """Close this thread's connection to every database this process opened.

    Called when a command or a task thread ends: a connection left open
    would otherwise be closed by the garbage collector, later and in
    whatever thread happens to run it.
    """
    for database in list(_open_databases):
        if not database.is_closed():
            database.close()


def make_database(settings):
    """Build an unconnected peewee database for the configured backend."""
    if settings.db_type == "postgresql":
        password = settings.db_password.reveal() if settings.db_password else None
        database = peewee.PostgresqlDatabase(
            settings.db_name,
            host=settings.db_host,
            port=settings.db_port,
            user=settings.db_username,
            password=password,
            connect_timeout=10,
            autoconnect=True,
        )
    else:
        database = _SqliteDatabase(
            settings.db_path,
            pragmas={"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1, "synchronous": "normal",
                     "cache_size": -PAGE_CACHE_KIB},
            timeout=30,
            cached_statements=CACHED_STATEMENTS,
            autoconnect=True,
        )
    _open_databases.add(database)
    return database


def describe(settings):
    if settings.db_type == "postgresql":
        return (f"PostgreSQL database '{settings.db_name}' at {settings.db_host}:{settings.db_port} "
                f"as '{settings.db_username}'")
    return f"SQLite database '{settings.db_path}'"


def open_database(settings, create=True):
    """Bind the models to the configured database and bring its schema up to date.

    With create=False a missing SQLite file is not created; None is returned
    instead, so read-only commands leave no trace on a machine.
    """
    if settings.db_type == "sqlite":
        if not create and not os.path.exists(settings.db_path):
            return None
        directory = os.path.dirname(os.path.abspath(settings.db_path))
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as error:
            raise DatabaseError(f"cannot create the directory for {describe(settings)}: {error.strerror}")
    database = make_database(settings)
    database_proxy.initialize(database)
    try:
        _connect_and_upgrade(database)
    except peewee.OperationalError as error:
        raise DatabaseError(_connection_failure(settings, error))
    except peewee.DatabaseError as error:
        raise DatabaseError(f"cannot use {describe(settings)}: {_first_line(error)}")
    return database


@tenacity.retry(retry=tenacity.retry_if_exception(lambda error: "locked" in str(error)),
                stop=tenacity.stop_after_delay(30), wait=tenacity.wait_random(0.05, 0.3), reraise=True)
def _connect_and_upgrade(database):
    """Connect, then create or upgrade the schema.

    Several processes opening a new SQLite file at once (a run and a
    `status` started together) race to switch it to WAL, which needs an
    exclusive lock that SQLite's busy handler does not always wait for: the
    loser sees "database is locked" at once, so it tries again after a short
    random pause.
    """
    if not database.is_closed():
        database.close()
    database.connect()
    ensure_schema(database)


def _connection_failure(settings, error):
    secrets = [settings.db_password] if settings.db_password else []
    reason = mask(_first_line(error), secrets)
    if settings.db_type == "postgresql":
        return f"cannot connect to {describe(settings)}: {reason}; expected a reachable PostgreSQL server"
    return f"cannot open {describe(settings)}: {reason}; expected a writable SQLite file"


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def write_transaction():
    """A transaction that takes the write lock up front.

    SQLite's default deferred transaction upgrades to a writer on its first
    write; if another process committed meanwhile, that upgrade fails at once
    with "database is locked" instead of waiting for the busy timeout. Taking
    the lock at BEGIN makes concurrent task threads queue instead of fail,
    and this process's threads queue on its writer lock first.
    """
    database = database_proxy.obj
    if isinstance(database, _SqliteDatabase):
        return _serialised(database)
    if isinstance(database, peewee.SqliteDatabase):
        return database.atomic(lock_type="IMMEDIATE")
    return database_proxy.atomic()


@contextmanager
def _serialised(database):
    with database.writer, database.atomic(lock_type="IMMEDIATE"):
        yield
