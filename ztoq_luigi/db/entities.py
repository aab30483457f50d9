"""Entity storage for the pipeline: extracted payloads, transformed payloads, the entity map.

Every write is an upsert keyed by (project, type, source id), so a batch
that is run again after a crash rewrites its rows instead of duplicating them.
"""

import hashlib
import json

import peewee

from ztoq_luigi.db.models import EntityMap, ExtractedEntity, Marker, TransformedEntity, utcnow
from ztoq_luigi.kinds import LOADED, WriteState

CHUNK = 200
PAGE = 500


def content_hash(payload):
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _upsert(model, rows, conflict, update):
    for start in range(0, len(rows), CHUNK):
        (model.insert_many(rows[start:start + CHUNK])
         .on_conflict(conflict_target=conflict, preserve=update).execute())


def save_extracted(project_key, entity_type, items):
    """Store (source_id, payload, ordinal) triples."""
    now = utcnow()
    rows = [{"project_key": project_key, "entity_type": entity_type, "source_id": str(source_id),
             "ordinal": ordinal, "payload": json.dumps(payload, ensure_ascii=False),
             "content_hash": content_hash(payload), "extracted_at": now}
            for source_id, payload, ordinal in items]
    _upsert(ExtractedEntity, rows,
            [ExtractedEntity.project_key, ExtractedEntity.entity_type, ExtractedEntity.source_id],
            [ExtractedEntity.ordinal, ExtractedEntity.payload, ExtractedEntity.content_hash,
             ExtractedEntity.extracted_at])


def extracted(project_key, entity_type, source_ids=None, ordinals=None):
    """{source_id: payload} for the given ids, or for an ordinal range (start, stop)."""
    query = ExtractedEntity.select(ExtractedEntity.source_id, ExtractedEntity.payload).where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type))
    if ordinals is not None:
        query = query.where(ExtractedEntity.ordinal.between(ordinals[0], ordinals[1] - 1))
    if source_ids is not None:
        source_ids = [str(s) for s in source_ids]
        found = {}
        for start in range(0, len(source_ids), CHUNK):
            chunk = query.where(ExtractedEntity.source_id.in_(source_ids[start:start + CHUNK]))
            found.update({row.source_id: json.loads(row.payload) for row in chunk})
        return found
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
    return {source_id for (source_id,) in TransformedEntity.select(TransformedEntity.source_id).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)).tuples()}


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
    _upsert(TransformedEntity, rows,
            [TransformedEntity.project_key, TransformedEntity.entity_type, TransformedEntity.source_id],
            [TransformedEntity.payload, TransformedEntity.source_hash, TransformedEntity.depends_on,
             TransformedEntity.ordinal, TransformedEntity.transformed_at])


def transformed(project_key, entity_type, level=None, positions=None, source_ids=None):
    """{source_id: payload}, all of a type, one load batch (a level and a position range) or the given ids."""
    query = TransformedEntity.select(TransformedEntity.source_id, TransformedEntity.payload).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
    if source_ids is not None:
        source_ids = [str(s) for s in source_ids]
        found = {}
        for start in range(0, len(source_ids), CHUNK):
            chunk = query.where(TransformedEntity.source_id.in_(source_ids[start:start + CHUNK]))
            found.update({row.source_id: json.loads(row.payload) for row in chunk})
        return found
    if level is not None:
        query = query.where((TransformedEntity.level == level)
                            & TransformedEntity.position.between(positions[0], positions[1] - 1))
    order = TransformedEntity.position if level is not None else TransformedEntity.ordinal
    return {row.source_id: json.loads(row.payload) for row in query.order_by(order, TransformedEntity.id)}


def dependency_graph(project_key, entity_type):
    """{source_id: [source ids it depends on]} without loading payloads."""
    query = TransformedEntity.select(TransformedEntity.source_id, TransformedEntity.depends_on).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
    return {row.source_id: row.depends_on.split() for row in query.order_by(TransformedEntity.ordinal)}


def assign_load_order(project_key, entity_type, placement):
    """Write {source_id: (level, position)}."""
    for source_id, (level, position) in placement.items():
        (TransformedEntity.update(level=level, position=position)
         .where((TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)
                & (TransformedEntity.source_id == source_id)).execute())


def level_sizes(project_key, entity_type):
    """{level: number of entities} of the load order."""
    query = (TransformedEntity.select(TransformedEntity.level, peewee.fn.COUNT(TransformedEntity.id))
             .where((TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
             .group_by(TransformedEntity.level).tuples())
    return {level: count for level, count in query if level is not None}


def mapped(project_key, source_type, source_ids=None):
    """{source_id: EntityMap row} for the given ids (all of the type when None)."""
    query = EntityMap.select().where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type))
    if source_ids is None:
        return {row.source_id: row for row in query}
    source_ids = [str(s) for s in source_ids]
    found = {}
    for start in range(0, len(source_ids), CHUNK):
        found.update({row.source_id: row for row in query.where(EntityMap.source_id.in_(source_ids[start:start + CHUNK]))})
    return found


def mapped_ids(project_key, source_type):
    """The source ids of one type that have a row in the entity map, whatever its state."""
    return {source_id for (source_id,) in EntityMap.select(EntityMap.source_id).where(
        (EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)).tuples()}


def loaded_ids(project_key, source_type):
    """The source ids of one type that qTest holds (created or confirmed), without loading the map's rows."""
    return {source_id for (source_id,) in EntityMap.select(EntityMap.source_id).where(
        (EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
        & EntityMap.state.in_([state.value for state in LOADED])).tuples()}


def count_loaded(project_key, source_type):
    return EntityMap.select().where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
                                    & EntityMap.state.in_([state.value for state in LOADED])).count()


def mark_pending(project_key, source_type, target_type, source_ids):
    """Record the intent to create, before the request is sent."""
    now = utcnow()
    rows = [{"project_key": project_key, "source_type": source_type, "source_id": str(source_id),
             "target_type": target_type, "state": WriteState.PENDING, "updated_at": now} for source_id in source_ids]
    for start in range(0, len(rows), CHUNK):
        (EntityMap.insert_many(rows[start:start + CHUNK])
         .on_conflict(conflict_target=[EntityMap.project_key, EntityMap.source_type, EntityMap.source_id],
                      preserve=[EntityMap.updated_at]).execute())


def mark_created(project_key, source_type, source_id, target_id, state=WriteState.CREATED):
    (EntityMap.update(target_id=str(target_id), state=state, updated_at=utcnow())
     .where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
            & (EntityMap.source_id == str(source_id))).execute())


def mark_adopted(project_key, source_type, target_type, found):
    """Record {source_id: target_id} found in qTest as created and adopted; an existing row is left as it is."""
    now = utcnow()
    rows = [{"project_key": project_key, "source_type": source_type, "source_id": str(source_id),
             "target_type": target_type, "target_id": str(target_id), "state": WriteState.CREATED, "adopted": True,
             "updated_at": now} for source_id, target_id in found.items()]
    for start in range(0, len(rows), CHUNK):
        EntityMap.insert_many(rows[start:start + CHUNK]).on_conflict_ignore().execute()


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
                 failed_count=0, run_id=None, started_at=None, done_by=None):
    (Marker.insert(project_key=project_key, name=name, phase=phase, kind=kind, retryable=retryable,
                   entity_type=entity_type, batch_no=batch_no, item_count=item_count, failed_count=failed_count,
                   run=run_id, started_at=started_at, completed_at=utcnow(), done_by=done_by)
     .on_conflict(conflict_target=[Marker.project_key, Marker.name],
                  preserve=[Marker.item_count, Marker.failed_count, Marker.run, Marker.started_at,
                            Marker.completed_at, Marker.done_by]).execute())


def marker_exists(project_key, name):
    return Marker.select().where((Marker.project_key == project_key) & (Marker.name == name)).exists()
