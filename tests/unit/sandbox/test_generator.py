"""The sandbox data generator: deterministic, contract-shaped, and as awkward as promised.

Feature tests run on several seeds, because a feature the small size promises must not depend
on a lucky seed.
"""

import re
import struct
import zlib
from collections import Counter

import pytest

from ztoq_luigi.sandbox.generator import SIZES, describe, generate_project, parse_size
from ztoq_luigi.sandbox.generator.fields import (
    CASE_FIELDS, CYCLE_FIELDS, EXECUTION_FIELDS, OPTIONS, PLAN_FIELDS, STEP_FIELDS,
)
from ztoq_luigi.sandbox.generator.manifest import NAME_TRAITS, key_number
from ztoq_luigi.sandbox.zephyr.store import FOLDER_TYPES, ROOT_PLACEHOLDER, STATUS_TYPES

DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ACCOUNT_ID = re.compile(r"[0-9a-f]{24}|557058:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
SEEDS = (0, 1, 2, 97)

SHAPES = {
    "statuses": {"id", "name", "description", "index", "color", "archived", "default", "statusType"},
    "priorities": {"id", "name", "description", "index", "color", "default"},
    "environments": {"id", "name", "description", "index", "archived"},
    "folders": {"id", "parentId", "name", "index", "folderType"},
    "testcases": {"id", "key", "name", "createdOn", "objective", "precondition", "estimatedTime", "labels",
                  "componentId", "priorityId", "statusId", "folderId", "ownerId", "customFields", "version",
                  "versionIds", "script", "steps", "issueLinks", "webLinks"},
    "testcycles": {"id", "key", "name", "description", "plannedStartDate", "plannedEndDate", "statusId", "folderId",
                   "ownerId", "jiraProjectVersionId", "customFields", "issueLinks", "webLinks"},
    "testplans": {"id", "key", "name", "objective", "statusId", "folderId", "ownerId", "customFields", "labels",
                  "issueLinks", "webLinks", "testCycleLinks"},
    "testexecutions": {"id", "key", "testCaseKey", "testCaseVersion", "environmentId", "jiraProjectVersionId",
                       "statusId", "actualEndDate", "estimatedTime", "executionTime", "executedById",
                       "assignedToId", "comment", "automated", "testCycleId", "customFields", "issueLinks",
                       "stepResults"},
}
PROJECT = {"id", "key", "jiraProjectId", "enabled"}
INLINE_STEP = {"description", "testData", "expectedResult", "customFields", "reflectRef"}
CALL_STEP = {"testCaseKey", "version", "parameters"}
PARAMETER = {"name", "type", "value"}
ISSUE_LINK = {"id", "issueId", "type"}
WEB_LINK = {"id", "url", "description", "type"}
CYCLE_LINK = {"id", "testCycleId", "type"}
STEP_RESULT = {"description", "testData", "expectedResult", "actualResult", "testDataRowNumber", "reflectRef",
               "statusId"}
LINK_TYPES = {"COVERAGE", "BLOCKS", "RELATED"}
EXECUTION_STATUSES = {"Not Executed", "In Progress", "Pass", "Fail", "Blocked"}


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def small(request):
    return generate_project("small", seed=request.param)


@pytest.fixture(scope="module")
def tiny():
    return generate_project("tiny", seed=3)


def assert_fields(record, expected, what):
    assert set(record) == expected, f"{what}: unexpected {sorted(set(record) - expected)}, " \
                                    f"missing {sorted(expected - set(record))}"


def assert_contract_shapes(dataset):
    """Every record has exactly the fields zephyr_store documents, nested records included."""
    assert_fields(dataset.project, PROJECT, "project")
    for collection, fields in SHAPES.items():
        for record in getattr(dataset, collection):
            assert_fields(record, fields, collection)
    linked = dataset.testcases + dataset.testcycles + dataset.testplans
    for record in linked:
        for link in record["issueLinks"]:
            assert_fields(link, ISSUE_LINK, "issue link")
        for link in record["webLinks"]:
            assert_fields(link, WEB_LINK, "web link")
    for case in dataset.testcases:
        script = case["script"]
        assert script is None or script == {"type": "steps"} or (set(script) == {"id", "type", "text"}
                                                                  and script["type"] in ("plain", "bdd"))
        for step in case["steps"]:
            assert len(step) == 1, step
            if "inline" in step:
                assert_fields(step["inline"], INLINE_STEP, "inline step")
            else:
                assert_fields(step["testCase"], CALL_STEP, "call step")
                for parameter in step["testCase"]["parameters"]:
                    assert_fields(parameter, PARAMETER, "call parameter")
    for plan in dataset.testplans:
        for link in plan["testCycleLinks"]:
            assert_fields(link, CYCLE_LINK, "test cycle link")
    for execution in dataset.testexecutions:
        for link in execution["issueLinks"]:
            assert_fields(link, ISSUE_LINK, "execution issue link")
        for result in execution["stepResults"]:
            assert set(result) == {"inline"}
            assert_fields(result["inline"], STEP_RESULT, "step result")
    for path, (content_type, content) in dataset.files.items():
        assert path.startswith("/files/") and isinstance(content_type, str) and isinstance(content, bytes)


def status_names(dataset, status_type):
    return {s["id"]: s["name"] for s in dataset.statuses if s["statusType"] == status_type}


def rich_texts(dataset):
    for case in dataset.testcases:
        yield case["objective"]
        yield case["precondition"]
        for step in case["steps"]:
            if "inline" in step:
                yield step["inline"]["description"]
                yield step["inline"]["expectedResult"]
    for execution in dataset.testexecutions:
        yield execution["comment"]


def call_graph(dataset):
    return {case["key"]: [step["testCase"]["testCaseKey"] for step in case["steps"] if "testCase" in step]
            for case in dataset.testcases}


# Determinism and sizes

def test_same_seed_same_project():
    assert generate_project("small", seed=5) == generate_project("small", seed=5)


def test_other_seed_other_project():
    first, second = generate_project("small", seed=5), generate_project("small", seed=6)
    assert [c["name"] for c in first.testcases] != [c["name"] for c in second.testcases]
    assert first.files != second.files


def test_project_key_is_used_in_every_key():
    dataset = generate_project("tiny", seed=1, project_key="QA_2")
    keyed = dataset.testcases + dataset.testcycles + dataset.testplans + dataset.testexecutions
    assert dataset.project["key"] == "QA_2"
    assert all(record["key"].startswith("QA_2-") for record in keyed)


def test_sizes_scale_up():
    counts = {size: SIZES[size] for size in ("tiny", "small", "medium", "large")}
    assert counts["tiny"] < 100 and 150 <= counts["small"] <= 300
    assert 1000 <= counts["medium"] < 10000 <= counts["large"]


def test_medium_builds_and_keeps_the_contract():
    dataset = generate_project("medium", seed=2)
    assert len(dataset.testcases) == SIZES["medium"]
    assert len(dataset.testexecutions) > len(dataset.testcases)
    assert_contract_shapes(dataset)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 57])
def test_any_case_count_builds(count):
    dataset = generate_project(count, seed=count)
    assert len(dataset.testcases) == count
    assert_contract_shapes(dataset)
    assert set(status_names(dataset, "TEST_EXECUTION").values()) == EXECUTION_STATUSES


def test_parse_size_accepts_names_and_numbers():
    assert parse_size("small") == SIZES["small"]
    assert parse_size(" Tiny ") == SIZES["tiny"]
    assert parse_size("57") == 57
    assert parse_size(57) == 57


@pytest.mark.parametrize("bad", ["", "huge", "0", "-3", "1.5", "1e3", "²", 0, -1, 10 ** 9, True, None, 2.0])
def test_parse_size_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="size"):
        parse_size(bad)


@pytest.mark.parametrize("key", ["sbx", "S", "1AB", "AB-C", ""])
def test_generate_project_rejects_bad_project_keys(key):
    with pytest.raises(ValueError, match="project key"):
        generate_project("tiny", project_key=key)


def test_generate_project_rejects_a_non_integer_seed():
    with pytest.raises(ValueError, match="seed"):
        generate_project("tiny", seed=None)


# Contract shapes, ids and keys

def test_records_match_the_contract(small):
    assert_contract_shapes(small)


def test_ids_are_positive_and_unique_per_entity(small):
    for collection in SHAPES:
        ids = [record["id"] for record in getattr(small, collection)]
        assert min(ids) >= 1 and len(ids) == len(set(ids)), collection
    version_ids = [vid for case in small.testcases for vid in case["versionIds"].values()]
    assert len(version_ids) == len(set(version_ids))
    script_ids = [case["script"]["id"] for case in small.testcases if case["script"] and "id" in case["script"]]
    assert len(script_ids) == len(set(script_ids))


def test_link_ids_are_unique_across_entities(small):
    links = [link for record in small.testcases + small.testcycles + small.testplans
             for link in record["issueLinks"] + record["webLinks"]]
    links += [link for plan in small.testplans for link in plan["testCycleLinks"]]
    links += [link for execution in small.testexecutions for link in execution["issueLinks"]]
    ids = [link["id"] for link in links]
    assert min(ids) >= 1 and len(ids) == len(set(ids))


@pytest.mark.parametrize("collection,letter", [("testcases", "T"), ("testcycles", "R"), ("testplans", "P"),
                                               ("testexecutions", "E")])
def test_keys_follow_zephyr_patterns(small, collection, letter):
    keys = [record["key"] for record in getattr(small, collection)]
    assert all(re.fullmatch(rf"SBX-{letter}[1-9][0-9]*", key) for key in keys)
    assert len(keys) == len(set(keys))


def test_key_numbers_have_gaps(small):
    for collection in ("testcases", "testexecutions"):
        numbers = sorted(key_number(record["key"]) for record in getattr(small, collection))
        assert numbers[-1] - numbers[0] + 1 > len(numbers), collection


# Project vocabulary

def test_statuses_priorities_and_environments(small):
    expected = {
        "TEST_CASE": ["Draft", "Approved", "Deprecated"],
        "TEST_CYCLE": ["Not Executed", "In Progress", "Done"],
        "TEST_EXECUTION": ["Not Executed", "In Progress", "Pass", "Fail", "Blocked"],
    }
    for status_type in STATUS_TYPES:
        statuses = [s for s in small.statuses if s["statusType"] == status_type]
        assert statuses and [s["index"] for s in statuses] == list(range(len(statuses)))
        assert [s["name"] for s in statuses if s["default"]] == [statuses[0]["name"]]
        if status_type in expected:
            assert [s["name"] for s in statuses] == expected[status_type]
    assert [(p["name"], p["default"]) for p in small.priorities] == [("High", False), ("Normal", True),
                                                                     ("Low", False)]
    assert "Windows 11 / Edge" in {e["name"] for e in small.environments}
    assert set(small.project) == PROJECT and small.project["enabled"] is True


def test_users_are_atlassian_account_ids_of_both_forms(small):
    assert all(ACCOUNT_ID.fullmatch(user) for user in small.users)
    assert {user.startswith("557058:") for user in small.users} == {True, False}


# Folders

def test_folder_trees_are_deep_and_awkward(small):
    by_id = {f["id"]: f for f in small.folders}
    for folder_type in FOLDER_TYPES:
        folders = [f for f in small.folders if f["folderType"] == folder_type]
        assert all(f["parentId"] is None or by_id[f["parentId"]]["folderType"] == folder_type for f in folders)

        def depth(folder):
            return 0 if folder["parentId"] is None else depth(by_id[folder["parentId"]]) + 1

        assert max(depth(f) for f in folders) >= 4, folder_type
        parents_by_name = {}
        for folder in folders:
            parents_by_name.setdefault(folder["name"], set()).add(folder["parentId"])
        assert any(len(parents) > 1 for parents in parents_by_name.values()), folder_type
        siblings = {}
        for folder in folders:
            siblings.setdefault(folder["parentId"], []).append(folder)
        for children in siblings.values():
            assert sorted(f["index"] for f in children) == list(range(len(children)))
            assert len({f["name"] for f in children}) == len(children)
        assert any(f["parentId"] is not None and f["id"] < f["parentId"] for f in folders), folder_type
    listed = [f["id"] for f in small.folders]
    assert listed == sorted(listed)


# Test cases

def test_names_cover_every_script_and_awkward_character(small):
    names = [case["name"] for case in small.testcases]
    traits = describe(small)["cases"]["names"]
    assert set(NAME_TRAITS) | {"padded", "long"} <= set(traits)
    assert any(name.startswith(" ") for name in names) and any(name.endswith(" ") for name in names)
    assert max(len(name) for name in names) == 255
    assert all(0 < len(name.strip()) <= 255 for name in names)


def test_rich_text_carries_html_entities_and_markup(small):
    texts = [text for text in rich_texts(small) if text]
    for needle in ("&amp;", "&lt;", "&gt;", "&nbsp;", "&#39;", "&quot;", "<br>", "<p>", "<ul><li>", "<b>",
                   "<a href="):
        assert any(needle in text for text in texts), needle
    comments = [execution["comment"] for execution in small.testexecutions]
    assert None in comments and "" in comments and any(c and "<" in c for c in comments)
    assert any(case["objective"] is None for case in small.testcases)
    assert any(case["precondition"] == "" for case in small.testcases)


def test_case_placement_labels_owners_and_times(small):
    cases = small.testcases
    assert any(case["folderId"] is None for case in cases)
    placed = Counter((case["folderId"], case["name"]) for case in cases if case["folderId"] is not None)
    assert max(placed.values()) >= 2
    assert any(not case["labels"] for case in cases) and any(len(case["labels"]) >= 2 for case in cases)
    owners = [case["ownerId"] for case in cases]
    assert None in owners and set(owners) - {None} <= set(small.users)
    times = [case["estimatedTime"] for case in cases]
    assert None in times and all(t is None or (isinstance(t, int) and t > 0) for t in times)
    assert any(case["componentId"] for case in cases) and any(case["componentId"] is None for case in cases)
    assert all(DATETIME.fullmatch(case["createdOn"]) for case in cases)
    folder_ids = {f["id"] for f in small.folders if f["folderType"] == "TEST_CASE"}
    assert {case["folderId"] for case in cases} - {None} <= folder_ids


def test_versions_map_each_number_to_its_own_id(small):
    cases = small.testcases
    assert Counter(case["version"] for case in cases)[1] > len(cases) / 2
    assert {2, 3, 4} <= {case["version"] for case in cases}
    for case in cases:
        assert sorted(case["versionIds"]) == list(range(1, case["version"] + 1))
        assert case["versionIds"][case["version"]] == case["id"]
        assert len(set(case["versionIds"].values())) == case["version"]


def field_values(records, nested=False):
    for record in records:
        fields = record["inline"]["customFields"] if nested else record["customFields"]
        yield from fields.items()


def test_custom_fields_keep_one_type_per_name_across_the_project(small):
    steps = [step for case in small.testcases for step in case["steps"] if "inline" in step]
    values = list(field_values(small.testcases + small.testcycles + small.testplans + small.testexecutions))
    values += list(field_values(steps, nested=True))
    types = {}
    for name, value in values:
        if value is not None:
            types.setdefault(name, set()).add(type(value))
    assert all(len(kinds) == 1 for kinds in types.values()), types
    assert any(value is None for _, value in values)


def test_case_custom_fields_cover_every_zephyr_type(small):
    assert set(CASE_FIELDS.values()) == {"text", "multiline", "number", "decimal", "date", "checkbox", "single",
                                         "multi", "user"}
    checks = {
        "text": lambda v: isinstance(v, str),
        "multiline": lambda v: isinstance(v, str) and "<br>" in v,
        "number": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "decimal": lambda v: isinstance(v, float),
        "date": lambda v: isinstance(v, str) and DATE.fullmatch(v),
        "checkbox": lambda v: isinstance(v, bool),
        "user": lambda v: v in small.users,
    }
    for name, kind in CASE_FIELDS.items():
        present = [case["customFields"][name] for case in small.testcases if name in case["customFields"]]
        values = [value for value in present if value is not None]
        assert values, name
        if kind == "single":
            assert set(values) <= set(OPTIONS[name])
        elif kind == "multi":
            assert all(isinstance(v, list) and set(v) <= set(OPTIONS[name]) for v in values)
            assert any(len(v) >= 2 for v in values)
        else:
            assert all(checks[kind](v) for v in values), name
    assert any(len(case["customFields"]) < len(CASE_FIELDS) for case in small.testcases)
    assert any(value == "" for _, value in field_values(small.testcases))


def test_other_entities_use_their_own_field_sets(small):
    for records, definitions in ((small.testcycles, CYCLE_FIELDS), (small.testplans, PLAN_FIELDS),
                                 (small.testexecutions, EXECUTION_FIELDS)):
        assert {name for name, _ in field_values(records)} <= set(definitions)
    steps = [step for case in small.testcases for step in case["steps"] if "inline" in step]
    step_fields = [fields for fields in (step["inline"]["customFields"] for step in steps) if fields]
    assert step_fields and all(set(fields) <= set(STEP_FIELDS) for fields in step_fields)


def test_scripts_and_steps(small):
    cases = small.testcases
    kinds = Counter(None if case["script"] is None else case["script"]["type"] for case in cases)
    assert all(kinds[kind] for kind in ("steps", "plain", "bdd", None))
    for case in cases:
        has_steps = case["script"] == {"type": "steps"}
        assert bool(case["steps"]) == has_steps, case["key"]
    bdd = [case["script"]["text"] for case in cases if case["script"] and case["script"]["type"] == "bdd"]
    assert all("Feature:" in text and "Given " in text and "Then " in text for text in bdd)
    assert max(len(case["steps"]) for case in cases) > 100
    inline = [step["inline"] for case in cases for step in case["steps"] if "inline" in step]
    test_data = [step["testData"] for step in inline]
    assert None in test_data and "" in test_data and any(test_data)


def test_call_to_test_steps(small):
    graph = call_graph(small)
    cases = {case["key"]: case for case in small.testcases}
    edges = [(caller, callee) for caller, callees in graph.items() for callee in callees]
    assert edges
    assert all(caller != callee for caller, callee in edges)
    assert all(cases[callee]["script"] == {"type": "steps"} for _, callee in edges)
    assert any(key_number(caller) < key_number(callee) for caller, callee in edges)
    assert any(key_number(caller) > key_number(callee) for caller, callee in edges)
    assert any(graph[callee] for _, callee in edges), "no chain A -> B -> C"
    calls = [step["testCase"] for case in small.testcases for step in case["steps"] if "testCase" in step]
    assert {p["type"] for call in calls for p in call["parameters"]} == {"MANUAL_INPUT", "DEFAULT_VALUE"}
    assert all(1 <= call["version"] <= cases[call["testCaseKey"]]["version"] for call in calls)


def test_call_graph_is_acyclic(small):
    graph = call_graph(small)
    state = {}

    def visit(key):
        state[key] = "open"
        for callee in graph[key]:
            assert state.get(callee) != "open", f"cycle through {key} -> {callee}"
            if callee not in state:
                visit(callee)
        state[key] = "done"

    for key in graph:
        if key not in state:
            visit(key)


def test_issue_and_web_links(small):
    issue_links = [link for case in small.testcases for link in case["issueLinks"]]
    assert {link["type"] for link in issue_links} == LINK_TYPES
    assert all(isinstance(link["issueId"], int) and link["issueId"] > 0 for link in issue_links)
    assert any(case["webLinks"] for case in small.testcases)
    for records in (small.testcycles, small.testplans):
        assert any(record["issueLinks"] for record in records) and any(record["webLinks"] for record in records)
    web = [link for record in small.testcases + small.testcycles + small.testplans for link in record["webLinks"]]
    assert all(link["url"].startswith("http") and link["type"] in LINK_TYPES for link in web)


# Cycles and plans

def test_cycles(small):
    cycles = small.testcycles
    cycle_folders = {f["id"]: f for f in small.folders if f["folderType"] == "TEST_CYCLE"}
    assert any(c["folderId"] is None for c in cycles)
    assert any(c["folderId"] is not None and cycle_folders[c["folderId"]]["parentId"] is not None for c in cycles)
    assert {c["folderId"] for c in cycles} - {None} <= set(cycle_folders)
    assert set(status_names(small, "TEST_CYCLE")[c["statusId"]] for c in cycles) == {"Not Executed",
                                                                                     "In Progress", "Done"}
    for cycle in cycles:
        for field in ("plannedStartDate", "plannedEndDate"):
            assert cycle[field] is None or DATETIME.fullmatch(cycle[field])
    assert any(c["plannedStartDate"] for c in cycles)
    assert any(c["description"] and "<" in c["description"] for c in cycles)
    assert any(c["jiraProjectVersionId"] for c in cycles) and any(c["ownerId"] for c in cycles)


def test_plans_link_cycles(small):
    plans = small.testplans
    cycle_ids = {c["id"] for c in small.testcycles}
    plan_folders = {f["id"] for f in small.folders if f["folderType"] == "TEST_PLAN"}
    assert any(p["folderId"] is None for p in plans) and any(p["folderId"] in plan_folders for p in plans)
    assert any(len(p["testCycleLinks"]) >= 2 for p in plans)
    assert all(link["testCycleId"] in cycle_ids for p in plans for link in p["testCycleLinks"])
    assert any(p["labels"] for p in plans)
    assert set(status_names(small, "TEST_PLAN")) >= {p["statusId"] for p in plans}


# Executions

def test_executions_cover_every_status_and_rerun_pairs(small):
    names = status_names(small, "TEST_EXECUTION")
    assert {names[e["statusId"]] for e in small.testexecutions} == EXECUTION_STATUSES
    pairs = Counter((e["testCycleId"], e["testCaseKey"]) for e in small.testexecutions if e["testCycleId"])
    assert max(pairs.values()) >= 3
    cycle_ids = {c["id"] for c in small.testcycles}
    assert {e["testCycleId"] for e in small.testexecutions} - {None} <= cycle_ids


def test_execution_attributes(small):
    executions = small.testexecutions
    names = status_names(small, "TEST_EXECUTION")
    assert any(e["environmentId"] is None for e in executions)
    assert {e["environmentId"] for e in executions} - {None} <= {env["id"] for env in small.environments}
    assert any(e["executionTime"] is None for e in executions) and any(e["executionTime"] for e in executions)
    assert {e["automated"] for e in executions} == {True, False}
    assert any(e["testCycleId"] is None for e in executions)
    users = set(small.users) | {None}
    assert all(e["executedById"] in users and e["assignedToId"] in users for e in executions)
    dates = sorted(e["actualEndDate"] for e in executions if e["actualEndDate"])
    assert all(DATETIME.fullmatch(date) for date in dates) and dates[0][:7] != dates[-1][:7]
    assert all(e["actualEndDate"] is None and e["executedById"] is None
               for e in executions if names[e["statusId"]] == "Not Executed")


def test_no_execution_predates_its_case(small):
    created = {case["key"]: case["createdOn"] for case in small.testcases}
    assert all(e["actualEndDate"] > created[e["testCaseKey"]] for e in small.testexecutions if e["actualEndDate"])


def test_some_executions_ran_on_an_older_case_version(small):
    cases = {case["key"]: case for case in small.testcases}
    old = [e for e in small.testexecutions if e["testCaseVersion"] < cases[e["testCaseKey"]]["version"]]
    assert old and all(e["testCaseVersion"] >= 1 for e in old)


def run_steps(cases, key, depth=0):
    """(inline step, call depth) in the order an execution of `key` runs them: each call replaced by the
    called case's steps."""
    found = []
    for step in cases[key]["steps"]:
        if "inline" in step:
            found.append((step["inline"], depth))
        else:
            found.extend(run_steps(cases, step["testCase"]["testCaseKey"], depth + 1))
    return found


def test_step_results_match_the_steps_by_position_with_calls_expanded(small):
    cases = {case["key"]: case for case in small.testcases}
    names = status_names(small, "TEST_EXECUTION")
    depths = set()
    for execution in small.testexecutions:
        steps = run_steps(cases, execution["testCaseKey"])
        results = execution["stepResults"]
        assert len(results) == len(steps)
        for (step, depth), result in zip(steps, results):
            assert result["inline"]["statusId"] in names
            assert (result["inline"]["description"], result["inline"]["expectedResult"]) == (
                step["description"], step["expectedResult"])
            depths.add(depth)
        status = names[execution["statusId"]]
        if status in ("Pass", "Not Executed") and results:
            assert {names[r["inline"]["statusId"]] for r in results} == {status}
    assert {0, 1, 2} <= depths, "executions should run steps called directly and through a nested call"
    assert any(not e["stepResults"] for e in small.testexecutions)
    actual = [r["inline"]["actualResult"] for e in small.testexecutions for r in e["stepResults"]]
    assert "" in actual and any(actual)


# Embedded attachments

def png_size(content):
    """Width and height of a PNG, after checking its signature, chunk CRCs and pixel data."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(content):
        length, kind = struct.unpack(">I4s", content[position:position + 8])
        data = content[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", content[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + data) & 0xFFFFFFFF == crc
        chunks[kind] = data
        position += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + width * 3)
    assert b"IEND" in chunks
    return width, height


def test_embedded_attachments(small):
    files = describe(small)["files"]
    for kind in ("images", "documents", "missing", "external", "repeated"):
        assert files[kind], kind
    assert files["unreferenced"] == []
    assert {"objective", "precondition", "step.description", "step.expectedResult", "execution.comment"} <= set(
        files["embedded_in"])
    assert all(url.startswith("https://jira.example.invalid/") for url in files["external"])
    images = [content for content_type, content in small.files.values() if content_type == "image/png"]
    assert all(png_size(content) for content in images)
    assert len(set(images)) == len(images)
    assert all(content.startswith(b"%PDF") for content_type, content in small.files.values()
               if content_type == "application/pdf")
    texts = " ".join(text for text in rich_texts(small) if text)
    assert f'<img src="{ROOT_PLACEHOLDER}/files/' in texts and f'<a href="{ROOT_PLACEHOLDER}/files/' in texts


# Manifest and the smallest sizes

def test_describe_points_at_real_examples(small):
    manifest = describe(small)
    cases = {case["key"]: case for case in small.testcases}
    executions = {e["key"]: e for e in small.testexecutions}
    assert manifest["counts"]["testcases"] == len(small.testcases)
    assert all(len(cases[key]["steps"]) > 100 for key in manifest["cases"]["long_steps"])
    caller, callee = manifest["calls"]["caller_below_callee"][0]
    assert key_number(caller) < key_number(callee)
    assert callee in call_graph(small)[caller]
    first, second, third = manifest["calls"]["chains"][0]
    assert second in call_graph(small)[first] and third in call_graph(small)[second]
    twins = [cases[key] for key in manifest["cases"]["same_name_in_folder"][0]]
    assert len({(case["folderId"], case["name"]) for case in twins}) == 1
    assert all(executions[key]["testCycleId"] is None for key in manifest["executions"]["adhoc"])
    for key in manifest["executions"]["old_version"]:
        assert executions[key]["testCaseVersion"] < cases[executions[key]["testCaseKey"]]["version"]
    folder = manifest["folders"]["child_below_parent"][0]
    assert folder["id"] < folder["parentId"]
    assert all(levels >= 5 for levels in manifest["folders"]["levels"].values())


def test_tiny_holds_every_feature_that_fits(tiny):
    manifest = describe(tiny)
    assert len(tiny.testcases) == SIZES["tiny"]
    assert_contract_shapes(tiny)
    for section, example in (("cases", "long_steps"), ("cases", "same_name_in_folder"),
                             ("cases", "without_folder"), ("cases", "versioned"), ("calls", "chains"),
                             ("calls", "caller_below_callee"), ("folders", "child_below_parent"),
                             ("executions", "adhoc"), ("executions", "old_version"),
                             ("executions", "without_step_results"), ("files", "missing"),
                             ("files", "external"), ("files", "repeated")):
        assert manifest[section][example], (section, example)
    assert set(manifest["counts"]["executions_by_status"]) == EXECUTION_STATUSES
