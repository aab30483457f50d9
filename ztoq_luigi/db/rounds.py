"""Sync rounds: which pass over Zephyr a project is in, and what each pass did to qTest.

The first migration is round 1. A `run` after a finished round opens the
next one: the pipeline runs again under the new round's markers, reading
Zephyr's listings afresh and writing only what changed. What a round did is
counted from the entity map (created, updated, unchanged, deleted in Zephyr,
deleted in qTest) and frozen in its row when its load finishes, since a later
round overwrites the map's rounds.
"""

import json

import peewee

from ztoq_luigi.db.connection import write_transaction
from ztoq_luigi.db.models import EntityMap, SyncRound, utcnow
from ztoq_luigi.kinds import LOADED, Entity, SyncChange, WriteState

TALLIED = (Entity.MODULE, Entity.TEST_CASE, Entity.RELEASE, Entity.CYCLE, Entity.TEST_RUN, Entity.TEST_LOG)


def current_round(project_key):
    """The number of the project's latest round (1 before any is recorded: a migration is round 1)."""
    number = SyncRound.select(peewee.fn.MAX(SyncRound.number)).where(SyncRound.project_key == project_key).scalar()
    return number or 1


def ensure_round(project_key):
    """The current round, recorded as round 1 when the project has none yet."""
    with write_transaction():
        if not SyncRound.select().where(SyncRound.project_key == project_key).exists():
            SyncRound.insert(project_key=project_key, number=1).on_conflict_ignore().execute()
    return current_round(project_key)


def open_round(project_key):
    """Start the round after the current one; returns its number."""
    with write_transaction():
        number = current_round(project_key) + 1
        SyncRound.insert(project_key=project_key, number=number).on_conflict_ignore().execute()
    return number


def finish_round(project_key, number):
    """Freeze what the round did; called in the transaction that marks its load done."""
    (SyncRound.update(finished_at=utcnow(), tallies=json.dumps(live_tallies(project_key, number), sort_keys=True))
     .where((SyncRound.project_key == project_key) & (SyncRound.number == number)).execute())


def live_tallies(project_key, number):
    """{entity type: {SyncChange: count}} of round `number`, counted from the entity map as it is now."""
    loaded = [state.value for state in LOADED]
    ours = (EntityMap.project_key == project_key) & EntityMap.source_type.in_([str(t) for t in TALLIED])
    conditions = {
        SyncChange.CREATED: (EntityMap.created_round == number) & EntityMap.state.in_(loaded),
        SyncChange.UPDATED: (EntityMap.updated_round == number) & EntityMap.state.in_(loaded)
        & (EntityMap.created_round != number),
        SyncChange.UNCHANGED: (EntityMap.created_round < number) & EntityMap.state.in_(loaded)
        & ((EntityMap.updated_round != number) | EntityMap.updated_round.is_null()) & EntityMap.gone_round.is_null(),
        SyncChange.DELETED_IN_ZEPHYR: EntityMap.gone_round == number,
        SyncChange.DELETED: (EntityMap.updated_round == number) & (EntityMap.state == WriteState.DELETED.value),
    }
    tallies = {str(entity_type): {str(change): 0 for change in SyncChange} for entity_type in TALLIED}
    for change, condition in conditions.items():
        rows = (EntityMap.select(EntityMap.source_type, peewee.fn.COUNT(EntityMap.id)).where(ours & condition)
                .group_by(EntityMap.source_type).tuples())
        for entity_type, count in rows:
            tallies[entity_type][str(change)] = count
    return tallies


def rounds(project_key):
    """Every round of the project, oldest first: {number, started_at, finished_at, tallies}."""
    found = []
    for row in SyncRound.select().where(SyncRound.project_key == project_key).order_by(SyncRound.number):
        tallies = json.loads(row.tallies) if row.tallies else live_tallies(project_key, row.number)
        found.append({"number": row.number, "started_at": row.started_at, "finished_at": row.finished_at,
                      "tallies": tallies})
    return found
