"""What qTest should hold after migrating a generated Zephyr project, computed from the dataset alone.

This deliberately does not call the product's mapping code: a test that
derives its expectations from the code under test cannot catch its bugs.
"""

import re

ATTACHED = "<attached file>"
QTEST_ATTACHMENT = re.compile(r"https?://[^\s\"'<>]+/api/v3/projects/\d+/test-cases/\d+/attachments/\d+")

PRIORITIES = {"High": "High", "Normal": "Medium", "Low": "Low"}
STATUSES = {"Draft": "New", "Approved": "Approved", "Deprecated": "Obsolete"}
UNFILED = ("Zephyr import",)


def as_attached(text):
    """qTest text with every link to a qTest attachment reduced to one marker (ids and hosts vary)."""
    return QTEST_ATTACHMENT.sub(ATTACHED, text or "")


class AttachedView:
    """The qTest simulator's state with attachment links in test-case texts reduced to the marker."""

    def __init__(self, state):
        self._state = state

    def modules(self):
        return self._state.modules()

    def test_cases(self):
        cases = []
        for case in self._state.test_cases():
            case = dict(case, description=as_attached(case["description"]),
                        precondition=as_attached(case["precondition"]))
            case["steps"] = [dict(step, description=as_attached(step["description"]),
                                  expected=as_attached(step["expected"])) for step in case["steps"]]
            cases.append(case)
        return cases


def name_paths(nodes, parent_key):
    """{id: tuple of names from the root} of a tree given as {id: node with 'name' and a parent id}."""
    def path(node_id):
        names = []
        while node_id is not None:
            names.append(nodes[node_id]["name"])
            node_id = nodes[node_id][parent_key]
        return tuple(reversed(names))

    return {node_id: path(node_id) for node_id in nodes}


def folder_paths(dataset, folder_type="TEST_CASE"):
    return name_paths({f["id"]: f for f in dataset.folders if f["folderType"] == folder_type}, "parentId")


def qtest_module_paths(state):
    return name_paths({m["id"]: m for m in state.modules()}, "parent_id")


def qtest_cases_by_key(state, key_field="Zephyr Key"):
    """{Zephyr key: [qTest case views]}; a correct migration has exactly one per key."""
    found = {}
    for case in state.test_cases():
        found.setdefault(case["properties"].get(key_field), []).append(case)
    return found


def canonical(sandbox, key_field="Zephyr Key"):
    """The qTest project as a comparable value: no ids, calls named by the callee's Zephyr key,
    and the sandbox's own addresses (which differ per instance) masked in texts."""
    state, root = AttachedView(sandbox.qtest.state), sandbox.zephyr_server.root_url

    def text(value):
        return (value or "").replace(root, "<zephyr>").replace(sandbox.jira_url, "<jira>")

    paths = qtest_module_paths(state)
    cases = state.test_cases()
    key_of = {case["id"]: case["properties"].get(key_field) for case in cases}
    return {
        "modules": sorted(paths.values()),
        "cases": sorted(
            (key_of[case["id"]], paths[case["module_id"]], case["name"], text(case["description"]),
             text(case["precondition"]), tuple(sorted(case["properties"].items())),
             tuple((text(step["description"]), text(step["expected"]), key_of.get(step["called_test_case_id"]))
                   for step in sorted(case["steps"], key=lambda s: s["order"])))
            for case in cases),
    }
