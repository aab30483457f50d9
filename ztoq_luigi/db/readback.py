"""What validation read in bulk (qTest as it is, Zephyr as it is now), kept until the next validation.

Rows are upserted by (project, kind, object id), so a read batch run again
after a crash rewrites its rows; comparisons look them up by the Zephyr key
the object carries (a test case's or run's `Zephyr Key`, a log's execution
marker), or by object id.

The load keeps here, too, each test case as its last write answered
(Snapshot.LOADED_TEST_CASE), so that its runs' logs know the version and
step ids without reading every case back; a validation that forgets the
table only makes a later load batch read them again.
"""

import json

import peewee

from ztoq_luigi.db.chunked import chunks, for_ids, insert_chunked
from ztoq_luigi.db.models import ReadBack


def save_read(project_key, kind, items):
    """Store (object_id, key, payload) triples of one kind."""
    rows = [{"project_key": project_key, "kind": str(kind), "object_id": str(object_id),
             "key": None if key is None else str(key)[:255], "payload": json.dumps(payload, ensure_ascii=False)}
            for object_id, key, payload in items]
    insert_chunked(ReadBack, rows, conflict_target=[ReadBack.project_key, ReadBack.kind, ReadBack.object_id],
                   preserve=[ReadBack.key, ReadBack.payload])


def read_by_key(project_key, kind, keys):
    """{key: [payload, ...]} of the objects carrying the given keys (several when duplicated)."""
    query = ReadBack.select(ReadBack.key, ReadBack.payload).where(_of(project_key, kind)).order_by(ReadBack.id)
    found = {}
    for row in for_ids(query, ReadBack.key, keys):
        found.setdefault(row.key, []).append(json.loads(row.payload))
    return found


def read_by_id(project_key, kind, object_ids):
    """{object id: payload} of the given objects."""
    query = ReadBack.select(ReadBack.object_id, ReadBack.payload).where(_of(project_key, kind))
    return {row.object_id: json.loads(row.payload) for row in for_ids(query, ReadBack.object_id, object_ids)}


def read_all(project_key, kind):
    """Every payload of one kind, in the order read."""
    query = ReadBack.select(ReadBack.payload).where(_of(project_key, kind)).order_by(ReadBack.id)
    return [json.loads(row.payload) for row in query.iterator()]


def ids_by_key(project_key, kind, keep=None):
    """{key: [object id, ...]} of every object of one kind that carries a key (that `keep` accepts): the census.

    The filter is applied row by row, so that a census of every run of a
    large project holds one dictionary of the keys it keeps, not two.
    """
    query = (ReadBack.select(ReadBack.key, ReadBack.object_id)
             .where(_of(project_key, kind) & ReadBack.key.is_null(False)).order_by(ReadBack.id).tuples())
    found = {}
    for key, object_id in query.iterator():
        if keep is None or keep(key):
            found.setdefault(key, []).append(object_id)
    return found


def keys_read(project_key, kind):
    """The keys of every object of one kind read, without their payloads."""
    return {key for (key,) in ReadBack.select(ReadBack.key).where(
        _of(project_key, kind) & ReadBack.key.is_null(False)).tuples().iterator()}


def count_read(project_key, kind):
    return ReadBack.select(peewee.fn.COUNT(ReadBack.id)).where(_of(project_key, kind)).scalar() or 0


def drop_read(project_key, kind, object_ids):
    """Forget what was kept of the given objects of one kind."""
    for chunk in chunks([str(object_id) for object_id in object_ids]):
        ReadBack.delete().where(_of(project_key, kind) & ReadBack.object_id.in_(chunk)).execute()


def forget_kind(project_key, kind):
    """Drop what was read of one kind: a listing read again starts afresh."""
    ReadBack.delete().where(_of(project_key, kind)).execute()


def forget_read(project_key):
    """Drop everything read by earlier validations of the project: the next one reads afresh."""
    ReadBack.delete().where(ReadBack.project_key == project_key).execute()


def _of(project_key, kind):
    return (ReadBack.project_key == project_key) & (ReadBack.kind == str(kind))
