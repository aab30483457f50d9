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

`Ledger` records the creations of a window of work in a few statements:
the intents of all its objects before the first is sent, their ids once
the window is done. Each statement on a thread's way from one request to
the next waited for the interpreter lock and SQLite's writer, and objects
created one after the other (a run, then its logs) paid it twice each. An
id not recorded when the process is killed leaves a pending row, which
create_once settles by its look-up like any other lost answer.
"""

import threading

from ztoq_luigi.clients.errors import AmbiguousWriteError, NotFoundError
from ztoq_luigi.db.entities import (mark_adopted, mark_created, mark_created_many, mark_pending, mark_update_pending,
                                   mark_updated, set_content_hash)
from ztoq_luigi.kinds import LOADED, WriteOutcome, WriteState

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


def create_once(project_key, source_type, target_type, source_id, existing, create, find, content_hash=None,
                sync_round=1, ledger=None):
    """Return the target id for source_id, creating it only if qTest does not have it yet.

    `existing` is the EntityMap row or None; `create()` returns the new id;
    `find()` returns the id of an object already in qTest, or None.
    `content_hash` is recorded as what qTest holds, `sync_round` as the round
    that created it. With a `ledger`, the intent it recorded stands for the
    pending row, and the id is recorded when it is flushed.
    """
    if existing is not None and existing.state in LOADED:
        return existing.target_id
    record = ledger.created if ledger is not None else mark_created
    if existing is not None:
        found = find()
        if found is not None:
            record(project_key, source_type, source_id, found, content_hash=content_hash)
            return str(found)
    elif ledger is None or not ledger.intended(source_type, source_id):
        mark_pending(project_key, source_type, target_type, [source_id], sync_round=sync_round)
    target_id = reconcile(create, find)
    record(project_key, source_type, source_id, target_id, content_hash=content_hash)
    return str(target_id)


class Ledger:
    """The creations of one window of work, recorded together (see the module's docstring).

    Threads of the window record into it; `flush()` writes what they
    recorded and is called once the window is done, whether it succeeded
    or not, so that every answer received is kept. `targets` maps each
    source type the window creates to its qTest type: given once, so that
    an id found for an object that had its pending row before the window
    is recorded like the others, whatever the window intended.
    """

    def __init__(self, project_key, targets, sync_round=1):
        self.project_key, self.sync_round, self._targets = project_key, sync_round, dict(targets)
        self._intended, self._created, self._settled = set(), self._empty(), {}
        self._lock = threading.Lock()

    def _empty(self):
        return {source_type: {} for source_type in self._targets}

    def intend(self, source_type, source_ids):
        """Record the pending rows of objects that have none, before any of them is sent."""
        source_ids = [str(source_id) for source_id in source_ids]
        mark_pending(self.project_key, source_type, self._targets[source_type], source_ids,
                     sync_round=self.sync_round)
        with self._lock:
            self._intended.update((source_type, source_id) for source_id in source_ids)

    def intended(self, source_type, source_id):
        return (source_type, str(source_id)) in self._intended

    def created(self, project_key, source_type, source_id, target_id, content_hash=None):
        """mark_created, held until the flush."""
        with self._lock:
            self._created[source_type][str(source_id)] = (str(target_id), content_hash)

    def settle(self, source_type, source_id, content_hash):
        """set_content_hash (all of the object is in qTest), held until the flush."""
        with self._lock:
            self._settled[(source_type, str(source_id))] = content_hash

    def flush(self):
        with self._lock:
            created, settled = self._created, self._settled
            self._created, self._settled = self._empty(), {}
        for source_type, rows in created.items():
            for source_id in rows:
                if (source_type, source_id) in settled:
                    rows[source_id] = (rows[source_id][0], settled.pop((source_type, source_id)))
            mark_created_many(self.project_key, source_type, self._targets[source_type], rows, self.sync_round)
        for (source_type, source_id), content_hash in settled.items():
            set_content_hash(self.project_key, source_type, source_id, content_hash)


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
    holds is not known (an adopted object). `update()` returns
    WriteOutcome.HELD when it looked and sent nothing (a cycle inside a
    moved folder moved with it): the new hash is recorded, not counted as an
    update. Returns whether an update was needed.
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
        if reconcile(update, lambda: True if applied() else None) is WriteOutcome.HELD:
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
