"""Shared fixtures: the state database under test, chosen by ZTOQ_TEST_DB (sqlite or postgresql).

With ZTOQ_TEST_DB=postgresql every database test runs against a real server
(ZTOQ_TEST_PG_HOST/PORT/USER, default 127.0.0.1:5432 as postgres) in a
throw-away database; an unreachable server fails the tests, it never skips them.
"""

import io
import os
import uuid

import peewee
import pytest

from ztoq_luigi.cli import Environment, main
from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import close_all, make_database, open_database
from ztoq_luigi.db.models import ALL_MODELS, database_proxy

BACKEND = os.environ.get("ZTOQ_TEST_DB", "sqlite")
PG = {
    "host": os.environ.get("ZTOQ_TEST_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("ZTOQ_TEST_PG_PORT", "5432")),
    "user": os.environ.get("ZTOQ_TEST_PG_USER", "postgres"),
}


def pytest_configure(config):
    """Registered here, not in tests/e2e: the contract tests import e2e modules before that conftest loads."""
    config.addinivalue_line("markers", "sandbox_size(size): the generated project size for the sandbox fixture")

if BACKEND not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"ZTOQ_TEST_DB={BACKEND!r}; expected sqlite or postgresql")

TEST_TIMEOUT = 600


@pytest.fixture(autouse=True)
def close_databases():
    """Close what a test opened, so no connection is left for the garbage collector to close in some other
    thread while a later test's Luigi forks a worker (see db/connection.py)."""
    yield
    close_all()


def pytest_collection_modifyitems(items):
    """A hung migration fails its test after ten minutes instead of stalling the whole suite (pytest-timeout)."""
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))


def _admin_database():
    return peewee.PostgresqlDatabase("postgres", **PG)


@pytest.fixture(scope="session")
def pg_database_name():
    """A throw-away PostgreSQL database for the whole test session."""
    if BACKEND != "postgresql":
        yield None
        return
    name = os.environ.get("ZTOQ_TEST_PG_DATABASE") or f"ztoq_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_database()
    try:
        admin.connect()
    except peewee.OperationalError as error:
        pytest.fail(f"ZTOQ_TEST_DB=postgresql but PostgreSQL at {PG['host']}:{PG['port']} is unreachable: {error}")
    created = not os.environ.get("ZTOQ_TEST_PG_DATABASE")
    if created:
        admin.execute_sql(f'CREATE DATABASE "{name}"')
    admin.close()
    yield name
    if created:
        admin.connect()
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def db_cli_args(tmp_path, pg_database_name):
    """The CLI flags that select the database under test, as a user would type them."""
    if BACKEND == "postgresql":
        return ["--db-type", "postgresql", "--host", PG["host"], "--port", str(PG["port"]),
                "--username", PG["user"], "--database", pg_database_name]
    return ["--db-path", str(tmp_path / "state" / "ztoq.db")]


@pytest.fixture
def settings(tmp_path, db_cli_args):
    """Settings for the database under test, with an empty schema."""
    cli = _cli_values(db_cli_args)
    cli["output_dir"] = str(tmp_path / "out")
    result = load_settings(cli, {})
    if BACKEND == "postgresql":
        database = make_database(result)
        with database.bind_ctx(ALL_MODELS):
            database.drop_tables(ALL_MODELS, safe=True, cascade=True)
        database.close()
    return result


@pytest.fixture
def database(settings):
    db = open_database(settings)
    yield db
    if not db.is_closed():
        db.close()
    database_proxy.initialize(None)


def _cli_values(args):
    names = {"--db-type": "db_type", "--host": "db_host", "--port": "db_port", "--username": "db_username",
             "--database": "db_name", "--db-path": "db_path"}
    return {names[flag]: value for flag, value in zip(args[::2], args[1::2])}


class CliResult:
    def __init__(self, code, stdout, stderr):
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self):
        return f"CliResult(code={self.code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


@pytest.fixture
def run_cli(tmp_path):
    """Run `ztoq ARGS` in process with a clean environment (its state dir in tmp_path); returns code, stdout, stderr."""

    def run(*args, environ=None, stdin=""):
        environ = {"XDG_STATE_HOME": str(tmp_path / "state-home"), **(environ or {})}
        env = Environment(environ=environ, stdin=io.StringIO(stdin),
                          stdout=io.StringIO(), stderr=io.StringIO())
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            code = main(list(args), env)
        finally:
            os.chdir(cwd)
        return CliResult(code, env.stdout.getvalue(), env.stderr.getvalue())

    return run
