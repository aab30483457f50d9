"""The versioned schema: a fresh database is created at the latest version, an older one upgraded.

Upgrade steps are appended to STEPS, never edited or removed, and each runs in
its own transaction with its version row, so a crash mid-upgrade leaves the
database at the last complete version. A database newer than this program is
refused rather than guessed at.
"""

import json
import re

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from ztoq_luigi.db.entities import content_hash
from ztoq_luigi.db.models import (ALL_MODELS, BYTE_ORDER, BatchLayout, EntityMap, Event, ExtractedEntity, Marker,
                                  ReadBack, RunHost, RunLock, SchemaVersion, SyncRound, TransformedEntity, ValidationIssue)
from ztoq_luigi.errors import DatabaseError
from ztoq_luigi.kinds import LOADED, MarkerKind

INITIAL_DESCRIPTION = "initial schema: runs, entities, entity map, markers, events, errors, validation issues"


def _add_run_lock(database, migrator):
    database.create_tables([RunLock])


_RETRYABLE_BEFORE_V3 = ("extract/testcase-content/", "extract/executions/", "load/testcases/", "load/embedded-files/",
                        "load/testruns/", "validate/")
_LAYOUT_BEFORE_V3 = re.compile(r"^layout/(.+)/b(\d+)$")
_BATCH_BEFORE_V3 = re.compile(r"/b\d+/")


def _typed_markers(database, migrator):
    """Markers say what they are (kind, retryable) and batch layouts get a table; older names are read once, here."""
    database.create_tables([BatchLayout])
    migrate(migrator.add_column(Marker._meta.table_name, "kind", Marker.kind),
            migrator.add_column(Marker._meta.table_name, "retryable", Marker.retryable))
    for marker in Marker.select(Marker.id, Marker.project_key, Marker.name, Marker.item_count):
        layout = _LAYOUT_BEFORE_V3.match(marker.name)
        if layout:
            BatchLayout.create(project_key=marker.project_key, scope=layout.group(1),
                               requested_size=int(layout.group(2)), size=marker.item_count)
            marker.delete_instance()
            continue
        kind = (MarkerKind.PHASE if marker.name.startswith("phase/") else MarkerKind.GROUP
                if marker.name.startswith("group/") else MarkerKind.BATCH if _BATCH_BEFORE_V3.search(marker.name)
                else MarkerKind.STEP)
        (Marker.update(kind=kind.value, retryable=marker.name.startswith(_RETRYABLE_BEFORE_V3))
         .where(Marker.id == marker.id).execute())


def _add_read_back(database, migrator):
    """The read-back table, and which task found each validation issue (what a rerun of it replaces)."""
    database.create_tables([ReadBack])
    migrate(migrator.add_column(ValidationIssue._meta.table_name, "found_by", ValidationIssue.found_by))


_EVENT_COLUMNS = ("kind", "subject", "entity_key")


def _event_columns(database, migrator):
    """A warning's kind, subject and entity move from its JSON context to columns that reports group in SQL."""
    table = Event._meta.table_name
    migrate(*(migrator.add_column(table, name, getattr(Event, name)) for name in _EVENT_COLUMNS),
            migrator.add_index(table, ("project_key", "level", "kind", "subject"), False))
    rows = Event.select(Event.id, Event.context).where(Event.context.contains('"kind"')
                                                       | Event.context.contains('"entity_key"')).tuples()
    for event_id, context in list(rows):
        details = json.loads(context or "{}")
        columns = {name: details.pop(name, None) for name in _EVENT_COLUMNS}
        Event.update(context=json.dumps(details, sort_keys=True), **columns).where(Event.id == event_id).execute()


def _entity_counts_index(database, migrator):
    """Status and progress count entities per type and state; at 100k cases a scan of the map took seconds."""
    migrate(migrator.add_index(EntityMap._meta.table_name, ("project_key", "source_type", "state"), False))


def _add_run_hosts(database, migrator):
    """Several hosts on one run: who works on it (for the lock and the shared rates) and who did each task."""
    database.create_tables([RunHost])
    migrate(migrator.add_column(Marker._meta.table_name, "done_by", Marker.done_by))


def _adopted_column(database, migrator):
    """Objects found in qTest instead of created are flagged, and counted per type by status and the report."""
    table = EntityMap._meta.table_name
    migrate(migrator.add_column(table, "adopted", EntityMap.adopted),
            migrator.add_index(table, ("project_key", "adopted", "source_type"), False))


_SYNC_MAP_COLUMNS = ("content_hash", "pending_hash", "created_round", "updated_round", "gone_round")
_HASH_PAGE = 500
_RUNS = "testrun"
_LOGS = "testlog"


def _sync_rounds(database, migrator):
    """Sync rounds: markers per round, when each extracted row was last listed, the hash of what qTest holds.

    Everything loaded so far was loaded from the transformed payloads as
    they are now, so their hashes are what qTest holds: without them the
    first sync would send every object again. Runs are left without one: a
    run's hash says all its logs are in qTest, which the next load checks.
    """
    database.create_tables([SyncRound])
    marker, entity_map = Marker._meta.table_name, EntityMap._meta.table_name
    migrate(migrator.add_column(marker, "sync_round", Marker.sync_round),
            migrator.drop_index(marker, f"{marker}_project_key_name"),
            migrator.add_index(marker, ("project_key", "sync_round", "name"), True),
            migrator.add_column(ExtractedEntity._meta.table_name, "seen_round", ExtractedEntity.seen_round),
            *(migrator.add_column(entity_map, name, getattr(EntityMap, name)) for name in _SYNC_MAP_COLUMNS))
    _hash_loaded(EntityMap, TransformedEntity)


def _hash_loaded(entity_map, transformed):
    """content_hash of every map row from the transformed payload of the same type and source id, page by page."""
    after = 0
    while True:
        rows = list(transformed.select(transformed.id, transformed.project_key, transformed.entity_type,
                                       transformed.source_id, transformed.payload)
                    .where((transformed.id > after) & (transformed.entity_type != _RUNS)).order_by(transformed.id).limit(_HASH_PAGE).tuples())
        for _, project_key, entity_type, source_id, payload in rows:
            (entity_map.update(content_hash=content_hash(json.loads(payload)))
             .where((entity_map.project_key == project_key) & (entity_map.source_type == entity_type)
                    & (entity_map.source_id == source_id)).execute())
        if len(rows) < _HASH_PAGE:
            return
        after = rows[-1][0]


def _hash_loaded_logs(database, migrator):
    """content_hash of every test log this state loaded, from the log inside its run's transformed payload.

    Step 9 left logs without one, so the first sync took each as it was and
    an execution edited in Zephyr since its load never reached qTest. As in
    step 9, the payloads are what was loaded only while a project is in its
    first round; after a sync round they may be newer than what qTest holds,
    so those projects, and adopted logs (what qTest holds was sent by another
    state), keep no hash and the next sync that reaches them sends them once.
    """
    synced = SyncRound.select(SyncRound.project_key).where(SyncRound.number > 1)
    runs = (TransformedEntity.select(TransformedEntity.id, TransformedEntity.project_key, TransformedEntity.payload)
            .where((TransformedEntity.entity_type == _RUNS) & TransformedEntity.project_key.not_in(synced)))
    after = 0
    while True:
        rows = list(runs.where(TransformedEntity.id > after).order_by(TransformedEntity.id).limit(_HASH_PAGE).tuples())
        for _, project_key, payload in rows:
            for log in json.loads(payload)["logs"]:
                (EntityMap.update(content_hash=content_hash(log))
                 .where((EntityMap.project_key == project_key) & (EntityMap.source_type == _LOGS)
                        & (EntityMap.source_id == log["execution"]) & EntityMap.content_hash.is_null()
                        & (EntityMap.adopted == False)  # noqa: E712
                        & EntityMap.state.in_([state.value for state in LOADED])).execute())
        if len(rows) < _HASH_PAGE:
            return
        after = rows[-1][0]


BYTE_ORDER_INDEX = "ztoq_entity_map_source_id_bytes"


def _source_ids_in_byte_order(database, migrator):
    """PostgreSQL: the entity map's source ids indexed in byte order as well, where a prefix is one range.

    The uploads of one owner and object are the source ids under a prefix,
    asked as a range in byte order (models.source_id_in_byte_order), which
    the map's own index, in the database's collation, does not serve.
    SQLite's own index is in byte order already.
    """
    if isinstance(database, peewee.PostgresqlDatabase):
        database.execute(EntityMap.index(EntityMap.project_key, EntityMap.source_type,
                                         EntityMap.source_id.collate(BYTE_ORDER), name=BYTE_ORDER_INDEX))


# (version, description, step(database, migrator)) for databases created by an older release.
STEPS = (
    (2, "run lock: one run or resume of a project at a time", _add_run_lock),
    (3, "typed markers (kind, retryable) and a batch layout table", _typed_markers),
    (4, "validation read-back (what validation read in bulk) and the task that found each issue", _add_read_back),
    (5, "events: a warning's kind, subject and entity as columns", _event_columns),
    (6, "entity map: an index for counts per type and state", _entity_counts_index),
    (7, "scale-out: the hosts working on a run, and which host did each task", _add_run_hosts),
    (8, "entity map: objects adopted from qTest instead of created", _adopted_column),
    (9, "sync rounds: markers per round, rows last listed, content hashes of what qTest holds", _sync_rounds),
    (10, "entity map: content hashes of the test logs loaded before the map kept them", _hash_loaded_logs),
    (11, "entity map: source ids in byte order on PostgreSQL, for the uploads under a prefix", _source_ids_in_byte_order),
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
            _source_ids_in_byte_order(database, None)  # the one index a model cannot declare for one backend
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
