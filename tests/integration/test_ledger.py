"""services/writes.py Ledger: a window's creations are pending before the first is sent, recorded together after,
and a window cut short leaves pending rows that create_once settles by looking them up."""

from ztoq_luigi.db.entities import mapped, mark_created, mark_pending
from ztoq_luigi.kinds import WriteState
from ztoq_luigi.services.writes import Ledger, create_once

KEY = "P"
TARGETS = {"test-run": "test-run", "test-log": "test-log"}


def states(source_type, ids):
    rows = mapped(KEY, source_type, ids)
    return {source_id: (row.state, row.target_id, row.content_hash) for source_id, row in rows.items()}


def test_intents_precede_every_send_and_ids_are_recorded_at_the_flush(database):
    ledger = Ledger(KEY, TARGETS, sync_round=1)
    ledger.intend("test-run", ["R1", "R2"])
    ledger.intend("test-log", ["E1"])
    seen_before_send = []

    def create(new_id, source_type, source_id):
        seen_before_send.append(states(source_type, [source_id])[source_id][0])
        return new_id

    for run_key, new_id in (("R1", 11), ("R2", 12)):
        created = create_once(KEY, "test-run", "test-run", run_key, None, find=lambda: None, ledger=ledger,
                              create=lambda: create(new_id, "test-run", run_key))
        assert created == str(new_id)
    create_once(KEY, "test-log", "test-log", "E1", None, create=lambda: create(21, "test-log", "E1"),
                find=lambda: None, content_hash="log-hash", ledger=ledger)
    ledger.settle("test-run", "R1", "run-hash")
    assert seen_before_send == [WriteState.PENDING.value] * 3
    assert {state for state, _, _ in states("test-run", ["R1", "R2"]).values()} == {WriteState.PENDING.value}
    ledger.flush()
    assert states("test-run", ["R1", "R2"]) == {"R1": ("created", "11", "run-hash"), "R2": ("created", "12", None)}
    assert states("test-log", ["E1"]) == {"E1": ("created", "21", "log-hash")}


def test_a_settled_object_created_before_the_window_gets_its_hash(database):
    mark_pending(KEY, "test-run", "test-run", ["R9"])
    mark_created(KEY, "test-run", "R9", 99, content_hash="old")
    ledger = Ledger(KEY, TARGETS)
    ledger.settle("test-run", "R9", "new")
    ledger.flush()
    assert states("test-run", ["R9"]) == {"R9": ("created", "99", "new")}


def test_an_object_pending_from_an_earlier_window_is_recorded_though_its_type_had_no_intents(database):
    """A window whose runs all have their pending rows already intends none: what it finds is recorded all the same."""
    mark_pending(KEY, "test-run", "test-run", ["R1"])
    ledger = Ledger(KEY, TARGETS)
    create_once(KEY, "test-run", "test-run", "R1", mapped(KEY, "test-run", ["R1"])["R1"], create=lambda: 12,
                find=lambda: 11, content_hash="run-hash", ledger=ledger)
    assert states("test-run", ["R1"]) == {"R1": ("pending", None, None)}
    ledger.flush()
    assert states("test-run", ["R1"]) == {"R1": ("created", "11", "run-hash")}


def test_a_window_cut_short_is_settled_by_looking_up_what_it_sent(database):
    ledger = Ledger(KEY, TARGETS)
    ledger.intend("test-run", ["R1", "R2"])
    create_once(KEY, "test-run", "test-run", "R1", None, create=lambda: 11, find=lambda: None, ledger=ledger)
    # killed here: nothing flushed
    sent = []
    rows = mapped(KEY, "test-run", ["R1", "R2"])
    in_qtest = {"R1": 11}
    for run_key in ("R1", "R2"):
        create_once(KEY, "test-run", "test-run", run_key, rows[run_key],
                    create=lambda: sent.append(run_key) or 12, find=lambda: in_qtest.get(run_key))
    assert sent == ["R2"]
    assert states("test-run", ["R1", "R2"]) == {"R1": ("created", "11", None), "R2": ("created", "12", None)}
