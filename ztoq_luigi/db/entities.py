"""Entity storage for the pipeline: extracted payloads, transformed payloads, the entity map.

Every write is an upsert keyed by (project, type, source id), so a batch
that is run again after a crash rewrites its rows instead of duplicating them.
"""

import hashlib
import json

import peewee

from ztoq_luigi.db.chunked import chunks, for_ids, insert_chunked
from ztoq_luigi.db.models import EntityMap, ExtractedEntity, Marker, TransformedEntity, utcnow
from ztoq_luigi.kinds import LOADED, WriteState

PAGE = 500
_MAP_KEY = [EntityMap.project_key, EntityMap.source_type, EntityMap.source_id]


def content_hash(payload):
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def save_extracted(project_key, entity_type, items, seen_round=1):
    """Store (source_id, payload, ordinal) triples, listed in sync round `seen_round`."""
    now = utcnow()
    rows = [{"project_key": project_key, "entity_type": entity_type, "source_id": str(source_id),
             "ordinal": ordinal, "payload": json.dumps(payload, ensure_ascii=False),
             "content_hash": content_hash(payload), "extracted_at": now, "seen_round": seen_round}
            for source_id, payload, ordinal in items]
    insert_chunked(ExtractedEntity, rows,
                   conflict_target=[ExtractedEntity.project_key, ExtractedEntity.entity_type,
                                    ExtractedEntity.source_id],
                   preserve=[ExtractedEntity.ordinal, ExtractedEntity.payload, ExtractedEntity.content_hash,
                             ExtractedEntity.extracted_at, ExtractedEntity.seen_round])


def extracted_hashes(project_key, entity_type, source_ids):
    """{source_id: content hash} of the stored payloads, to tell what a new listing changed."""
    query = ExtractedEntity.select(ExtractedEntity.source_id, ExtractedEntity.content_hash).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)).tuples()
    return dict(for_ids(query, ExtractedEntity.source_id, source_ids))


def unseen_ids(project_key, entity_type, sync_round):
    """The source ids of a type that no listing of sync round `sync_round` returned: deleted in Zephyr."""
    return {source_id for (source_id,) in ExtractedEntity.select(ExtractedEntity.source_id).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)
        & (ExtractedEntity.seen_round < sync_round)).tuples()}


def listed_in_round(project_key, entity_type, source_ids, sync_round):
    """Which of these ids were stored (fetched anew) in sync round `sync_round`."""
    query = ExtractedEntity.select(ExtractedEntity.source_id).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)
        & (ExtractedEntity.seen_round == sync_round)).tuples()
    return {source_id for (source_id,) in for_ids(query, ExtractedEntity.source_id, source_ids)}


def forget_entities(project_key, entity_types, source_ids):
    """Delete the extracted and transformed rows of these ids (gone from Zephyr), for each of the types."""
    types = [str(t) for t in entity_types]
    for chunk in chunks([str(s) for s in source_ids]):
        for model in (ExtractedEntity, TransformedEntity):
            model.delete().where((model.project_key == project_key) & model.entity_type.in_(types)
                                 & model.source_id.in_(chunk)).execute()


def extracted(project_key, entity_type, source_ids=None, ordinals=None, seen_round=None):
    """{source_id: payload} for the given ids, or for an ordinal range (start, stop); only those listed in
    `seen_round` when given."""
    query = ExtractedEntity.select(ExtractedEntity.source_id, ExtractedEntity.payload).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type))
    if seen_round is not None:
        query = query.where(ExtractedEntity.seen_round == seen_round)
    if ordinals is not None:
        query = query.where(ExtractedEntity.ordinal.between(ordinals[0], ordinals[1] - 1))
    if source_ids is not None:
        rows = for_ids(query, ExtractedEntity.source_id, source_ids)
        return {row.source_id: json.loads(row.payload) for row in rows}
    return {row.source_id: json.loads(row.payload) for row in query.order_by(ExtractedEntity.ordinal)}


def stream_extracted(project_key, entity_type, page=PAGE):
    """Yield the payloads of one entity type in ordinal order, `page` rows per query.

    Surveys of every case or execution would otherwise hold the whole project
    in memory (a PostgreSQL client cursor fetches the whole result at once).
    Executions share their unit's ordinal, so a page ends at (ordinal, id).
    """
    after = (-1, 0)
    query = ExtractedEntity.select(ExtractedEntity.ordinal, ExtractedEntity.id, ExtractedEntity.payload).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type))
    while True:
        rows = list(query.where(peewee.Tuple(ExtractedEntity.ordinal, ExtractedEntity.id) > peewee.Tuple(*after))
                    .order_by(ExtractedEntity.ordinal, ExtractedEntity.id).limit(page).tuples())
        for _, _, payload in rows:
            yield json.loads(payload)
        if len(rows) < page:
            return
        after = rows[-1][:2]


def extracted_ids(project_key, entity_type):
    return {source_id for (source_id,) in ExtractedEntity.select(ExtractedEntity.source_id).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)).tuples()}


def transformed_ids(project_key, entity_type):
    return frozenset(source_id for (source_id,) in TransformedEntity.select(TransformedEntity.source_id).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
        .tuples().iterator())


def count_transformed(project_key, entity_type):
    return TransformedEntity.select().where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)).count()


def count_extracted(project_key, entity_type):
    return ExtractedEntity.select().where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)).count()


def save_transformed(project_key, entity_type, items):
    """Store (source_id, payload, source_hash, depends_on list, ordinal) tuples."""
    now = utcnow()
    rows = [{"project_key": project_key, "entity_type": entity_type, "source_id": str(source_id),
             "payload": json.dumps(payload, ensure_ascii=False), "source_hash": source_hash,
             "depends_on": " ".join(depends_on), "ordinal": ordinal, "transformed_at": now}
            for source_id, payload, source_hash, depends_on, ordinal in items]
    insert_chunked(TransformedEntity, rows,
                   conflict_target=[TransformedEntity.project_key, TransformedEntity.entity_type,
                                    TransformedEntity.source_id],
                   preserve=[TransformedEntity.payload, TransformedEntity.source_hash, TransformedEntity.depends_on,
                             TransformedEntity.ordinal, TransformedEntity.transformed_at])


def transformed(project_key, entity_type, level=None, positions=None, source_ids=None):
    """{source_id: payload}, all of a type, one load batch (a level and a position range) or the given ids."""
    query = TransformedEntity.select(TransformedEntity.source_id, TransformedEntity.payload).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
    if source_ids is not None:
        rows = for_ids(query, TransformedEntity.source_id, source_ids)
        return {row.source_id: json.loads(row.payload) for row in rows}
    if level is not None:
        query = query.where((TransformedEntity.level == level)
                            & TransformedEntity.position.between(positions[0], positions[1] - 1))
    order = TransformedEntity.position if level is not None else TransformedEntity.ordinal
    return {row.source_id: json.loads(row.payload) for row in query.order_by(order, TransformedEntity.id)}


def stream_transformed_with_map(project_key, entity_types, page=PAGE):
    """Yield (entity type, source id, payload, map state, map content hash) of the transformed rows of the given
    types, `page` rows per query; state and hash are None without a map row.

    `plan` compares every payload with what qTest holds without holding the
    whole project in memory.
    """
    on = ((EntityMap.project_key == TransformedEntity.project_key)
          & (EntityMap.source_type == TransformedEntity.entity_type)
          & (EntityMap.source_id == TransformedEntity.source_id))
    query = (TransformedEntity.select(TransformedEntity.id, TransformedEntity.entity_type, TransformedEntity.source_id,
                                      TransformedEntity.payload, EntityMap.state, EntityMap.content_hash)
             .join(EntityMap, peewee.JOIN.LEFT_OUTER, on=on)
             .where((TransformedEntity.project_key == project_key)
                    & TransformedEntity.entity_type.in_([str(t) for t in entity_types])))
    after = 0
    while True:
        rows = list(query.where(TransformedEntity.id > after).order_by(TransformedEntity.id).limit(page).tuples())
        for _, entity_type, source_id, payload, state, loaded_hash in rows:
            yield entity_type, source_id, json.loads(payload), state, loaded_hash
        if len(rows) < page:
            return
        after = rows[-1][0]


def dependency_graph(project_key, entity_type):
    """{source_id: [source ids it depends on]} without loading payloads."""
    query = TransformedEntity.select(TransformedEntity.source_id, TransformedEntity.depends_on).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
    return {row.source_id: row.depends_on.split() for row in query.order_by(TransformedEntity.ordinal)}


def assign_load_order(project_key, entity_type, placement):
    """Write {source_id: (level, position)}, CHUNK rows a statement (one each was 3,000 for 3,000 cases)."""
    for chunk in chunks([(str(source_id), order) for source_id, order in placement.items()]):
        (TransformedEntity.update(level=peewee.Case(TransformedEntity.source_id,
                                                    [(source_id, level) for source_id, (level, _) in chunk]),
                                  position=peewee.Case(TransformedEntity.source_id,
                                                       [(source_id, position) for source_id, (_, position) in chunk]))
         .where((TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)
                & TransformedEntity.source_id.in_([source_id for source_id, _ in chunk])).execute())


def level_sizes(project_key, entity_type):
    """{level: number of entities} of the load order."""
    query = (TransformedEntity.select(TransformedEntity.level, peewee.fn.COUNT(TransformedEntity.id))
             .where((TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
             .group_by(TransformedEntity.level).tuples())
    return {level: count for level, count in query if level is not None}


def mapped(project_key, source_type, source_ids=None):
    """{source_id: EntityMap row} for the given ids (all of the type when None)."""
    query = EntityMap.select().where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type))
    rows = query if source_ids is None else for_ids(query, EntityMap.source_id, source_ids)
    return {row.source_id: row for row in rows}


def mapped_ids(project_key, source_type):
    """The source ids of one type that have a row in the entity map, whatever its state."""
    return {source_id for (source_id,) in EntityMap.select(EntityMap.source_id).where(
        (EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)).tuples()}


def target_ids(project_key, source_type, source_ids=None, loaded=False):
    """{source_id: qTest id} of the mapped objects that have one (`loaded`: only those qTest holds).

    Tuples rather than map rows: batches read the ids of every module or
    cycle of the project, eight at a time, and a peewee row costs many times
    what its two strings do.
    """
    query = EntityMap.select(EntityMap.source_id, EntityMap.target_id).where(
        _loaded(project_key, source_type) if loaded else (EntityMap.project_key == project_key)
        & (EntityMap.source_type == source_type) & EntityMap.target_id.is_null(False))
    return dict(query.tuples() if source_ids is None else for_ids(query.tuples(), EntityMap.source_id, source_ids))


def _loaded(project_key, source_type):
    """The map rows of one type whose objects qTest holds (created or confirmed)."""
    return ((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
            & EntityMap.state.in_([state.value for state in LOADED]))


def loaded_ids(project_key, source_type):
    """The source ids of one type that qTest holds (created or confirmed), without loading the map's rows."""
    return {source_id for (source_id,) in EntityMap.select(EntityMap.source_id).where(
        _loaded(project_key, source_type)).tuples()}


def not_loaded(project_key, source_type, source_ids):
    """Which of these source ids qTest does not hold: the loaded ids are streamed past them, never held.

    A census of a large project has 50,000 keys; a set of the loaded ones
    beside it would hold each key twice.
    """
    left = set(source_ids)
    for (source_id,) in EntityMap.select(EntityMap.source_id).where(
            _loaded(project_key, source_type)).tuples().iterator():
        left.discard(source_id)
    return frozenset(left)


def count_loaded(project_key, source_type):
    return EntityMap.select().where(_loaded(project_key, source_type)).count()


def mark_pending(project_key, source_type, target_type, source_ids, sync_round=1):
    """Record the intent to create, before the request is sent."""
    now = utcnow()
    rows = [{"project_key": project_key, "source_type": source_type, "source_id": str(source_id),
             "target_type": target_type, "state": WriteState.PENDING, "updated_at": now, "created_round": sync_round}
            for source_id in source_ids]
    insert_chunked(EntityMap, rows, conflict_target=_MAP_KEY, preserve=[EntityMap.updated_at])


def mark_created(project_key, source_type, source_id, target_id, state=WriteState.CREATED, content_hash=None):
    """Record the id qTest gave, and the hash of the content it was created with when known."""
    changes = {"target_id": str(target_id), "state": state, "updated_at": utcnow()}
    if content_hash is not None:
        changes["content_hash"] = content_hash
    EntityMap.update(**changes).where(_one(project_key, source_type, source_id)).execute()


def mark_created_many(project_key, source_type, target_type, created, sync_round=1):
    """Record {source_id: (qTest id, content hash or None)} as created, CHUNK rows a statement.

    An upsert that changes only the id, state, time and (when given) hash of
    rows that normally exist already, pending: what mark_created does for one.
    """
    now = utcnow()
    rows = [{"project_key": project_key, "source_type": source_type, "source_id": str(source_id),
             "target_type": target_type, "target_id": str(target_id), "state": WriteState.CREATED,
             "content_hash": loaded_hash, "updated_at": now, "created_round": sync_round}
            for source_id, (target_id, loaded_hash) in created.items()]
    excluded = peewee.EXCLUDED
    insert_chunked(EntityMap, rows, conflict_target=_MAP_KEY,
                   update={EntityMap.target_id: excluded.target_id, EntityMap.state: excluded.state,
                           EntityMap.updated_at: excluded.updated_at,
                           EntityMap.content_hash: peewee.fn.COALESCE(excluded.content_hash, EntityMap.content_hash)})


def _one(project_key, source_type, source_id):
    return ((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
            & (EntityMap.source_id == str(source_id)))


def set_content_hash(project_key, source_type, source_id, content_hash):
    """Record what qTest holds of an object once all of it is there (a run with all its logs), nothing pending."""
    (EntityMap.update(content_hash=content_hash, pending_hash=None)
     .where(_one(project_key, source_type, source_id)).execute())


def mark_update_pending(project_key, source_type, source_id, content_hash):
    """Record the intent to update to `content_hash`, before the request is sent."""
    (EntityMap.update(pending_hash=content_hash, updated_at=utcnow())
     .where(_one(project_key, source_type, source_id)).execute())


def mark_updated(project_key, source_type, source_id, content_hash, sync_round, state=None):
    """qTest holds `content_hash` now (or, with state DELETED, nothing): written in sync round `sync_round`."""
    changes = {"content_hash": content_hash, "pending_hash": None, "updated_round": sync_round,
               "updated_at": utcnow()}
    if state is not None:
        changes["state"] = state
    EntityMap.update(**changes).where(_one(project_key, source_type, source_id)).execute()


def mark_gone(project_key, source_type, source_ids, sync_round):
    """Note that Zephyr no longer has these entities (first noticed in `sync_round`); returns how many are new."""
    return sum(EntityMap.update(gone_round=sync_round)
               .where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
                      & EntityMap.source_id.in_(chunk) & EntityMap.gone_round.is_null()).execute()
               for chunk in chunks([str(s) for s in source_ids]))


def gone(project_key, source_type):
    """{source_id: EntityMap row} of the objects whose Zephyr entity was deleted and that qTest may still hold."""
    return {row.source_id: row for row in EntityMap.select().where(
        (EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
        & EntityMap.gone_round.is_null(False) & EntityMap.state.in_([state.value for state in LOADED]))}


def mark_adopted(project_key, source_type, target_type, found):
    """Record {source_id: target_id} found in qTest as created and adopted; an existing row is left as it is."""
    now = utcnow()
    rows = [{"project_key": project_key, "source_type": source_type, "source_id": str(source_id),
             "target_type": target_type, "target_id": str(target_id), "state": WriteState.CREATED, "adopted": True,
             "updated_at": now} for source_id, target_id in found.items()]
    insert_chunked(EntityMap, rows, action="IGNORE")


def adopted_ids(project_key, source_type):
    """{source_id: qTest id} of the objects of one type adopted from qTest."""
    return dict(EntityMap.select(EntityMap.source_id, EntityMap.target_id).where(
        (EntityMap.project_key == project_key) & (EntityMap.adopted == True)  # noqa: E712
        & (EntityMap.source_type == source_type)).tuples())


def adopted_counts(project_key):
    """{source type: objects adopted from qTest}, read from the (project, adopted, type) index."""
    query = (EntityMap.select(EntityMap.source_type, peewee.fn.COUNT(EntityMap.id))
             .where((EntityMap.project_key == project_key) & (EntityMap.adopted == True))  # noqa: E712
             .group_by(EntityMap.source_type).tuples())
    return dict(query)


def write_marker(project_key, name, phase, *, kind, retryable=False, entity_type=None, batch_no=None, item_count=0,
                 failed_count=0, run_id=None, started_at=None, done_by=None, sync_round=1):
    (Marker.insert(project_key=project_key, name=name, phase=phase, kind=kind, retryable=retryable,
                   entity_type=entity_type, batch_no=batch_no, item_count=item_count, failed_count=failed_count,
                   run=run_id, started_at=started_at, completed_at=utcnow(), done_by=done_by, sync_round=sync_round)
     .on_conflict(conflict_target=[Marker.project_key, Marker.sync_round, Marker.name],
                  preserve=[Marker.item_count, Marker.failed_count, Marker.run, Marker.started_at,
                            Marker.completed_at, Marker.done_by]).execute())


def marker_exists(project_key, name, sync_round=1):
    return Marker.select().where((Marker.project_key == project_key) & (Marker.sync_round == sync_round)
                                 & (Marker.name == name)).exists()


def extracted_ids_in(project_key, entity_type, source_ids):
    """Which of these source ids have a stored row of the type."""
    query = ExtractedEntity.select(ExtractedEntity.source_id).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)).tuples()
    return {source_id for (source_id,) in for_ids(query, ExtractedEntity.source_id, source_ids)}


def transformed_ids_in(project_key, entity_type, source_ids):
    """Which of these source ids have a transformed row of the type."""
    query = TransformedEntity.select(TransformedEntity.source_id).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)).tuples()
    return {source_id for (source_id,) in for_ids(query, TransformedEntity.source_id, source_ids)}


def source_hashes(project_key, entity_type, source_ids):
    """{source_id: hash of the Zephyr content it was transformed from}, to skip what a sync finds unchanged."""
    query = TransformedEntity.select(TransformedEntity.source_id, TransformedEntity.source_hash).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)).tuples()
    return dict(for_ids(query, TransformedEntity.source_id, source_ids))


def missing_from(project_key, source_type, model, entity_type):
    """The ids of one type qTest holds whose entity `model` (extracted or transformed rows of `entity_type`)
    no longer has, and that are not known to be gone yet: deleted in Zephyr since they were loaded."""
    kept = model.select(model.source_id).where((model.project_key == project_key) & (model.entity_type == entity_type))
    return sorted(source_id for (source_id,) in EntityMap.select(EntityMap.source_id).where(
        (EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
        & EntityMap.state.in_([state.value for state in LOADED]) & EntityMap.gone_round.is_null()
        & EntityMap.source_id.not_in(kept)).tuples())
