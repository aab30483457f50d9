"""Validation against Zephyr as it is now: listings stored a chunk at a time, drift judged a chunk at a time."""

import dataclasses

from ztoq_luigi.db.chunked import CHUNK
from ztoq_luigi.db.entities import save_extracted
from ztoq_luigi.db.readback import keys_read, save_read
from ztoq_luigi.kinds import Entity, Snapshot
from ztoq_luigi.tasks.validate.source import ReadZephyr, drift
from ztoq_luigi.validation.rules import Drift
from tests.unit.tasks.conftest import KEY, FakeContext


class Judge:
    """Rules that record every Drift view they are shown and find nothing."""

    def __init__(self):
        self.seen = []

    def check(self, view):
        self.seen.append(view)
        return []


class Zephyr:
    def __init__(self, cycles):
        self.cycles = cycles

    def test_cycles(self, project_key):
        yield from self.cycles


def test_every_entity_of_either_side_is_judged_once_in_key_order_with_both_versions(database):
    count = 2 * CHUNK + 50
    keys = [f"{KEY}-R{n:04d}" for n in range(count)]
    save_extracted(KEY, Entity.TEST_CYCLE, [(key, {"key": key, "name": "as migrated"}, n)
                                            for n, key in enumerate(keys[:-1])])
    save_read(KEY, Snapshot.ZEPHYR_TEST_CYCLE, [(key, key, {"key": key, "name": "now"}) for key in keys[1:]])
    judge = Judge()
    assert drift(KEY, judge, Snapshot.ZEPHYR_TEST_CYCLE, Entity.TEST_CYCLE) == []
    assert [view.key for view in judge.seen] == keys
    assert judge.seen[0] == Drift(Entity.TEST_CYCLE, keys[0], {"key": keys[0], "name": "as migrated"}, None)
    assert judge.seen[-1] == Drift(Entity.TEST_CYCLE, keys[-1], None, {"key": keys[-1], "name": "now"})
    assert (judge.seen[CHUNK].migrated["name"], judge.seen[CHUNK].current["name"]) == ("as migrated", "now")


def test_a_listing_read_again_forgets_what_an_earlier_attempt_stored(settings, database):
    save_read(KEY, Snapshot.ZEPHYR_TEST_CYCLE, [("PROJ-R9", "PROJ-R9", {"key": "PROJ-R9"})])  # deleted since
    cycles = [{"key": f"{KEY}-R{n}", "name": f"cycle {n}"} for n in range(CHUNK + 1)]
    context = FakeContext(dataclasses.replace(settings, project_key=KEY), zephyr=Zephyr(cycles))
    ReadZephyr(project_key=KEY, listing=Snapshot.ZEPHYR_TEST_CYCLE).work(context)
    assert keys_read(KEY, Snapshot.ZEPHYR_TEST_CYCLE) == {cycle["key"] for cycle in cycles}
