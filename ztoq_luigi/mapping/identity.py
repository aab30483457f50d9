"""Which objects qTest already holds, told by their Zephyr identity: the matching half of adoption.

A load whose state database was lost (deleted, another output directory,
a cleanup) must find what an earlier run created instead of creating it
again. Every migrated object carries its identity where a listing returns
it: a module its name under its parent (and the Zephyr folder in its
description), a cycle or release its name and key line, a case or a run
its key field, a log the execution line of its note. These functions pair
planned objects with listed ones; services/adoption.py does the reading.
"""

from ztoq_luigi.mapping.cycles import marker_of
from ztoq_luigi.mapping.executions import log_marker


def module_score(entry, node):
    """How surely a listed module is the planned one: 0 not it, 1 same name, 2 same name and description."""
    if node.get("name") != entry["name"]:
        return 0
    return 2 if (node.get("description") or "") == (entry["description"] or "") else 1


def container_score(entry, node):
    """A release or cycle is the planned one when both its name and its key line match."""
    return int(node.get("name") == entry["name"] and marker_of(node.get("description")) == entry["marker"])


def tree_matches(plan, roots, children_key, known, score):
    """{source_id: qTest id} of the planned tree nodes that qTest holds at their place and `known` lacks.

    `plan`: dicts with source_id, parent (a source id or None) and depth;
    `roots`: the listed root nodes, descendants nested under `children_key`;
    `known`: {source_id: qTest id} the state database already has. A node
    is looked for among the children of its parent's qTest node, so a
    parent neither known nor found leaves its subtree unfound. Each listed
    node is adopted at most once; among equals the best score, then the
    lowest id (the oldest), wins.
    """
    below = {}
    stack = [(node, None) for node in roots]
    while stack:
        node, parent = stack.pop()
        below.setdefault(parent, []).append(node)
        stack.extend((child, str(node["id"])) for child in node.get(children_key) or [])
    ids = {source_id: str(target) for source_id, target in known.items()}
    taken = set(ids.values())
    found = {}
    for entry in sorted(plan, key=lambda item: item["depth"]):
        if entry["source_id"] in ids:
            continue
        parent = ids.get(entry["parent"]) if entry["parent"] else None
        if entry["parent"] and parent is None:
            continue
        node = _best(entry, below.get(parent, []), taken, score)
        if node is not None:
            ids[entry["source_id"]] = found[entry["source_id"]] = str(node["id"])
            taken.add(str(node["id"]))
    return found


def flat_matches(plan, items, known, score):
    """{source_id: qTest id} for planned objects without a parent to look under (releases), as tree_matches."""
    return tree_matches([dict(entry, parent=None, depth=0) for entry in plan], items, None, known, score)


def keyed_matches(items, key_of, wanted):
    """{key: qTest id} of the listed items whose identity `key_of(item)` is one of `wanted`; the oldest wins."""
    found = {}
    for item in sorted(items, key=lambda item: int(item["id"])):
        key = key_of(item)
        if key in wanted and key not in found:
            found[key] = str(item["id"])
    return found


def log_matches(logs, runs):
    """{execution key: qTest log id} of the listed logs whose note names an execution of `runs`
    ({execution key: qTest id of its run}) and that lie in that run."""
    found = {}
    for log in sorted(logs, key=lambda log: int(log["id"])):
        execution = log_marker(log.get("note"))
        if execution in runs and execution not in found and str(log.get("test_run_id")) == str(runs[execution]):
            found[execution] = str(log["id"])
    return found


def _best(entry, nodes, taken, score):
    scored = [(score(entry, node), -int(node["id"]), node) for node in nodes if str(node["id"]) not in taken]
    scored = [item for item in scored if item[0] > 0]
    return max(scored, key=lambda item: item[:2])[2] if scored else None
