"""Zephyr TEST_CASE folders to the qTest module tree: same names, same nesting, parents first."""

UNFILED = "unfiled"


def module_plan(folders, unfiled_name=None):
    """Every module to create, each after its parent, siblings in Zephyr's `index` order.

    Returns dicts {source_id, name, parent, depth, description}. A folder
    whose parent is not in the list, or that lies on a parent cycle, becomes
    a root module rather than being dropped; folders below it keep their place. `unfiled_name`, when given,
    adds the root module for test cases that have no folder.
    """
    by_id = {str(folder["id"]): folder for folder in folders}
    children = {}
    roots = []
    for folder in folders:
        parent = folder.get("parentId")
        parent_id = str(parent) if parent is not None else None
        if parent_id is None or parent_id not in by_id or _on_cycle(str(folder["id"]), by_id):
            roots.append(folder)
        else:
            children.setdefault(parent_id, []).append(folder)
    plan = []
    stack = [(folder, None, 0) for folder in reversed(_ordered(roots))]
    while stack:
        folder, parent_id, depth = stack.pop()
        source_id = str(folder["id"])
        plan.append({"source_id": source_id, "name": folder["name"], "parent": parent_id, "depth": depth,
                     "description": f"Zephyr folder {source_id}"})
        for child in reversed(_ordered(children.get(source_id, []))):
            stack.append((child, source_id, depth + 1))
    if unfiled_name:
        plan.append({"source_id": UNFILED, "name": unfiled_name, "parent": None, "depth": 0,
                     "description": "Zephyr test cases without a folder"})
    return plan


def module_paths(plan):
    """'/'-joined name paths per source id, as a user sees the tree (for validation and reports)."""
    paths = {}
    for module in plan:
        prefix = paths.get(module["parent"])
        paths[module["source_id"]] = f"{prefix}/{module['name']}" if prefix else module["name"]
    return paths


def _ordered(folders):
    return sorted(folders, key=lambda folder: (folder.get("index") is None, folder.get("index") or 0, folder["id"]))


def _on_cycle(start, by_id):
    """True when following parents from `start` comes back to `start` (it cannot be placed under them)."""
    seen = set()
    current = by_id[start].get("parentId")
    current = str(current) if current is not None else None
    while current is not None and current in by_id and current not in seen:
        if current == start:
            return True
        seen.add(current)
        parent = by_id[current].get("parentId")
        current = str(parent) if parent is not None else None
    return False
