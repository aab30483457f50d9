import os
import sys

import pytest

from tests.conftest import BACKEND, PG, _admin_database
from ztoq_luigi.sandbox import start_sandbox

ZTOQ = os.path.join(os.path.dirname(sys.executable), "ztoq")


@pytest.fixture
def sandbox(request):
    """Both simulators with a generated project: tiny by default, `sandbox_size("small")` for variety."""
    marker = request.node.get_closest_marker("sandbox_size")
    running = start_sandbox(size=marker.args[0] if marker else "tiny", seed=3)
    yield running
    running.stop()


@pytest.fixture
def fresh_db_args(tmp_path, pg_database_name):
    """Database flags for a migration that starts from an empty state database."""
    if BACKEND == "postgresql":
        admin = _admin_database()
        name = f"{pg_database_name}_{os.urandom(4).hex()}"
        admin.connect()
        admin.execute_sql(f'CREATE DATABASE "{name}"')
        admin.close()
        yield ["--db-type", "postgresql", "--host", PG["host"], "--port", str(PG["port"]),
               "--username", PG["user"], "--database", name]
        admin.connect()
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        yield ["--db-path", str(tmp_path / "state.db")]
