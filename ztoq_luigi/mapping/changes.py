"""What a load does with one entity in a sync round, decided from hashes alone (no I/O).

qTest holds an object when its entity-map row is loaded; the row keeps the
content hash of what was sent. The payload of this round either is new
(create), differs from that hash (update in place) or equals it (nothing).
"""

from ztoq_luigi.kinds import LOADED, Name


class Action(Name):
    CREATE = "create"
    UPDATE = "update"
    KEEP = "keep"


def action(state, loaded_hash, new_hash, syncing=True):
    """The action for a payload hashed `new_hash` whose map row has `state` and `loaded_hash` (state None: no row).

    Only a sync round (`syncing`) updates: the migration itself creates what
    is missing and keeps what qTest holds, adopted objects included.
    """
    if state not in LOADED:
        return Action.CREATE
    return Action.KEEP if loaded_hash == new_hash or not syncing else Action.UPDATE

