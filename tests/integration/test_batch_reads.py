"""What batch tasks read of project-wide data, read without holding the project: the same answers, from indexes."""

import logging

import peewee
import pytest

from ztoq_luigi.db.attachments import files, owners_of_downloads, save_files, uploads_of
from ztoq_luigi.db.entities import extracted, mark_pending, save_extracted, save_transformed
from ztoq_luigi.db.executions import cycle_units
from ztoq_luigi.db.schema import BYTE_ORDER_INDEX
from ztoq_luigi.kinds import Entity

KEY = "PRJ"


def _record(n):
    """A file record as the listing and the downloads leave it: fetched, failed, or not tried yet."""
    owners = [f"{KEY}-T{n % 700}", f"{KEY}-T{(n * 7) % 900}"]
    if n % 5 == 0:
        return {"url": f"https://h/{n}", "owners": owners, "error": "HTTP 404"}
    if n % 11 == 0:
        return {"url": f"https://h/{n}", "owners": owners}
    return {"url": f"https://h/{n}", "owners": owners, "sha256": f"s{n}", "path": f"/f/{n}"}


def test_the_upload_work_list_is_the_sorted_owners_of_fetched_files_that_were_transformed(database):
    """The batches of the upload are slices of this list: it must be what it was when whole records were read."""
    save_files(KEY, [(f"u{n}", _record(n), n) for n in range(1300)])  # more than a page of records
    save_transformed(KEY, Entity.TEST_CASE, [(f"{KEY}-T{n}", {}, "h", [], n) for n in range(0, 1000, 3)])
    save_transformed("OTHER", Entity.TEST_CASE, [(f"{KEY}-T{n}", {}, "h", [], n) for n in range(1000)])
    owners = {owner for record in files(KEY).values() if record.get("sha256") for owner in record["owners"]}
    expected = sorted(owners & {f"{KEY}-T{n}" for n in range(0, 1000, 3)})
    assert owners_of_downloads(KEY, Entity.TEST_CASE) == expected
    assert len(expected) > 200 and owners_of_downloads(KEY, Entity.TEST_STEPS) == []


def test_a_run_batch_knows_every_cycle_by_id_and_its_unit_as_the_listing_ordered_them(database):
    cycles = [(f"{KEY}-R{n}", {"id": 5000 + n, "key": f"{KEY}-R{n}", "description": "x" * 50}, 799 - n)
              for n in range(800)]
    save_extracted(KEY, Entity.TEST_CYCLE, cycles)
    listed = list(extracted(KEY, Entity.TEST_CYCLE).values())
    assert cycle_units(KEY) == ({cycle["id"]: cycle["key"] for cycle in listed},
                                {cycle["key"]: n for n, cycle in enumerate(listed)})
    assert cycle_units(KEY)[1][f"{KEY}-R799"] == 0 and cycle_units("OTHER") == ({}, {})


UPLOADS = ["K-T1|test-cases/5|a", "K-T1|test-cases/5|b", "K-T1|test-cases/5|\u00e9t\u00e9", "K-T1|test-cases/50|c",
           "K-T10|test-cases/5|d", "k-t1|test-cases/5|e", "K-T1|test-cases/5}f", "K-T1|test-cases/5{g",
           "K-T1|test-cases/5", "K-T1|test-logs/5|h"]


def _uploads():
    mark_pending(KEY, Entity.FILE, "attachment", UPLOADS)
    mark_pending(KEY, Entity.TEST_CASE, "test-case", ["K-T1|test-cases/5|x"])
    mark_pending("OTHER", Entity.FILE, "attachment", ["K-T1|test-cases/5|y"])


def test_the_uploads_of_one_owner_and_object_are_exactly_those_under_its_prefix(database):
    _uploads()
    found = sorted(row.source_id for row in uploads_of(KEY, Entity.FILE, "K-T1|test-cases/5|"))
    assert found == ["K-T1|test-cases/5|a", "K-T1|test-cases/5|b", "K-T1|test-cases/5|\u00e9t\u00e9"]
    assert [row.source_id for row in uploads_of(KEY, Entity.FILE, "K-T10|test-cases/5|")] == ["K-T10|test-cases/5|d"]
    assert uploads_of(KEY, Entity.FILE, "K-T2|test-cases/5|") == []


def test_the_uploads_of_one_owner_and_object_are_read_from_an_index(database, caplog):
    """Not a scan of every upload of the project, once per test case or log with files."""
    _uploads()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        uploads_of(KEY, Entity.FILE, "K-T1|test-cases/5|")
    (sql, params), = [record.msg for record in caplog.records if "ztoq_entity_map" in str(record.msg)]
    if isinstance(database, peewee.PostgresqlDatabase):
        with database.atomic():
            database.execute_sql("SET LOCAL enable_seqscan = off")  # a table this small is scanned otherwise
            plan = " ".join(row[0] for row in database.execute_sql("EXPLAIN " + sql, params).fetchall())
        assert BYTE_ORDER_INDEX in plan and "Filter" not in plan, plan
    else:
        plan = " ".join(str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "USING INDEX" in plan and "source_id>? AND source_id<?" in plan.replace("=", ""), plan


def test_the_uploads_under_a_prefix_are_found_whatever_the_postgresql_collation(database):
    """ICU collations ignore '|' at first: 'K-T1|test-cases/5}' sorts before 'K-T1|test-cases/5|a' there."""
    if not isinstance(database, peewee.PostgresqlDatabase):
        pytest.skip("SQLite compares text bytewise")
    database.execute_sql('ALTER TABLE ztoq_entity_map ALTER COLUMN source_id TYPE varchar(255) COLLATE "und-x-icu"')
    _uploads()
    found = sorted(row.source_id for row in uploads_of(KEY, Entity.FILE, "K-T1|test-cases/5|"))
    assert found == ["K-T1|test-cases/5|a", "K-T1|test-cases/5|b", "K-T1|test-cases/5|\u00e9t\u00e9"]
