"""The state database on the backend under test (ZTOQ_TEST_DB): schema, upgrades, threads, failures."""

import datetime
import json
import os
import threading

import peewee
import pytest
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import close_all, open_database, write_transaction
from ztoq_luigi.db.entities import content_hash
from ztoq_luigi.db.models import (ALL_MODELS, BatchLayout, EntityMap, Event, Marker, ReadBack, RunHost, RunLock,
                                  SchemaVersion, SyncRound, TransformedEntity, WorkflowRun,
                                  database_proxy)
from ztoq_luigi.db.rounds import current_round
from ztoq_luigi.db.schema import BYTE_ORDER_INDEX, STEPS, current_version, ensure_schema, latest_version
from ztoq_luigi.errors import DatabaseError


def test_fresh_database_gets_every_table_at_the_latest_version(database):
    tables = set(database.get_tables())
    assert {model._meta.table_name for model in ALL_MODELS} <= tables
    assert current_version(database) == latest_version()


def test_opening_again_keeps_data_and_version(settings, database):
    WorkflowRun.create(project_key="KEEP", command="run", phases="extract")
    database.close()
    reopened = open_database(settings)
    assert WorkflowRun.select().where(WorkflowRun.project_key == "KEEP").count() == 1
    assert SchemaVersion.select().count() == 1
    reopened.close()


def _add_operator_column(database, migrator):
    migrate(migrator.add_column("ztoq_workflow_run", "operator", peewee.CharField(null=True)))


def test_upgrade_step_runs_once_and_keeps_data(database):
    WorkflowRun.create(project_key="UP", command="run", phases="extract")
    following = latest_version() + 1
    steps = STEPS + ((following, "add operator to runs", _add_operator_column),)
    assert ensure_schema(database, steps) == following
    assert current_version(database) == following
    assert "operator" in {column.name for column in database.get_columns("ztoq_workflow_run")}
    assert ensure_schema(database, steps) == following
    assert SchemaVersion.select().count() == 2
    assert WorkflowRun.select().count() == 1


def _migrator(database):
    return (PostgresqlMigrator if isinstance(database, peewee.PostgresqlDatabase) else SqliteMigrator)(database)


def _as_version_8(database):
    """Turn a fresh database back into what version 8 created: no sync rounds, markers without one, no hashes."""
    database.drop_tables([SyncRound])
    migrator = _migrator(database)
    migrate(migrator.drop_index("ztoq_marker", "ztoq_marker_project_key_sync_round_name"),
            migrator.drop_column("ztoq_marker", "sync_round"),
            migrator.add_index("ztoq_marker", ("project_key", "name"), True),
            migrator.drop_column("ztoq_extracted_entity", "seen_round"),
            *(migrator.drop_column("ztoq_entity_map", name)
              for name in ("content_hash", "pending_hash", "created_round", "updated_round", "gone_round")))


def test_a_version_8_database_gets_sync_rounds_and_the_hashes_of_what_was_loaded(database):
    _as_version_8(database)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=8, description="entity map: objects adopted from qTest instead of created")
    old_markers = peewee.Table("ztoq_marker", ("project_key", "name", "phase", "kind", "retryable", "item_count",
                                               "failed_count", "completed_at")).bind(database)
    old_markers.insert(project_key="OLD", name="phase/load", phase="load", kind="phase", retryable=False, item_count=0,
                       failed_count=0, completed_at=datetime.datetime(2026, 12, 1)).execute()
    transformed = peewee.Table("ztoq_transformed_entity", ("project_key", "entity_type", "source_id", "payload",
                                                           "source_hash", "depends_on", "transformed_at")).bind(database)
    old_map = peewee.Table("ztoq_entity_map", ("project_key", "source_type", "source_id", "target_type", "target_id",
                                               "state", "adopted", "updated_at")).bind(database)
    for n in range(3):
        transformed.insert(project_key="OLD", entity_type="testcase", source_id=f"OLD-T{n}",
                           payload=json.dumps({"name": f"case {n}"}), source_hash="s", depends_on="",
                           transformed_at=datetime.datetime(2026, 12, 1)).execute()
        old_map.insert(project_key="OLD", source_type="testcase", source_id=f"OLD-T{n}", target_type="test-case",
                       target_id=str(100 + n), state="created", adopted=False,
                       updated_at=datetime.datetime(2026, 12, 1)).execute()
    assert ensure_schema(database) == latest_version() >= 9
    hashes = {row.source_id: row.content_hash for row in EntityMap.select()}
    assert hashes == {f"OLD-T{n}": content_hash({"name": f"case {n}"}) for n in range(3)}
    assert [(m.name, m.sync_round) for m in Marker.select()] == [("phase/load", 1)]
    assert current_round("OLD") == 1
    Marker.create(project_key="OLD", name="phase/load", phase="load", sync_round=2)
    assert Marker.select().count() == 2, "the same task is done once per round"


def test_a_version_8_database_gets_the_hashes_of_the_logs_it_loaded_from_their_runs(database):
    """What the load computed for a log it created; an adopted log (sent by another state) keeps none."""
    _as_version_8(database)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=8, description="entity map: objects adopted from qTest instead of created")
    loaded, adopted = ({"execution": f"OLD-E{n}", "status": "Pass", "comment": f"log {n}"} for n in (1, 2))
    transformed = peewee.Table("ztoq_transformed_entity", ("project_key", "entity_type", "source_id", "payload",
                                                           "source_hash", "depends_on", "transformed_at")).bind(database)
    transformed.insert(project_key="OLD", entity_type="testrun", source_id="OLD-R1/OLD-T1",
                       payload=json.dumps({"name": "run", "logs": [loaded, adopted]}), source_hash="s", depends_on="",
                       transformed_at=datetime.datetime(2026, 12, 1)).execute()
    old_map = peewee.Table("ztoq_entity_map", ("project_key", "source_type", "source_id", "target_type", "target_id",
                                               "state", "adopted", "updated_at")).bind(database)
    for source_type, source_id, target_id, was_adopted in (("testrun", "OLD-R1/OLD-T1", "7", False),
                                                           ("testlog", "OLD-E1", "71", False),
                                                           ("testlog", "OLD-E2", "72", True)):
        old_map.insert(project_key="OLD", source_type=source_type, source_id=source_id, target_type=source_type,
                       target_id=target_id, state="created", adopted=was_adopted,
                       updated_at=datetime.datetime(2026, 12, 1)).execute()
    assert ensure_schema(database) == latest_version() >= 10
    hashes = {row.source_id: row.content_hash for row in EntityMap.select()}
    assert hashes == {"OLD-R1/OLD-T1": None, "OLD-E1": content_hash(loaded), "OLD-E2": None}


def test_logs_of_a_project_already_synced_keep_no_hash_since_their_run_may_be_newer_than_qtest(database):
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=9, description="sync rounds: markers per round, rows last listed, content hashes")
    log = {"execution": "NEW-E1", "status": "Fail"}
    TransformedEntity.create(project_key="NEW", entity_type="testrun", source_id="NEW-R1/NEW-T1",
                             payload=json.dumps({"name": "run", "logs": [log]}), source_hash="s")
    EntityMap.create(project_key="NEW", source_type="testlog", source_id="NEW-E1", target_type="test-log",
                     target_id="81", state="created")
    SyncRound.create(project_key="NEW", number=2)
    assert ensure_schema(database) == latest_version() >= 10
    assert EntityMap.get(EntityMap.source_id == "NEW-E1").content_hash is None


def _as_version_1(database):
    """Turn a fresh database back into what version 1 of the schema created (no run lock, untyped markers,
    no read-back, issues without the task that found them)."""
    _as_version_8(database)
    database.drop_tables([RunLock, RunHost, BatchLayout, ReadBack])
    migrator = _migrator(database)
    migrate(migrator.drop_column("ztoq_marker", "kind"), migrator.drop_column("ztoq_marker", "retryable"),
            migrator.drop_column("ztoq_marker", "done_by"),
            migrator.drop_column("ztoq_validation_issue", "found_by"),
            migrator.drop_index("ztoq_event", "ztoq_event_project_key_level_kind_subject"),
            migrator.drop_index("ztoq_entity_map", "ztoq_entity_map_project_key_source_type_state"),
            migrator.drop_index("ztoq_entity_map", "ztoq_entity_map_project_key_adopted_source_type"),
            migrator.drop_column("ztoq_entity_map", "adopted"),
            *(migrator.drop_column("ztoq_event", name) for name in ("kind", "subject", "entity_key")))
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=1, description="initial schema")
    old_markers = peewee.Table("ztoq_marker", ("project_key", "name", "phase", "item_count", "failed_count",
                                               "completed_at")).bind(database)
    for name, phase, count, failed in [("phase/extract", "extract", 0, 0), ("group/load/test-design", "load", 0, 0),
                                       ("load/testcases/b50/0/3", "load", 48, 2),
                                       ("transform/testcases/b50/1", "transform", 50, 1),
                                       ("load/modules", "load", 7, 0), ("layout/load/0/b50", "load", 17, 0)]:
        old_markers.insert(project_key="OLD", name=name, phase=phase, item_count=count, failed_count=failed,
                           completed_at=datetime.datetime(2026, 11, 30)).execute()
    old_events = peewee.Table("ztoq_event", ("project_key", "level", "message", "context", "time")).bind(database)
    old_events.insert(project_key="OLD", level="WARNING", message="OLD-T1: user u-1 (owner) is not mapped",
                      context='{"batch_no": 3, "entity_key": "OLD-T1", "kind": "unmapped-user", "subject": "u-1"}',
                      time=datetime.datetime(2026, 11, 30)).execute()


def test_a_version_1_database_is_upgraded_with_its_markers_typed(database):
    WorkflowRun.create(project_key="OLD", command="run", phases="extract")
    _as_version_1(database)
    assert ensure_schema(database) == latest_version() >= 4
    assert {RunLock._meta.table_name, ReadBack._meta.table_name, RunHost._meta.table_name} <= set(database.get_tables())
    assert "done_by" in {column.name for column in database.get_columns("ztoq_marker")}
    assert "found_by" in {column.name for column in database.get_columns("ztoq_validation_issue")}
    assert "adopted" in {column.name for column in database.get_columns("ztoq_entity_map")}
    markers = {marker.name: (marker.kind, marker.retryable) for marker in Marker.select()}
    assert markers == {"phase/extract": ("phase", False), "group/load/test-design": ("group", False),
                       "load/testcases/b50/0/3": ("batch", True), "transform/testcases/b50/1": ("batch", False),
                       "load/modules": ("step", False)}
    layout = BatchLayout.get()
    assert (layout.project_key, layout.scope, layout.requested_size, layout.size) == ("OLD", "load/0", 50, 17)
    assert WorkflowRun.select().where(WorkflowRun.project_key == "OLD").count() == 1
    event = Event.get()
    assert (event.kind, event.subject, event.entity_key, event.context) == ("unmapped-user", "u-1", "OLD-T1",
                                                                            '{"batch_no": 3}')


def test_failed_upgrade_step_leaves_the_previous_version(database):
    def broken(db, migrator):
        _add_operator_column(db, migrator)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ensure_schema(database, STEPS + ((latest_version() + 1, "broken", broken),))
    assert current_version(database) == latest_version()
    assert "operator" not in {column.name for column in database.get_columns("ztoq_workflow_run")}


def test_database_newer_than_the_program_is_refused(database):
    SchemaVersion.create(version=99, description="from the future")
    with pytest.raises(DatabaseError) as caught:
        ensure_schema(database)
    assert f"schema version 99, newer than this ztoq (version {latest_version()})" in str(caught.value)


def test_each_thread_has_its_own_connection_and_closes_it(database):
    WorkflowRun.create(project_key="MAIN", command="run", phases="extract")
    seen = {}

    def task_thread():
        seen["shared"] = database.connection() is seen["main"]
        WorkflowRun.create(project_key="THREAD", command="run", phases="load")
        close_all()
        seen["closed"] = database.is_closed()

    seen["main"] = database.connection()
    thread = threading.Thread(target=task_thread)
    thread.start()
    thread.join()
    assert seen == {"main": seen["main"], "shared": False, "closed": True}
    assert not database.is_closed()
    assert {run.project_key for run in WorkflowRun.select()} == {"MAIN", "THREAD"}


def test_every_sqlite_connection_caches_512_kib_of_pages(database):
    if not isinstance(database, peewee.SqliteDatabase):
        pytest.skip("SQLite's page cache")
    seen = {}

    def task_thread():
        seen["thread"] = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        close_all()

    thread = threading.Thread(target=task_thread)
    thread.start()
    thread.join()
    assert (database.execute_sql("PRAGMA cache_size").fetchone()[0], seen["thread"]) == (-512, -512)


def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the resident size from Linux's /proc")
def test_a_connection_does_not_keep_the_compiled_programs_of_statements_that_never_come_back(database):
    """Multi-row inserts of every length, as a run sends them: kept, 128 of them held about 13 MB a connection."""
    if not isinstance(database, peewee.SqliteDatabase):
        pytest.skip("Python's sqlite3 statement cache")
    database.execute_sql("CREATE TEMP TABLE scratch (a TEXT, b TEXT, c TEXT, d TEXT, e INTEGER, f TEXT, g TEXT)")
    before = resident_mb()
    for length in range(72, 200):
        rows = [(f"k{length}", f"r{row}", "x" * 50, "y", row, "z", "w") for row in range(length)]
        database.execute_sql("INSERT INTO scratch VALUES " + ",".join(["(?,?,?,?,?,?,?)"] * length),
                             [value for row in rows for value in row])
    assert resident_mb() - before < 6


def test_concurrent_first_opens_create_the_schema_once(settings, tmp_path):
    children = []
    for number in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                open_database(settings).close()
                os._exit(0)
            except BaseException as error:
                (tmp_path / f"child{number}.txt").write_text(f"{type(error).__name__}: {error}")
                os._exit(1)
        children.append(pid)
    codes = [os.WEXITSTATUS(os.waitpid(pid, 0)[1]) for pid in children]
    assert codes == [0, 0, 0], [path.read_text() for path in tmp_path.glob("child*.txt")]
    database = open_database(settings)
    assert SchemaVersion.select().count() == 1
    database.close()
    database_proxy.initialize(None)


def test_unreachable_postgresql_is_one_clear_line_without_the_password():
    settings = load_settings({"db_type": "postgresql", "db_host": "127.0.0.1", "db_port": "1",
                              "db_password": "hunter2"}, {})
    with pytest.raises(DatabaseError) as caught:
        open_database(settings)
    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL database 'ztoq' at 127.0.0.1:1 as 'postgres': ")
    assert message.endswith("expected a reachable PostgreSQL server")
    assert "hunter2" not in message and "\n" not in message


def test_sqlite_path_that_is_a_directory_is_refused(tmp_path):
    settings = load_settings({"db_path": str(tmp_path)}, {})
    with pytest.raises(DatabaseError) as caught:
        open_database(settings)
    assert str(caught.value).startswith(f"cannot open SQLite database '{tmp_path}'")


def test_a_version_10_postgresql_database_gets_the_entity_map_source_ids_in_byte_order(database):
    """The uploads under a prefix are a range in byte order, which only this index serves there (SQLite's own does)."""
    if not isinstance(database, peewee.PostgresqlDatabase):
        pytest.skip("PostgreSQL only")
    migrate(_migrator(database).drop_index("ztoq_entity_map", BYTE_ORDER_INDEX))
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=10, description="entity map: content hashes of the test logs loaded before the map")
    assert ensure_schema(database) == latest_version() >= 11
    assert BYTE_ORDER_INDEX in {index.name for index in database.get_indexes("ztoq_entity_map")}


def test_sqlite_writers_of_one_process_queue_instead_of_meeting_the_busy_handler(database, settings):
    """With no busy timeout, a thread finding SQLite's write lock taken fails at once: none does."""
    if settings.db_type != "sqlite":
        pytest.skip("SQLite's single writer only")
    database.pragma("busy_timeout", 0, permanent=True)
    failures = []

    def writer(number):
        try:
            for item in range(60):
                if item % 10 == 0:
                    with write_transaction():
                        Event.create(project_key="W", message=f"{number}-{item}", context="{}")
                        Event.create(project_key="W", message=f"{number}-{item}b", context="{}")
                else:
                    Event.create(project_key="W", message=f"{number}-{item}", context="{}")
        except peewee.OperationalError as error:
            failures.append(str(error))
        finally:
            close_all()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Event.select().where(Event.project_key == "W").count() == 8 * 66
