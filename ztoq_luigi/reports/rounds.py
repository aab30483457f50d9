"""What each sync round did, for the report (JSON and HTML) and `status` (text and JSON).

Round 1 is the migration; every later round is a sync that re-read Zephyr.
Per qTest type: created, updated in place, unchanged, deleted in Zephyr
(noticed in that round) and deleted in qTest (--zephyr-deletions delete).
"""

from ztoq_luigi.kinds import SyncChange
from ztoq_luigi.reports.names import display_name

CHANGE_NAMES = {SyncChange.CREATED: "created", SyncChange.UPDATED: "updated", SyncChange.UNCHANGED: "unchanged",
                SyncChange.DELETED_IN_ZEPHYR: "deleted in Zephyr", SyncChange.DELETED: "deleted in qTest"}


def rounds_view(rounds):
    """[{number, started_at, finished_at, tallies: {type: {name, created, updated, ...}}}], oldest first."""
    return [{"number": entry["number"], "started_at": _time(entry["started_at"]),
             "finished_at": _time(entry["finished_at"]),
             "tallies": {entity_type: {"name": display_name(entity_type), **counts}
                         for entity_type, counts in entry["tallies"].items() if any(counts.values())}}
            for entry in rounds]


def round_lines(rounds, limit=5):
    """A line per type of the latest rounds: `Round 2 (sync): test cases 1 created, 3 updated, 56 unchanged`."""
    lines = []
    for entry in rounds_view(rounds)[-limit:]:
        label = "migration" if entry["number"] == 1 else "sync"
        state = f"finished {entry['finished_at']}" if entry["finished_at"] else "not finished"
        lines.append(f"  Round {entry['number']} ({label}, {state}):")
        for counts in entry["tallies"].values():
            changes = ", ".join(f"{counts[str(change)]} {name}" for change, name in CHANGE_NAMES.items()
                                if counts[str(change)])
            lines.append(f"    {counts['name'].lower()}: {changes}")
    return lines


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
