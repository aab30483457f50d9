"""A sync round's load with a fake qTest: changed cases updated once in place, unchanged ones left alone,
deletions in Zephyr noticed once and deleted in qTest only when asked to."""

import dataclasses

from ztoq_luigi.clients.errors import AmbiguousWriteError
from ztoq_luigi.db.entities import mapped, save_extracted, save_transformed
from ztoq_luigi.db.journal import start_run
from ztoq_luigi.db.models import Event
from ztoq_luigi.db.rounds import ensure_round, live_tallies, open_round
from ztoq_luigi.kinds import Entity, WarningKind, WriteState
from ztoq_luigi.tasks.load.deletions import SyncDeletions
from tests.unit.tasks.conftest import KEY, FakeContext
from tests.unit.tasks.test_load_test_cases import batch, payload, seed


def load(ctx, cases):
    seed(cases)
    start_run(KEY, "run", ["load"], {})
    batch().work(ctx)


def next_round(ctx):
    ensure_round(KEY)
    ctx.use_round(open_round(KEY))


def test_a_changed_case_is_updated_once_and_an_unchanged_one_is_not_written(ctx, fake_qtest):
    load(ctx, [("PROJ-T1", payload("PROJ-T1")), ("PROJ-T2", payload("PROJ-T2"))])
    next_round(ctx)
    renamed = dict(payload("PROJ-T1"), name="Renamed in Zephyr")
    load(ctx, [("PROJ-T1", renamed), ("PROJ-T2", payload("PROJ-T2"))])
    first = mapped(KEY, Entity.TEST_CASE)["PROJ-T1"]
    assert [(case_id, body["name"]) for case_id, body in fake_qtest.updates] == [(first.target_id, "Renamed in Zephyr")]
    assert len(fake_qtest.created_cases) == 2
    assert (first.updated_round, first.pending_hash) == (2, None)
    tallies = live_tallies(KEY, 2)[Entity.TEST_CASE]
    assert (tallies["updated"], tallies["unchanged"], tallies["created"]) == (1, 1, 0)

    batch().work(ctx)
    assert len(fake_qtest.updates) == 1, "loaded again with nothing changed: no write"


def test_an_update_whose_answer_is_lost_is_found_applied_and_not_sent_again(ctx, fake_qtest):
    load(ctx, [("PROJ-T1", payload("PROJ-T1"))])
    next_round(ctx)
    fake_qtest.fail["update_test_case"] = [AmbiguousWriteError("qTest PUT answered 502 to a write", status=502)]
    load(ctx, [("PROJ-T1", dict(payload("PROJ-T1"), name="Renamed"))])
    assert len(fake_qtest.updates) == 1
    assert mapped(KEY, Entity.TEST_CASE)["PROJ-T1"].pending_hash is None


def deletions(ctx):
    return SyncDeletions(project_key=KEY, batch_size=50)


def keep_only_case_one():
    """Zephyr now lists PROJ-T1 only (its folder, module 10, is still there)."""
    save_extracted(KEY, Entity.TEST_CASE, [("PROJ-T1", {"key": "PROJ-T1"}, 0)])
    save_transformed(KEY, Entity.MODULE, [("10", {"name": "Folder"}, "hash", [], 0)])


def test_a_case_deleted_in_zephyr_is_reported_once_and_kept_by_default(ctx, fake_qtest):
    load(ctx, [("PROJ-T1", payload("PROJ-T1")), ("PROJ-T2", payload("PROJ-T2"))])
    keep_only_case_one()
    next_round(ctx)
    deletions(ctx).work(ctx)
    deletions(ctx).work(ctx)
    warnings = [(event.kind, event.entity_key) for event in Event.select().where(Event.level == "WARNING")]
    assert warnings == [(WarningKind.DELETED_IN_ZEPHYR, "PROJ-T2")], "reported once"
    assert fake_qtest.deleted == []
    assert mapped(KEY, Entity.TEST_CASE)["PROJ-T2"].gone_round == 2


def test_with_delete_the_case_deleted_in_zephyr_is_deleted_in_qtest(ctx, fake_qtest):
    load(ctx, [("PROJ-T1", payload("PROJ-T1")), ("PROJ-T2", payload("PROJ-T2"))])
    keep_only_case_one()
    next_round(ctx)
    deleting = FakeContext(dataclasses.replace(ctx.settings, zephyr_deletions="delete"), qtest=fake_qtest)
    deleting.use_round(ctx.sync_round())
    deletions(deleting).work(deleting)
    gone = mapped(KEY, Entity.TEST_CASE)["PROJ-T2"]
    assert fake_qtest.deleted == [gone.target_id]
    assert (gone.state, gone.updated_round) == (WriteState.DELETED, 2)
    assert live_tallies(KEY, 2)[Entity.TEST_CASE]["deleted"] == 1
    deletions(deleting).work(deleting)
    assert len(fake_qtest.deleted) == 1, "deleted once"
