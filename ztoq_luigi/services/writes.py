"""Create a qTest object at most once, whatever crashes, timeouts or 502s happen in between.

The protocol: record the intent (`pending`) durably before sending; record
the id (`created`) after the answer. A pending row found later means the
answer was lost: the object is looked up in qTest before anything is sent
again. An AmbiguousWriteError (dropped connection, 5xx to a write) gets the
same lookup before the write is retried.
"""

from ztoq_luigi.clients.errors import AmbiguousWriteError
from ztoq_luigi.db.entities import mark_created, mark_pending
from ztoq_luigi.db.models import EntityMap

WRITE_ATTEMPTS = 4


def create_once(project_key, source_type, target_type, source_id, existing, create, find):
    """Return the target id for source_id, creating it only if qTest does not have it yet.

    `existing` is the EntityMap row or None; `create()` returns the new id;
    `find()` returns the id of an object already in qTest, or None.
    """
    if existing is not None and existing.state in (EntityMap.CREATED, EntityMap.CONFIRMED):
        return existing.target_id
    if existing is not None:
        found = find()
        if found is not None:
            mark_created(project_key, source_type, source_id, found)
            return str(found)
    else:
        mark_pending(project_key, source_type, target_type, [source_id])
    last_error = None
    for _ in range(WRITE_ATTEMPTS):
        try:
            target_id = create()
        except AmbiguousWriteError as error:
            last_error = error
            found = find()
            if found is not None:
                mark_created(project_key, source_type, source_id, found)
                return str(found)
            continue
        mark_created(project_key, source_type, source_id, target_id)
        return str(target_id)
    raise last_error
