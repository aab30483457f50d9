"""The project itself, its users, its option lists, and its three folder trees.

Folder trees are where naive migrators go wrong first: they assume ids grow with creation
(so a parent always comes first in id order), that sibling order is list order, and that a
folder name is unique in a project. The trees generated here break all three assumptions.
"""

import uuid

from ztoq_luigi.sandbox.generator.context import Sequence, spread
from ztoq_luigi.sandbox.generator.text import FOLDER_NAMES, REPEATED_FOLDER_NAME
from ztoq_luigi.sandbox.zephyr.store import FOLDER_TYPES

STATUSES = {
    "TEST_CASE": (("Draft", "#cccccc"), ("Approved", "#2db84d"), ("Deprecated", "#8b0000")),
    "TEST_PLAN": (("Draft", "#cccccc"), ("Approved", "#2db84d"), ("Deprecated", "#8b0000")),
    "TEST_CYCLE": (("Not Executed", "#cccccc"), ("In Progress", "#f2b61f"), ("Done", "#2db84d")),
    "TEST_EXECUTION": (("Not Executed", "#cccccc"), ("In Progress", "#f2b61f"), ("Pass", "#2db84d"),
                       ("Fail", "#d04437"), ("Blocked", "#4a6785")),
}
PRIORITIES = (("High", "#d04437", False), ("Normal", "#f2b61f", True), ("Low", "#2db84d", False))
ENVIRONMENTS = (("Chrome", False), ("Firefox", False), ("Windows 11 / Edge", False),
                ("Safari 17 (macOS)", False), ("Android 14 — Pixel 8", False), ("Internet Explorer 11", True))
SPINE_DEPTH = 4
MAX_DEPTH = 6


def build_catalog(ctx):
    """Project, users, statuses, priorities and environments; their ids go into `ctx` for later builders."""
    rng, dataset = ctx.rng, ctx.dataset
    dataset.project = {"id": rng.randint(10000, 10999), "key": dataset.key,
                       "jiraProjectId": rng.randint(10000, 19999), "enabled": True}
    dataset.users.extend(_account_id(rng, prefixed)
                         for prefixed in spread(rng, ctx.scale.users, (True, False), (3, 7), (True, False)))
    ids = Sequence(rng, start=rng.randint(10000, 19999) * 10)
    for status_type, statuses in STATUSES.items():
        for index, (name, color) in enumerate(statuses):
            status = {"id": ids.next(), "name": name, "description": f"{name} ({status_type.lower()})",
                      "index": index, "color": color, "archived": False, "default": index == 0,
                      "statusType": status_type}
            dataset.statuses.append(status)
            ctx.status_ids[(status_type, name)] = status["id"]
    dataset.priorities.extend(
        {"id": ids.next(), "name": name, "description": f"{name} priority", "index": index, "color": color,
         "default": default}
        for index, (name, color, default) in enumerate(PRIORITIES))
    dataset.environments.extend(
        {"id": ids.next(), "name": name, "description": "" if archived else f"Runs on {name}", "index": index,
         "archived": archived}
        for index, (name, archived) in enumerate(ENVIRONMENTS))


def _account_id(rng, prefixed):
    """Atlassian accountIds come in two shapes: 24 hex digits, or a numeric prefix and a UUID."""
    if prefixed:
        return f"557058:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    return f"{rng.getrandbits(96):024x}"


def build_folders(ctx):
    """All three trees, listed by id with ids shuffled across creation order."""
    rng = ctx.rng
    shapes = {folder_type: _tree_shape(rng, ctx.scale.folders[folder_type]) for folder_type in FOLDER_TYPES}
    ids = Sequence(rng, start=rng.randint(1, 999) * 100)
    pool = [ids.next() for shape in shapes.values() for _ in shape]
    rng.shuffle(pool)
    folders = []
    for folder_type, shape in shapes.items():
        own_ids, pool = pool[:len(shape)], pool[len(shape):]
        _put_a_child_below_its_parent(own_ids)
        indices = _sibling_indices(rng, shape)
        for position, (parent, name, _) in enumerate(shape):
            folders.append({"id": own_ids[position], "parentId": None if parent is None else own_ids[parent],
                            "name": name, "index": indices[position], "folderType": folder_type})
        ctx.folder_ids[folder_type] = own_ids
        ctx.deepest_folder[folder_type] = own_ids[SPINE_DEPTH]
    folders.sort(key=lambda folder: folder["id"])
    ctx.dataset.folders.extend(folders)


def _tree_shape(rng, count):
    """(parent position or None, name, depth) per folder, parents before children.

    The first root carries a chain SPINE_DEPTH deep (positions 0 to SPINE_DEPTH), the second
    root follows, both roots hold a folder of the same name, and the rest attach at random.
    """
    shape = []
    sibling_names = {}

    def add(parent, name):
        taken = sibling_names.setdefault(parent, set())
        unique, suffix = name, 2
        while unique in taken:
            unique, suffix = f"{name} ({suffix})", suffix + 1
        taken.add(unique)
        shape.append((parent, unique, 0 if parent is None else shape[parent][2] + 1))
        return len(shape) - 1

    node = add(None, rng.choice(FOLDER_NAMES))
    for _ in range(SPINE_DEPTH):
        node = add(node, rng.choice(FOLDER_NAMES))
    second_root = add(None, rng.choice(FOLDER_NAMES))
    add(0, REPEATED_FOLDER_NAME)
    add(second_root, REPEATED_FOLDER_NAME)
    for _ in range(max(0, count // 10 - 2)):
        add(None, rng.choice(FOLDER_NAMES))
    while len(shape) < count:
        parent = rng.randrange(len(shape))
        if shape[parent][2] < MAX_DEPTH:
            add(parent, rng.choice(FOLDER_NAMES))
    return shape


def _put_a_child_below_its_parent(ids):
    """Make the first root's id exceed its first child's, as after a folder was moved under a newer one."""
    if ids[0] < ids[1]:
        ids[0], ids[1] = ids[1], ids[0]


def _sibling_indices(rng, shape):
    """Sibling `index` in a shuffled order, so creation order and display order disagree."""
    children = {}
    for position, (parent, _, _) in enumerate(shape):
        children.setdefault(parent, []).append(position)
    indices = [0] * len(shape)
    for positions in children.values():
        order = list(range(len(positions)))
        rng.shuffle(order)
        for position, index in zip(positions, order):
            indices[position] = index
    return indices
