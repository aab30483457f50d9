"""The qTest ids a batch reads from the entity map: which rows count, on both backends."""

from ztoq_luigi.db.entities import mark_created, mark_pending, target_ids
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


def test_ids_of_chosen_objects_are_read_in_chunks(database):
    _map([WriteState.CREATED] * 450)
    wanted = [f"C{n}" for n in range(0, 450, 2)] + ["unknown"]
    found = target_ids("PRJ", Entity.CYCLE, wanted, loaded=True)
    assert found == {f"C{n}": str(100 + n) for n in range(0, 450, 2)}
    assert target_ids("OTHER", Entity.CYCLE) == {}
