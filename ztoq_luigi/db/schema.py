"""The versioned schema: a fresh database is created at the latest version, an older one upgraded.

Upgrade steps are appended to STEPS, never edited or removed, and each runs in
its own transaction with its version row, so a crash mid-upgrade leaves the
database at the last complete version. A database newer than this program is
refused rather than guessed at.
"""

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from ztoq_luigi.db.models import ALL_MODELS, RunLock, SchemaVersion
from ztoq_luigi.errors import DatabaseError

INITIAL_DESCRIPTION = "initial schema: runs, entities, entity map, markers, events, errors, validation issues"


def _add_run_lock(database, migrator):
    database.create_tables([RunLock])


# (version, description, step(database, migrator)) for databases created by an older release.
STEPS = (
    (2, "run lock: one run or resume of a project at a time", _add_run_lock),
)

_UPGRADE_LOCK_ID = 0x5A544F51  # "ZTOQ": serialises concurrent upgrades on PostgreSQL.


def latest_version(steps=None):
    steps = STEPS if steps is None else steps
    return max([1] + [version for version, _, _ in steps])


def current_version(database):
    if not database.table_exists(SchemaVersion._meta.table_name):
        return 0
    return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar() or 0


def ensure_schema(database, steps=None):
    """Create or upgrade the schema; safe to call from several processes at once."""
    steps = STEPS if steps is None else steps
    target = latest_version(steps)
    with _upgrade_lock(database):
        version = current_version(database)
        if version > target:
            raise DatabaseError(
                f"the state database is at schema version {version}, newer than this ztoq "
                f"(version {target}); expected an upgraded ztoq-luigi"
            )
        if version == 0:
            database.create_tables(ALL_MODELS)
            SchemaVersion.create(version=target, description=INITIAL_DESCRIPTION)
            return target
        migrator = _migrator(database)
        for step_version, description, step in sorted(steps, key=lambda item: item[0]):
            if step_version > version:
                with database.atomic():
                    step(database, migrator)
                    SchemaVersion.create(version=step_version, description=description)
    return target


def _migrator(database):
    if isinstance(database, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(database)
    return SqliteMigrator(database)


class _upgrade_lock:
    """Hold a database-wide lock while the version is read and the schema changed."""

    def __init__(self, database):
        self.database = database
        self.transaction = None

    def __enter__(self):
        if isinstance(self.database, peewee.PostgresqlDatabase):
            self.transaction = self.database.atomic()
            self.transaction.__enter__()
            peewee.Select(columns=[peewee.fn.pg_advisory_xact_lock(_UPGRADE_LOCK_ID)]).bind(self.database).scalar()
        else:
            self.transaction = self.database.atomic(lock_type="IMMEDIATE")
            self.transaction.__enter__()
        return self

    def __exit__(self, *exc):
        return self.transaction.__exit__(*exc)
