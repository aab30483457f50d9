"""The execution history in qTest after `ztoq workflow run`, checked against the generated Zephyr dataset.

Expectations come from the dataset and the documented mapping alone (the
tables below), never from the product's mapping code.
"""

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.oracle import folder_paths, name_paths, qtest_cases_by_key
from tests.e2e.test_attachments import embedded, execution_texts, expected_text
from ztoq_luigi.sandbox.zephyr.store import ROOT_PLACEHOLDER

pytestmark = pytest.mark.sandbox_size("small")

EXECUTION_STATUSES = {"Pass": "Passed", "Fail": "Failed", "Blocked": "Blocked", "In Progress": "Incomplete",
                      "Not Executed": "Unexecuted"}
ADHOC_CYCLE = "Ad-hoc executions"


def cycle_paths(state):
    """{qTest cycle id: tuple of names from the root}."""
    cycles = state.containers("test-cycle")
    return name_paths({c["id"]: {"name": c["name"], "parent": c["parent_id"] if c["parent_type"] == "test-cycle"
                                 else None} for c in cycles}, "parent")


def cycles_by_key(state):
    """{Zephyr cycle or plan key: [qTest containers whose description starts with its key line]}."""
    found = {}
    for kind in ("test-cycle", "release"):
        for container in state.containers(kind):
            first_line = (container["description"] or "").split("<br>")[0]
            if first_line.startswith("Zephyr key: "):
                found.setdefault(first_line[len("Zephyr key: "):], []).append(container)
    return found


def target_release(sandbox, cycle_id):
    state = sandbox.qtest.state
    with state.lock:
        return state.execution.containers["test-cycle"][cycle_id].extra.get("target_release_id")


def expected_log(sandbox, execution):
    """(status, start, end, step statuses and actual results) the log of an executed execution must show."""
    names = {s["id"]: s["name"] for s in sandbox.dataset.statuses}
    end = datetime.fromisoformat(execution["actualEndDate"].replace("Z", "+00:00"))
    start = end - timedelta(milliseconds=execution["executionTime"] or 0)
    start = start.replace(microsecond=0)
    root = sandbox.zephyr_server.root_url
    steps = [(n, EXECUTION_STATUSES[names[r["inline"]["statusId"]]],
              (r["inline"]["actualResult"] or "").replace(ROOT_PLACEHOLDER, root))
             for n, r in enumerate(execution["stepResults"], start=1)]
    stamp = "%Y-%m-%dT%H:%M:%S+00:00"
    return (EXECUTION_STATUSES[names[execution["statusId"]]], start.astimezone(timezone.utc).strftime(stamp),
            end.astimezone(timezone.utc).strftime(stamp), steps)


def executions_canonical(sandbox):
    """The qTest execution history as a comparable value: no ids, runs and logs named by Zephyr keys,
    the sandbox's own addresses (which differ per instance) masked in texts."""
    state, root = sandbox.qtest.state, sandbox.zephyr_server.root_url
    checksums = {attachment["id"]: attachment["sha256"] for attachment in state.attachment_files()}
    link = re.compile(re.escape(sandbox.qtest_url) + r"/projects/\d+/[a-z-]+/\d+/attachments/(\d+)")

    def hosts_masked(text):
        return text.replace(root, "<zephyr>").replace(sandbox.jira_url, "<jira>")

    def masked(text):
        return hosts_masked(link.sub(lambda match: f"<qtest attachment {checksums.get(int(match.group(1)))}>", text))

    paths = cycle_paths(state)
    case_keys = {case["id"]: case["properties"].get("Zephyr Key") for case in state.test_cases()}
    releases = {r["id"]: r["name"] for r in state.containers("release")}
    runs = []
    for run in state.runs():
        logs = tuple((log["status"], log["exe_start_date"], log["exe_end_date"], masked(log["note"]),
                      tuple((s["order"], s["status"], masked(s["actual_result"])) for s in log["step_logs"]))
                     for log in sorted(state.logs(run_id=run["id"]), key=lambda log: log["id"]))
        runs.append((run["properties"].get("Zephyr Key"), paths[run["parent_id"]], run["name"],
                     case_keys[run["test_case_id"]], run["status"], logs))
    return {
        "cycles": sorted((paths[c["id"]], hosts_masked(c["description"]),
                          releases.get(target_release(sandbox, c["id"])))
                         for c in state.containers("test-cycle")),
        "releases": sorted((r["name"], hosts_masked(r["description"]))
                           for r in state.containers("release")),
        "runs": sorted(runs),
    }


def test_execution_history_migrates_into_cycles_runs_and_logs(run_cli, sandbox, fresh_db_args, tmp_path):
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                     environ=sandbox.environment())
    assert result.code == 0, result
    dataset, state = sandbox.dataset, sandbox.qtest.state
    paths, keyed = cycle_paths(state), cycles_by_key(state)

    folders = folder_paths(dataset, "TEST_CYCLE")
    assert sorted(folders.values()) == sorted(p for cid, p in paths.items()
                                              if not any(c["id"] == cid for cs in keyed.values() for c in cs)
                                              and p != (ADHOC_CYCLE,))
    cycle_ids = {}
    for cycle in dataset.testcycles:
        found = [c for c in keyed.get(cycle["key"], []) if c["kind"] == "test-cycle"]
        assert len(found) == 1, f"{cycle['key']}: {len(found)} qTest cycles"
        expected = (folders[cycle["folderId"]] if cycle["folderId"] else ()) + (cycle["name"],)
        assert paths[found[0]["id"]] == expected
        cycle_ids[cycle["id"]] = found[0]["id"]
    adhoc = [cid for cid, path in paths.items() if path == (ADHOC_CYCLE,)]
    assert len(adhoc) == 1

    first_plan = {}
    for plan in dataset.testplans:
        releases = [c for c in keyed.get(plan["key"], []) if c["kind"] == "release"]
        assert [r["name"] for r in releases] == [plan["name"]]
        for link in plan["testCycleLinks"]:
            first_plan.setdefault(link["testCycleId"], releases[0]["id"])
    assert first_plan, "the dataset should link cycles to plans"
    for cycle in dataset.testcycles:
        assert target_release(sandbox, cycle_ids[cycle["id"]]) == first_plan.get(cycle["id"]), cycle["key"]

    case_ids = {key: cases[0]["id"] for key, cases in qtest_cases_by_key(state).items()}
    runs_by_key = {}
    for run in state.runs():
        runs_by_key.setdefault(run["properties"].get("Zephyr Key"), []).append(run)
    cycle_keys = {cycle["id"]: cycle["key"] for cycle in dataset.testcycles}
    pairs = {}
    for execution in dataset.testexecutions:
        cycle = execution["testCycleId"]
        pairs.setdefault((cycle, execution["testCaseKey"]), []).append(execution)
    assert len(state.runs()) == len(pairs)
    status_names = {s["id"]: s["name"] for s in dataset.statuses}
    logged = 0
    for (cycle, case_key), executions in pairs.items():
        run_key = f"{cycle_keys[cycle] if cycle else 'ad-hoc'}/{case_key}"
        found = runs_by_key.get(run_key, [])
        assert len(found) == 1, f"{run_key}: {len(found)} runs"
        run = found[0]
        assert run["parent_id"] == (cycle_ids[cycle] if cycle else adhoc[0]) and run["parent_type"] == "test-cycle"
        assert run["test_case_id"] == case_ids[case_key]
        logs = state.logs(run_id=run["id"])
        executed = sorted((e for e in executions if status_names[e["statusId"]] != "Not Executed"
                           and e["actualEndDate"]), key=lambda e: (e["actualEndDate"], int(e["key"].split("-E")[1])))
        assert len(logs) == len(executed), run_key
        for log, execution in zip(sorted(logs, key=lambda log: log["id"]), executed):
            assert f"\nZephyr execution {execution['key']}\n" in "\n" + log["note"] + "\n"
            status, start, end, steps = expected_log(sandbox, execution)
            files = embedded(sandbox, None, execution, texts=execution_texts)
            attachments = state.attachment_files("test-logs", log["id"])
            steps = [(order, step_status, expected_text(sandbox, text, files, attachments, log["id"], "test-logs"))
                     for order, step_status, text in steps]
            assert (log["status"], log["exe_start_date"], log["exe_end_date"]) == (status, start, end)
            assert [(s["order"], s["status"], s["actual_result"]) for s in log["step_logs"]] == steps
            assert log["note"].startswith(expected_text(sandbox, execution["comment"], files, attachments, log["id"],
                                                        "test-logs"))
            assert log["test_case_version_id"] == run["test_case_version_id"]
        if executed:
            assert run["status"] == EXECUTION_STATUSES[status_names[executed[-1]["statusId"]]]
        logged += len(executed)
    assert logged == len(state.logs())


def test_execution_notes_keep_environment_executor_and_the_executed_version(run_cli, sandbox, fresh_db_args,
                                                                           tmp_path):
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                     environ=sandbox.environment())
    assert result.code == 0, result
    environments = {e["id"]: e["name"] for e in sandbox.dataset.environments}
    notes = {}
    for log in sandbox.qtest.state.logs():
        for line in log["note"].splitlines():
            if line.startswith("Zephyr execution "):
                notes[line[len("Zephyr execution "):]] = log["note"]
    executed = [e for e in sandbox.dataset.testexecutions if e["key"] in notes]
    assert executed
    for execution in executed:
        note = notes[execution["key"]]
        if execution["environmentId"]:
            assert f"\nEnvironment: {environments[execution['environmentId']]}" in note
        if execution["executedById"]:
            assert f"\nExecuted by: Zephyr account {execution['executedById']}" in note
        assert f"\nExecuted on: {execution['testCaseKey']} version {execution['testCaseVersion']}" in note


def test_an_execution_status_qtest_lacks_stops_the_load_before_anything_is_written(run_cli, sandbox, fresh_db_args,
                                                                                    tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("execution_statuses:\n  Blocked: Stuck\n", encoding="utf-8")
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                     "--mapping", str(mapping), environ=sandbox.environment())
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr + result.stdout
    assert "Zephyr execution status 'Blocked' maps to 'Stuck': qTest has no such execution status" in result.stderr
    assert "expected one of Blocked, Failed, Incomplete, Passed" in result.stderr
    assert not sandbox.qtest.state.test_cases()
    assert "Zephyr Key" not in [field.label for field in sandbox.qtest.state.fields.fields("test-runs")]
