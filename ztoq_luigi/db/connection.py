"""The database factory: SQLite or PostgreSQL behind the same models, opened lazily per process.

Luigi runs tasks in forked worker processes. A connection inherited across a
fork shares its socket (or SQLite file locks) with the parent, and using or
even closing it in the child corrupts the parent's session. So every process
opens its own connection on first use, and a forked child forgets, without
closing, whatever connection it inherited.
"""

import contextlib
import os
import threading
import weakref

import peewee
import tenacity

from ztoq_luigi.db.models import database_proxy
from ztoq_luigi.db.schema import ensure_schema
from ztoq_luigi.errors import DatabaseError
from ztoq_luigi.secrets import mask

_open_databases = weakref.WeakSet()
_inherited_connections = []


def _forget_inherited_connections():
    for database in list(_open_databases):
        state = database._state
        if state.conn is not None:
            _inherited_connections.append(state.conn)
        state.reset()


_fork_lock = threading.Lock()


def _after_fork_in_child():
    _fork_lock.release()
    _forget_inherited_connections()


os.register_at_fork(before=_fork_lock.acquire, after_in_parent=_fork_lock.release,
                    after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def side_thread_session():
    """A connection for a helper thread (the progress line) that no fork ever sees mid-use.

    Luigi forks its workers from the main thread while such a thread may be
    inside SQLite or holding peewee's connection lock; a child born at that
    moment inherits the held locks and hangs on its first query. Forks wait
    for this session to end, and the connection is closed before it ends, so
    a child neither inherits a busy lock nor an open socket that its cleanup
    could close under the parent.
    """
    with _fork_lock:
        database = database_proxy.obj
        try:
            yield
        finally:
            if not database.is_closed():
                database.close()


def close_all():
    """Close this thread's connection to every database this process opened.

    A connection left open is closed by the garbage collector later, in
    whatever thread happens to run it; SQLite then holds its global mutex
    in that thread, and a Luigi worker forked at that moment would inherit
    it held. So commands close what they opened when they finish.
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
        database = peewee.SqliteDatabase(
            settings.db_path,
            pragmas={"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1, "synchronous": "normal"},
            timeout=30,
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

    Several processes opening a new SQLite file at once (Luigi's workers do)
    race to switch it to WAL, which needs an exclusive lock that SQLite's busy
    handler does not always wait for: the loser sees "database is locked" at
    once, so it tries again after a short random pause.
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
    the lock at BEGIN makes concurrent Luigi workers queue instead of fail.
    """
    database = database_proxy.obj
    if isinstance(database, peewee.SqliteDatabase):
        return database.atomic(lock_type="IMMEDIATE")
    return database_proxy.atomic()
