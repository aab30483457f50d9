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
`update_once` does for a sync's changes to an existing object what
create_once does for a new one: the new content hash is recorded as
pending before the update is sent, and a pending hash found after a crash
means qTest is compared before sending it again, since every update of a
test case makes a new version.
"""

from ztoq_luigi.clients.errors import AmbiguousWriteError, NotFoundError
from ztoq_luigi.db.entities import (mark_adopted, mark_created, mark_pending, mark_update_pending, mark_updated,
                                   set_content_hash)
from ztoq_luigi.kinds import LOADED, WriteState

WRITE_ATTEMPTS = 4
HELD = "held"  # what an update returns when it found qTest holding the new content and sent nothing


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


def create_once(project_key, source_type, target_type, source_id, existing, create, find, content_hash=None,
                sync_round=1):
    """Return the target id for source_id, creating it only if qTest does not have it yet.

    `existing` is the EntityMap row or None; `create()` returns the new id;
    `find()` returns the id of an object already in qTest, or None.
    `content_hash` is recorded as what qTest holds, `sync_round` as the round
    that created it.
    """
    if existing is not None and existing.state in LOADED:
        return existing.target_id
    if existing is not None:
        found = find()
        if found is not None:
            mark_created(project_key, source_type, source_id, found, content_hash=content_hash)
            return str(found)
    else:
        mark_pending(project_key, source_type, target_type, [source_id], sync_round=sync_round)
    target_id = reconcile(create, find)
    mark_created(project_key, source_type, source_id, target_id, content_hash=content_hash)
    return str(target_id)


def adopt(project_key, source_type, target_type, found):
    """Record {source_id: qTest id} that qTest already holds as adopted; returns how many.

    Only objects without a row are recorded: a pending row is the
    protocol's own write, which create_once settles by its look-up.
    """
    mark_adopted(project_key, source_type, target_type, found)
    return len(found)


def update_once(project_key, source_type, existing, content_hash, sync_round, update, applied):
    """Bring an object qTest holds to `content_hash`, sending `update()` only if it is not there yet.

    `existing` is the object's EntityMap row (loaded); `applied()` reads
    qTest and says whether it already holds the new content, which is asked
    first when the update may have been sent already or when what qTest
    holds is not known (an adopted object). `update()` returns HELD when
    it looked and sent nothing (a cycle inside a moved folder moved with
    it): the new hash is recorded, not counted as an update. Returns whether
    an update was needed.
    """
    if existing.content_hash == content_hash:
        return False
    sent_before = existing.pending_hash == content_hash
    if (existing.content_hash is None or sent_before) and applied():
        if not sent_before:  # qTest held it already (an adopted object): nothing to send, nothing updated
            set_content_hash(project_key, source_type, existing.source_id, content_hash)
            return False
    else:
        mark_update_pending(project_key, source_type, existing.source_id, content_hash)
        if reconcile(update, lambda: True if applied() else None) is HELD:
            set_content_hash(project_key, source_type, existing.source_id, content_hash)
            return False
    mark_updated(project_key, source_type, existing.source_id, content_hash, sync_round)
    return True


def delete_once(project_key, source_type, existing, sync_round, delete):
    """Delete an object qTest holds and record it; a 404 means an attempt whose answer was lost did it."""
    try:
        reconcile(delete)
    except NotFoundError:
        pass
    mark_updated(project_key, source_type, existing.source_id, None, sync_round, state=WriteState.DELETED)
