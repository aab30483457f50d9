"""mapping/changes.py: what a sync does with one entity, from the hash qTest holds and the new one."""

import pytest

from ztoq_luigi.kinds import WriteState
from ztoq_luigi.mapping.changes import Action, action


@pytest.mark.parametrize("state, loaded, new, expected", [
    (None, None, "h1", Action.CREATE),                   # never loaded
    (WriteState.PENDING, None, "h1", Action.CREATE),     # a create whose answer was lost: create_once settles it
    (WriteState.CREATED, "h1", "h1", Action.KEEP),       # unchanged in Zephyr
    (WriteState.CONFIRMED, "h1", "h1", Action.KEEP),
    (WriteState.CREATED, "h1", "h2", Action.UPDATE),     # changed in Zephyr
    (WriteState.CONFIRMED, None, "h2", Action.UPDATE),   # loaded, hash unknown (adopted): compared, sent if needed
    (WriteState.DELETED, "h1", "h1", Action.CREATE),     # deleted in qTest, back in Zephyr
])
def test_the_action_follows_from_the_state_and_the_hashes(state, loaded, new, expected):
    assert action(state, loaded, new) == expected


def test_the_migration_itself_keeps_what_qtest_holds_and_only_a_sync_updates():
    assert action(WriteState.CREATED, None, "h2", syncing=False) == Action.KEEP  # adopted from qTest: kept
    assert action(WriteState.CREATED, "h1", "h2", syncing=False) == Action.KEEP
    assert action(None, None, "h2", syncing=False) == Action.CREATE
