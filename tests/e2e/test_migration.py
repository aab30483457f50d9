"""`ztoq workflow run` against the sandbox, checked field by field in the qTest simulator's state."""

import copy
import html
import json

import pytest

from ztoq_luigi.sandbox.zephyr.store import JIRA_PLACEHOLDER, ROOT_PLACEHOLDER

from tests.e2e.oracle import (
    ATTACHED, PRIORITIES, STATUSES, UNFILED, AttachedView, folder_paths, qtest_cases_by_key, qtest_module_paths,
)

pytestmark = pytest.mark.sandbox_size("small")


def rendered(sandbox):
    """The dataset as it should read in qTest: every file the Zephyr host or the Jira site serves becomes an
    attachment (the marker), every other link (missing file, foreign host) points where it pointed in Zephyr."""
    dataset = copy.copy(sandbox.dataset)
    text = json.dumps(sandbox.dataset.testcases)
    for root, stored in ((ROOT_PLACEHOLDER, sandbox.dataset.files), (JIRA_PLACEHOLDER, sandbox.dataset.jira_files)):
        for path in stored:
            text = text.replace(root + path, ATTACHED)
    text = text.replace(ROOT_PLACEHOLDER, sandbox.zephyr_server.root_url).replace(JIRA_PLACEHOLDER, sandbox.jira_url)
    dataset.testcases = json.loads(text)
    return dataset


def migrate(run_cli, sandbox, db_args, tmp_path, *extra):
    args = ["workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args, *extra]
    return run_cli(*args, environ=sandbox.environment())


def test_small_project_migrates_field_by_field(run_cli, sandbox, fresh_db_args, tmp_path):
    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result
    assert "run SBX done" in result.stdout and "report: " in result.stdout

    dataset, state = rendered(sandbox), AttachedView(sandbox.qtest.state)
    problems = []
    problems += check_modules(dataset, state)
    problems += check_cases(dataset, state)
    assert not problems, "\n".join(problems[:40])


def check_modules(dataset, state):
    expected = set(folder_paths(dataset).values())
    if any(case["folderId"] is None for case in dataset.testcases):
        expected.add(UNFILED)
    actual = list(qtest_module_paths(state).values())
    problems = [f"module {path} missing in qTest" for path in expected - set(actual)]
    problems += [f"unexpected module {path}" for path in set(actual) - expected]
    problems += [f"module {path} created {actual.count(path)} times" for path in set(actual)
                 if actual.count(path) > 1 and list(folder_paths(dataset).values()).count(path) < actual.count(path)]
    return problems


def check_cases(dataset, state):
    paths = folder_paths(dataset)
    module_paths = qtest_module_paths(state)
    by_key = qtest_cases_by_key(state)
    names = {p["id"]: p["name"] for p in dataset.priorities}
    statuses = {s["id"]: s["name"] for s in dataset.statuses}
    problems = []
    for case in dataset.testcases:
        key = case["key"]
        found = by_key.get(key, [])
        if len(found) != 1:
            problems.append(f"{key}: {len(found)} test cases in qTest, expected exactly 1")
            continue
        got = found[0]
        want_path = paths[case["folderId"]] if case["folderId"] is not None else UNFILED
        checks = [
            ("module", want_path, module_paths[got["module_id"]]),
            ("name", case["name"], got["name"]),
            ("description", case["objective"] or "", got["description"] or ""),
            ("precondition", case["precondition"] or "", got["precondition"] or ""),
            ("Priority", PRIORITIES[names[case["priorityId"]]], got["properties"].get("Priority")),
            ("Status", STATUSES[statuses[case["statusId"]]], got["properties"].get("Status")),
        ]
        problems += [f"{key}: {what} is {actual!r}, expected {want!r}" for what, want, actual in checks
                     if want != actual]
        problems += check_steps(case, got, by_key)
    return problems


def check_steps(case, got, by_key):
    key, steps = case["key"], sorted(got["steps"], key=lambda s: s["order"])
    script = case.get("script") or {}
    if script.get("type") in ("plain", "bdd"):
        if [s["description"] for s in steps] != [script["text"]]:
            return [f"{key}: the {script['type']} script is not kept verbatim as one step"]
        return []
    want = case.get("steps") or [] if script.get("type") == "steps" else []
    if len(steps) != len(want):
        return [f"{key}: {len(steps)} steps in qTest, expected {len(want)}"]
    problems = []
    for number, (zephyr, qtest) in enumerate(zip(want, steps), start=1):
        where = f"{key} step {number}"
        if "inline" in zephyr and zephyr["inline"] is not None:
            inline = zephyr["inline"]
            for part in (inline.get("description"), inline.get("testData")):
                if part and part not in qtest["description"]:
                    problems.append(f"{where}: {part[:40]!r} missing from the description")
            if (inline.get("expectedResult") or "") != (qtest["expected"] or ""):
                problems.append(f"{where}: expected result changed")
        else:
            call = zephyr["testCase"]
            callee = by_key.get(call["testCaseKey"], [])
            if not callee or qtest["called_test_case_id"] != callee[0]["id"]:
                problems.append(f"{where}: does not call {call['testCaseKey']} in qTest")
            if f"Call to test {call['testCaseKey']}" not in qtest["description"]:
                problems.append(f"{where}: the call's text is missing")
            for parameter in call.get("parameters") or []:
                if html.escape(str(parameter["value"]), quote=False) not in qtest["description"]:
                    problems.append(f"{where}: parameter {parameter['name']} missing")
    return problems


def test_every_generated_feature_reaches_qtest(run_cli, sandbox, fresh_db_args, tmp_path):
    """The awkward cases the generator plants: each one must arrive, not just the easy majority."""
    from ztoq_luigi.sandbox.generator import describe

    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    notable = describe(sandbox.dataset)
    cases, calls = notable["cases"], notable["calls"]
    features = {
        "more than 100 steps": cases["long_steps"],
        "same name in one folder": [key for pair in cases["same_name_in_folder"] for key in pair],
        "no folder": cases["without_folder"],
        "plain script": cases["plain_script"],
        "BDD script": cases["bdd_script"],
        "caller with a lower key than its callee": [key for pair in calls["caller_below_callee"] for key in pair],
        "call chain": [key for chain in calls["chains"] for key in chain],
        "awkward name": list(cases["names"].values()),
    }
    by_key = qtest_cases_by_key(sandbox.qtest.state)
    for feature, keys in features.items():
        assert keys, f"the generator planted no case with {feature}"
        missing = [key for key in keys if len(by_key.get(key, [])) != 1]
        assert not missing, f"{feature}: {missing} not migrated exactly once"
