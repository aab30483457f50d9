"""Zephyr TEST_CYCLE folders, test cycles and test plans as qTest test cycles and releases.

qTest has no test plan and no custom field on cycles or releases, so the
Zephyr key of each object travels in its description, on a first line of
its own (`Zephyr key: SBX-R40`): a user finds it there, and a re-run finds
the object by its name and that line under its parent instead of creating
it again. The rest of the Zephyr metadata follows in a short labelled
section, then the Zephyr text itself, untouched.

A plan becomes a release; each cycle a plan links to targets that release
(`target_release_id`). A cycle linked to several plans targets the first in
Zephyr's plan order and names the others in its description.
"""

import re
from html import escape

from ztoq_luigi.mapping.folders import module_plan

ADHOC = "adhoc"
FOLDER_PREFIX = "folder:"
_MARKER = re.compile(r"Zephyr (?:key|folder): [^<\r\n]+")


def marker_of(description):
    """The identifying line (`Zephyr key: SBX-R40`, `Zephyr folder: 10007`) of a description, or None."""
    found = _MARKER.search(description or "")
    return found.group(0).strip() if found else None


def plan_targets(plans, cycles):
    """{cycle key: [plan keys linking it, in plan order]}; links to cycles outside the project are ignored."""
    keys = {cycle["id"]: cycle["key"] for cycle in cycles}
    targets = {}
    for plan in plans:
        for link in ((plan.get("links") or {}).get("testCycles") or []):
            cycle_key = keys.get(link.get("testCycleId"))
            if cycle_key is not None and plan["key"] not in targets.setdefault(cycle_key, []):
                targets[cycle_key].append(plan["key"])
    return targets


def release_plan(plans, cycles, names):
    """One release per test plan: dicts {source_id, name, description, marker}.

    `names` resolves Zephyr links: {"status": {id: name}, "user": callable(accountId) -> label}.
    """
    keys = {cycle["id"]: cycle["key"] for cycle in cycles}
    releases = []
    for plan in plans:
        marker = f"Zephyr key: {plan['key']}"
        linked = [keys.get(link.get("testCycleId"), f"cycle id {link.get('testCycleId')} (not in the project)")
                  for link in ((plan.get("links") or {}).get("testCycles") or [])]
        details = [
            ("Status", names["status"].get((plan.get("status") or {}).get("id"))),
            ("Owner", names["user"]((plan.get("owner") or {}).get("accountId"))),
            ("Labels", ", ".join(plan.get("labels") or [])),
            ("Test cycles", ", ".join(linked)),
        ]
        releases.append({"source_id": plan["key"], "name": plan["name"], "marker": marker,
                         "description": _description(marker, "Zephyr test plan", details, plan.get("objective"))})
    return releases


def cycle_plan(folders, cycles, targets, names, adhoc_name=None):
    """Every qTest test cycle to create, each after its parent: dicts
    {source_id, name, parent, depth, description, marker, release}.

    Folders keep their names and nesting (a folder whose parent is missing
    becomes a root, as modules do); each Zephyr cycle goes under its
    folder's cycle, or at root. `release` is the plan key the cycle targets.
    `adhoc_name`, when given, adds the root cycle of executions without one.
    """
    plan = []
    depths = {}
    for folder in module_plan(folders):
        source_id = FOLDER_PREFIX + folder["source_id"]
        parent = FOLDER_PREFIX + folder["parent"] if folder["parent"] else None
        marker = f"Zephyr folder: {folder['source_id']}"
        depths[source_id] = folder["depth"]
        plan.append({"source_id": source_id, "name": folder["name"], "parent": parent, "depth": folder["depth"],
                     "marker": marker, "release": None,
                     "description": _description(marker, "Zephyr test cycle folder", [], None)})
    for cycle in cycles:
        folder = (cycle.get("folder") or {}).get("id")
        parent = FOLDER_PREFIX + str(folder) if folder is not None else None
        if parent not in depths:
            parent = None
        linked = targets.get(cycle["key"], [])
        marker = f"Zephyr key: {cycle['key']}"
        details = [
            ("Status", names["status"].get((cycle.get("status") or {}).get("id"))),
            ("Owner", names["user"]((cycle.get("owner") or {}).get("accountId"))),
            ("Planned start", cycle.get("plannedStartDate")),
            ("Planned end", cycle.get("plannedEndDate")),
            ("Test plan", linked[0] if linked else None),
            ("Also in test plans", ", ".join(linked[1:])),
        ]
        plan.append({"source_id": cycle["key"], "name": cycle["name"], "parent": parent,
                     "depth": depths[parent] + 1 if parent else 0, "marker": marker,
                     "release": linked[0] if linked else None,
                     "description": _description(marker, "Zephyr test cycle", details, cycle.get("description"))})
    if adhoc_name:
        marker = "Zephyr key: ad-hoc executions"
        plan.append({"source_id": ADHOC, "name": adhoc_name, "parent": None, "depth": 0, "marker": marker,
                     "release": None,
                     "description": _description(marker, "Zephyr test executions that belong to no test cycle",
                                                 [], None)})
    return plan


def _description(marker, title, details, text):
    """The marker line, a labelled section of the non-empty details, then the Zephyr text as it was."""
    lines = [escape(marker, quote=False), f"<b>{title}</b>"]
    lines += [f"{label}: {escape(str(value), quote=False)}" for label, value in details if value not in (None, "")]
    body = "<br>".join(lines)
    return f"{body}<br><br>{text}" if text else body
