"""The qTest ids a batch reads from the entity map: which rows count, on both backends."""

import logging

from ztoq_luigi.db.chunked import CHUNK
from ztoq_luigi.db.entities import mark_created, mark_created_many, mark_pending, not_loaded, save_transformed, \
    stream_transformed_with_map, target_ids
from ztoq_luigi.db.models import EntityMap
from ztoq_luigi.kinds import Entity, WriteState


def _map(states):
    for n, state in enumerate(states):
        mark_pending("PRJ", Entity.CYCLE, "test-cycle", [f"C{n}"])
        if state is not None:
            mark_created("PRJ", Entity.CYCLE, f"C{n}", 100 + n, state=state)


def test_ids_of_objects_qtest_holds_leave_out_pending_and_deleted_ones(database):
    _map([WriteState.CREATED, None, WriteState.CONFIRMED, WriteState.DELETED])
    assert target_ids("PRJ", Entity.CYCLE, loaded=True) == {"C0": "100", "C2": "102"}
    assert target_ids("PRJ", Entity.CYCLE) == {"C0": "100", "C2": "102", "C3": "103"}


def test_what_qtest_does_not_hold_is_what_is_pending_deleted_or_never_mapped(database):
    _map([WriteState.CREATED, None, WriteState.CONFIRMED, WriteState.DELETED])
    assert not_loaded("PRJ", Entity.CYCLE, {"C0", "C1", "C2", "C3", "C9"}) == {"C1", "C3", "C9"}
    assert not_loaded("OTHER", Entity.CYCLE, {"C0"}) == {"C0"}


def test_ids_of_chosen_objects_are_read_in_chunks(database):
    _map([WriteState.CREATED] * 450)
    wanted = [f"C{n}" for n in range(0, 450, 2)] + ["unknown"]
    found = target_ids("PRJ", Entity.CYCLE, wanted, loaded=True)
    assert found == {f"C{n}": str(100 + n) for n in range(0, 450, 2)}
    assert target_ids("OTHER", Entity.CYCLE) == {}


def test_map_rows_are_written_chunk_rows_a_statement_and_a_creation_without_a_hash_keeps_the_recorded_one(
        database, caplog):
    ids = [f"C{n}" for n in range(2 * CHUNK + 1)]
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        mark_pending("PRJ", Entity.CYCLE, "test-cycle", ids)
        mark_created("PRJ", Entity.CYCLE, "C0", 100, content_hash="old")
        mark_created_many("PRJ", Entity.CYCLE, "test-cycle",
                          {source_id: (100 + n, None if n < 2 else "new") for n, source_id in enumerate(ids)})
    statements = [record.msg[0].split()[0] for record in caplog.records if isinstance(record.msg, tuple)]
    assert statements == ["INSERT"] * 3 + ["UPDATE"] + ["INSERT"] * 3
    assert target_ids("PRJ", Entity.CYCLE, ["C0", "C1", ids[-1]], loaded=True) == {
        "C0": "100", "C1": "101", ids[-1]: str(100 + 2 * CHUNK)}
    hashes = {row.source_id: row.content_hash for row in EntityMap.select().where(EntityMap.source_id.in_(ids[:3]))}
    assert hashes == {"C0": "old", "C1": None, "C2": "new"}


def test_plan_reads_each_payload_with_its_map_row_page_by_page(database):
    """What `plan` compares: a payload without a row, with a pending one, with a loaded one and its hash."""
    save_transformed("PRJ", Entity.CYCLE, [(f"C{n}", {"name": f"c{n}"}, "s", [], n) for n in range(5)])
    save_transformed("PRJ", Entity.TEST_CASE, [("T1", {"name": "t"}, "s", [], 1)])
    save_transformed("OTHER", Entity.CYCLE, [("C1", {"name": "other"}, "s", [], 1)])
    mark_pending("PRJ", Entity.CYCLE, "test-cycle", ["C1", "C2"])
    mark_created("PRJ", Entity.CYCLE, "C1", 101, content_hash="h1")
    mark_pending("OTHER", Entity.CYCLE, "test-cycle", ["C0"])
    rows = list(stream_transformed_with_map("PRJ", [Entity.CYCLE], page=2))
    assert [(entity_type, source_id, state, loaded_hash) for entity_type, source_id, _, state, loaded_hash in rows] == [
        ("cycle", "C0", None, None), ("cycle", "C1", "created", "h1"), ("cycle", "C2", "pending", None),
        ("cycle", "C3", None, None), ("cycle", "C4", None, None)]
    assert [payload for _, _, payload, _, _ in rows] == [{"name": f"c{n}"} for n in range(5)]
