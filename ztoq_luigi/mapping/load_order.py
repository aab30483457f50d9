"""The order test cases must be created in qTest so that every called case exists before its callers.

Levels come from Kahn's algorithm over the call graph: level 0 calls
nothing (or only cases outside the project), level N calls only lower
levels. A call cycle would stall it; then one call of the cycle (the one
that closes it, found by walking from the first stalled case in listing
order) is reported as unlinked, to be kept as text, and levelling goes on.
So a cycle costs one link, and cases merely calling into it lose none.
Within a level the listing order is kept, so batches are stable.
"""


def load_order(graph):
    """graph: {source_id: [callee ids]} in listing order.

    Returns ({source_id: (level, position)}, {source_id: set of callees whose call cannot be linked}).
    """
    known = set(graph)
    callees = {node: [c for c in dict.fromkeys(targets) if c in known and c != node] for node, targets in graph.items()}
    unresolved = {node: {c for c in targets if c not in known or c == node} for node, targets in graph.items()}
    remaining = {node: len(targets) for node, targets in callees.items()}
    callers = {}
    for node, targets in callees.items():
        for target in targets:
            callers.setdefault(target, []).append(node)
    level_of = {}
    level = 0
    while len(level_of) < len(graph):
        frontier = [node for node in graph if node not in level_of and remaining[node] == 0]
        if not frontier:
            caller, callee = _closing_call(graph, callees, level_of)
            callees[caller].remove(callee)
            callers[callee].remove(caller)
            remaining[caller] -= 1
            unresolved[caller].add(callee)
            continue
        for node in frontier:
            level_of[node] = level
        for node in frontier:
            for caller in callers.get(node, ()):
                remaining[caller] -= 1
        level += 1
    positions, placement = {}, {}
    for node in graph:
        node_level = level_of[node]
        placement[node] = (node_level, positions.get(node_level, 0))
        positions[node_level] = positions.get(node_level, 0) + 1
    return placement, {node: missing for node, missing in unresolved.items() if missing}


def _closing_call(graph, callees, level_of):
    """(caller, callee) of a call that closes a cycle among the cases not yet levelled."""
    node = next(node for node in graph if node not in level_of)
    seen = set()
    while True:
        seen.add(node)
        following = next(c for c in callees[node] if c not in level_of)
        if following in seen:
            return node, following
        node = following
