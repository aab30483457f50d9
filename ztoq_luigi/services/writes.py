"""Writes to qTest that take effect exactly once, whatever crashes, timeouts or 502s happen in between.

Two layers. `reconcile` sends one write whose answer may be lost (a dropped
connection, a 5xx to a write): before sending it again it asks qTest
whether the write took effect. `create_once` adds the durable part for
objects: the intent (`pending`) is recorded before sending and the id
(`created`) after the answer, so a pending row found after a crash means
the answer was lost and the object is looked up before anything is sent.
`adopt` is the third case: an object without any row that a survey found
in qTest all the same (the state database was lost or is another one,
services/adoption.py) is recorded as created, flagged adopted, and
nothing is sent; create_once then finds it loaded like any other.
"""

from ztoq_luigi.clients.errors import AmbiguousWriteError
from ztoq_luigi.db.entities import mark_adopted, mark_created, mark_pending
from ztoq_luigi.kinds import LOADED

WRITE_ATTEMPTS = 4


def reconcile(send, settle=None, attempts=WRITE_ATTEMPTS):
    """The result of `send()`, sent again only when qTest does not hold it yet.

    After an AmbiguousWriteError, `settle()` reads qTest: a result other
    than None means the write is there (and is returned as the outcome),
    None means send it again. Without `settle` the write is idempotent (a
    PUT of the same texts) and is simply sent again.
    """
    unconfirmed = None
    for _ in range(attempts):
        try:
            return send()
        except AmbiguousWriteError as error:
            unconfirmed = error
            if settle is not None:
                settled = settle()
                if settled is not None:
                    return settled
    raise unconfirmed


def create_once(project_key, source_type, target_type, source_id, existing, create, find):
    """Return the target id for source_id, creating it only if qTest does not have it yet.

    `existing` is the EntityMap row or None; `create()` returns the new id;
    `find()` returns the id of an object already in qTest, or None.
    """
    if existing is not None and existing.state in LOADED:
        return existing.target_id
    if existing is not None:
        found = find()
        if found is not None:
            mark_created(project_key, source_type, source_id, found)
            return str(found)
    else:
        mark_pending(project_key, source_type, target_type, [source_id])
    target_id = reconcile(create, find)
    mark_created(project_key, source_type, source_id, target_id)
    return str(target_id)


def adopt(project_key, source_type, target_type, found):
    """Record {source_id: qTest id} that qTest already holds as adopted; returns how many.

    Only objects without a row are recorded: a pending row is the
    protocol's own write, which create_once settles by its look-up.
    """
    mark_adopted(project_key, source_type, target_type, found)
    return len(found)
