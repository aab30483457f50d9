"""A manifest of a project: its counts, and where to find each awkward example in it.

Tests of the migration ask for "a case with more than 100 steps" or "an ad-hoc execution"
without knowing how a seed laid the project out. Records carry no extra fields, so the
manifest is derived from the dataset alone and works for any dataset, generated or not.
"""

import re
from collections import Counter

from ztoq_luigi.sandbox.zephyr.store import JIRA_PLACEHOLDER, ROOT_PLACEHOLDER

EXAMPLES = 10
NAME_TRAITS = {
    "cjk": re.compile("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"),
    "cyrillic": re.compile("[\u0400-\u04ff]"),
    "arabic": re.compile("[\u0600-\u06ff]"),
    "hebrew": re.compile("[\u0590-\u05ff]"),
    "emoji": re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]"),
    "slash": re.compile("/"),
    "ampersand": re.compile("&"),
    "angle_brackets": re.compile("[<>]"),
    "double_quote": re.compile('"'),
    "single_quote": re.compile("'"),
}
REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')
FILES_PREFIX = ROOT_PLACEHOLDER + "/files/"
EXTERNAL_ATTACHMENT = "/secure/attachment/"


def name_traits(name):
    """The awkward properties of a name: scripts, characters that need escaping, padding, length."""
    traits = [trait for trait, pattern in NAME_TRAITS.items() if pattern.search(name)]
    if name != name.strip():
        traits.append("padded")
    if len(name) >= 200:
        traits.append("long")
    return traits


def key_number(key):
    return int(key.rsplit("-", 1)[1][1:])


def describe(dataset):
    """Counts, and up to EXAMPLES keys (or ids) per awkward feature, grouped by entity kind."""
    return {
        "project": dataset.key,
        "counts": _counts(dataset),
        "cases": _case_examples(dataset.testcases),
        "calls": _call_examples(dataset.testcases),
        "folders": _folder_examples(dataset.folders),
        "cycles": {"at_root": _first([c["key"] for c in dataset.testcycles if c["folderId"] is None])},
        "plans": {"at_root": _first([p["key"] for p in dataset.testplans if p["folderId"] is None])},
        "executions": _execution_examples(dataset),
        "files": _file_examples(dataset),
    }


def _first(items):
    return items[:EXAMPLES]


def _counts(dataset):
    steps = [step for case in dataset.testcases for step in case["steps"]]
    status_names = {status["id"]: status["name"] for status in dataset.statuses}
    linked = dataset.testcases + dataset.testcycles + dataset.testplans
    return {
        **dataset.counts(),
        "users": len(dataset.users),
        "files": len(dataset.files),
        "jira_files": len(dataset.jira_files),
        "inline_steps": sum(1 for step in steps if "inline" in step),
        "call_steps": sum(1 for step in steps if "testCase" in step),
        "step_results": sum(len(execution["stepResults"]) for execution in dataset.testexecutions),
        "issue_links": sum(len(record["issueLinks"]) for record in linked + dataset.testexecutions),
        "web_links": sum(len(record["webLinks"]) for record in linked),
        "test_cycle_links": sum(len(plan["testCycleLinks"]) for plan in dataset.testplans),
        "executions_by_status": dict(sorted(Counter(
            status_names[execution["statusId"]] for execution in dataset.testexecutions).items())),
    }


def _case_examples(cases):
    by_place = {}
    names = {}
    for case in cases:
        if case["folderId"] is not None:
            by_place.setdefault((case["folderId"], case["name"]), []).append(case["key"])
        for trait in name_traits(case["name"]):
            names.setdefault(trait, case["key"])
    return {
        "long_steps": _first([case["key"] for case in cases if len(case["steps"]) > 100]),
        "same_name_in_folder": _first([keys for keys in by_place.values() if len(keys) > 1]),
        "without_folder": _first([case["key"] for case in cases if case["folderId"] is None]),
        "without_script": _first([case["key"] for case in cases if case["script"] is None]),
        "plain_script": _first([case["key"] for case in cases if (case["script"] or {}).get("type") == "plain"]),
        "bdd_script": _first([case["key"] for case in cases if (case["script"] or {}).get("type") == "bdd"]),
        "versioned": _first([case["key"] for case in cases if case["version"] > 1]),
        "objective_none": _first([case["key"] for case in cases if case["objective"] is None]),
        "precondition_empty": _first([case["key"] for case in cases if case["precondition"] == ""]),
        "names": dict(sorted(names.items())),
    }


def _call_examples(cases):
    callees = {case["key"]: [step["testCase"]["testCaseKey"] for step in case["steps"] if "testCase" in step]
               for case in cases}
    edges = [(caller, callee) for caller, targets in callees.items() for callee in targets]
    return {
        "caller_below_callee": _first([[a, b] for a, b in edges if key_number(a) < key_number(b)]),
        "caller_above_callee": _first([[a, b] for a, b in edges if key_number(a) > key_number(b)]),
        "chains": _first([[a, b, callees[b][0]] for a, b in edges if callees.get(b)]),
    }


def _folder_examples(folders):
    by_id = {folder["id"]: folder for folder in folders}
    depth = {}

    def depth_of(folder):
        if folder["id"] not in depth:
            parent = by_id.get(folder["parentId"])
            depth[folder["id"]] = 0 if parent is None else depth_of(parent) + 1
        return depth[folder["id"]]

    parents_by_name = {}
    for folder in folders:
        parents_by_name.setdefault((folder["folderType"], folder["name"]), set()).add(folder["parentId"])
    max_depth = {}
    for folder in folders:
        max_depth[folder["folderType"]] = max(max_depth.get(folder["folderType"], 0), depth_of(folder) + 1)
    return {
        "child_below_parent": _first([{"id": f["id"], "parentId": f["parentId"], "folderType": f["folderType"]}
                                      for f in folders if f["parentId"] is not None and f["id"] < f["parentId"]]),
        "levels": dict(sorted(max_depth.items())),
        "names_under_several_parents": _first(sorted(
            [folder_type, name] for (folder_type, name), parents in parents_by_name.items() if len(parents) > 1)),
    }


def _execution_examples(dataset):
    versions = {case["key"]: case["version"] for case in dataset.testcases}
    executions = dataset.testexecutions
    runs = Counter((e["testCycleId"], e["testCaseKey"]) for e in executions if e["testCycleId"] is not None)
    return {
        "adhoc": _first([e["key"] for e in executions if e["testCycleId"] is None]),
        "old_version": _first([e["key"] for e in executions if e["testCaseVersion"] < versions[e["testCaseKey"]]]),
        "without_step_results": _first([e["key"] for e in executions if not e["stepResults"]]),
        "automated": _first([e["key"] for e in executions if e["automated"]]),
        "rerun_pairs": _first([{"testCycleId": cycle, "testCaseKey": case}
                               for (cycle, case), count in runs.items() if count > 1]),
    }


def _rich_texts(dataset):
    """(owner key, field, text) for every field the generator may embed attachments in."""
    for case in dataset.testcases:
        yield case["key"], "objective", case["objective"]
        yield case["key"], "precondition", case["precondition"]
        for step in case["steps"]:
            inline = step.get("inline")
            if inline:
                yield case["key"], "step.description", inline["description"]
                yield case["key"], "step.expectedResult", inline["expectedResult"]
    for cycle in dataset.testcycles:
        yield cycle["key"], "cycle.description", cycle["description"]
    for plan in dataset.testplans:
        yield plan["key"], "plan.objective", plan["objective"]
    for execution in dataset.testexecutions:
        yield execution["key"], "execution.comment", execution["comment"]
        for result in execution["stepResults"]:
            yield execution["key"], "step.actualResult", result["inline"]["actualResult"]


def _file_examples(dataset):
    uses = Counter()
    embedded_in = {}
    external, jira = [], []
    for owner, field, text in _rich_texts(dataset):
        if not text or '="' not in text:
            continue
        for url in REFERENCE.findall(text):
            if url.startswith(FILES_PREFIX):
                uses[url[len(ROOT_PLACEHOLDER):]] += 1
                embedded_in.setdefault(field, owner)
            elif url.startswith(JIRA_PLACEHOLDER):
                jira.append(url[len(JIRA_PLACEHOLDER):])
                embedded_in.setdefault(field, owner)
            elif EXTERNAL_ATTACHMENT in url:
                external.append(url)
                embedded_in.setdefault(field, owner)
    files = dataset.files
    return {
        "images": _first([path for path in uses if path in files and files[path][0].startswith("image/")]),
        "documents": _first([path for path in uses if path in files and not files[path][0].startswith("image/")]),
        "missing": _first([path for path in uses if path not in files]),
        "external": _first(external),
        "jira": _first([path for path in dict.fromkeys(jira) if path in dataset.jira_files]),
        "repeated": _first([path for path, count in uses.items() if count > 1]),
        "unreferenced": _first([path for path in dataset.files if path not in uses]),
        "embedded_in": dict(sorted(embedded_in.items())),
    }
