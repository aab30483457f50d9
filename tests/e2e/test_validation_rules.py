"""`ztoq workflow validate` after tampering with qTest one way per rule: each found, with its severity and entity.

The sandbox's tamper API changes qTest's stored objects behind the tool's
back; the expectations name the Zephyr entity from the generated dataset and
the qTest state, never from the product's code. Informational issues
(mapping-coverage: the sandbox's owners are not mapped) are left aside.
"""

import json

import pytest

from tests.e2e.oracle import qtest_cases_by_key
from tests.e2e.test_called_steps import MARKER, executed

PER_ENTITY_READS = ("/api/v3/projects/{projectId}/test-cases/{testCaseId}",
                    "/api/v3/projects/{projectId}/test-runs/{testRunId}/test-logs")


def run(run_cli, sandbox, tmp_path, command="run", *extra):
    return run_cli("workflow", command, *sandbox.workflow_args(tmp_path / "out"), *extra,
                   environ=sandbox.environment())


def found_issues(run_cli, tmp_path):
    """(rule, severity, entity type, entity key) of every issue above information, from the JSON report."""
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json")
    return {(i["rule"], i["severity"], i["entity_type"], i["entity_key"]) for i in
            json.loads(report.stdout)["validation"]["issues"] if i["severity"] != "info"}


@pytest.fixture
def migrated(run_cli, sandbox, tmp_path):
    result = run(run_cli, sandbox, tmp_path)
    assert result.code == 0, result
    assert found_issues(run_cli, tmp_path) == set()
    return sandbox.qtest.state


def loner(sandbox, state, number=0):
    """A migrated case with steps that no other case calls, that calls none and that was never executed."""
    called = {step["testCase"]["testCaseKey"] for case in sandbox.dataset.testcases
              for step in case.get("steps") or [] if step.get("testCase")}
    ran = {execution["testCaseKey"] for execution in sandbox.dataset.testexecutions}
    cases = sorted((case for case in state.test_cases() if case["properties"]["Zephyr Key"] not in called | ran
                    and case["steps"] and not any(step["called_test_case_id"] for step in case["steps"])),
                   key=lambda case: case["properties"]["Zephyr Key"])
    return cases[number]


def validate(run_cli, sandbox, tmp_path, *extra):
    sandbox.qtest.counters.reset()
    result = run(run_cli, sandbox, tmp_path, "validate", *extra)
    assert not [route for route in PER_ENTITY_READS if sandbox.qtest.counters.get("GET", route)], \
        "validation read qTest one entity at a time"
    return result


def test_a_deleted_case_is_lost_critical_and_counted(run_cli, sandbox, migrated, tmp_path):
    gone = loner(sandbox, migrated)
    migrated.delete("test-case", gone["id"])
    assert validate(run_cli, sandbox, tmp_path).code == 6
    key = gone["properties"]["Zephyr Key"]
    assert found_issues(run_cli, tmp_path) == {("exactly-once", "critical", "testcase", key),
                                               ("counts", "error", "testcase", "test cases")}


def test_a_duplicated_case_is_critical(run_cli, sandbox, migrated, tmp_path):
    copied = loner(sandbox, migrated)
    key = copied["properties"]["Zephyr Key"]
    migrated.add_test_case(copied["module_id"], copied["name"], properties={"Zephyr Key": key})
    assert validate(run_cli, sandbox, tmp_path).code == 6
    assert found_issues(run_cli, tmp_path) == {("exactly-once", "critical", "testcase", key),
                                               ("counts", "error", "testcase", "test cases")}


def test_a_stray_case_is_a_warning_that_fails_only_at_fail_on_warning(run_cli, sandbox, migrated, tmp_path):
    home = loner(sandbox, migrated)
    migrated.add_test_case(home["module_id"], "Made by hand", properties={"Zephyr Key": "SBX-T9999"})
    assert validate(run_cli, sandbox, tmp_path).code == 0
    assert ("strays", "warning", "testcase", "SBX-T9999") in found_issues(run_cli, tmp_path)
    result = validate(run_cli, sandbox, tmp_path, "--fail-on", "warning")
    assert result.code == 6 and "(warning or worse)" in result.stderr


def test_a_renamed_module_breaks_the_tree_at_its_folder(run_cli, sandbox, migrated, tmp_path):
    modules = migrated.modules()
    leaf = next(module for module in sorted(modules, key=lambda m: m["path"])
                if module["description"].startswith("Zephyr folder ")
                and not any(other["parent_id"] == module["id"] for other in modules))
    migrated.modify("module", leaf["id"], name="Renamed in qTest")
    assert validate(run_cli, sandbox, tmp_path).code == 6
    folder = leaf["description"].split()[-1]
    assert found_issues(run_cli, tmp_path) == {("trees", "error", "module", folder)}


def test_a_changed_step_is_a_step_difference(run_cli, sandbox, migrated, tmp_path):
    victim = loner(sandbox, migrated)
    migrated.modify_step(victim["id"], 1, description="Do something else")
    assert validate(run_cli, sandbox, tmp_path).code == 6
    assert found_issues(run_cli, tmp_path) == {("test-case-steps", "error", "testcase",
                                                victim["properties"]["Zephyr Key"])}


def test_a_changed_check_box_is_a_field_difference(run_cli, sandbox, migrated, tmp_path):
    values = {case["key"]: case["customFields"].get("Implemented") for case in sandbox.dataset.testcases}
    ticked = next(key for key, value in sorted(values.items()) if value is True)
    migrated.modify("test-case", qtest_cases_by_key(migrated)[ticked][0]["id"], properties={"Implemented": ""})
    assert validate(run_cli, sandbox, tmp_path).code == 6
    assert found_issues(run_cli, tmp_path) == {("test-case-fields", "error", "testcase", ticked)}


def test_a_changed_log_status_is_a_log_difference(run_cli, sandbox, migrated, tmp_path):
    log = sorted(migrated.logs(), key=lambda log: log["id"])[0]
    migrated.modify_log(log["id"], status="Blocked" if log["status"] != "Blocked" else "Passed")
    assert validate(run_cli, sandbox, tmp_path).code == 6
    assert found_issues(run_cli, tmp_path) == {("test-logs", "error", "testlog", MARKER.findall(log["note"])[-1])}


def test_a_removed_called_step_log_is_a_log_difference(run_cli, sandbox, migrated, tmp_path):
    assert any(depth for _, depth in executed(sandbox))
    log = next(log for log in sorted(migrated.logs(), key=lambda log: log["id"])
               if any(step["parent_test_step_id"] for step in log["step_logs"]))
    index = next(n for n, step in enumerate(log["step_logs"]) if step["parent_test_step_id"])
    migrated.remove_step_log(log["id"], index)
    assert validate(run_cli, sandbox, tmp_path).code == 6
    assert found_issues(run_cli, tmp_path) == {("test-logs", "error", "testlog", MARKER.findall(log["note"])[-1])}


def test_a_deleted_run_is_lost_with_its_logs(run_cli, sandbox, migrated, tmp_path):
    victim = next(run for run in sorted(migrated.runs(), key=lambda run: run["id"]) if run["log_ids"])
    executions = {MARKER.findall(log["note"])[-1] for log in migrated.logs(victim["id"])}
    migrated.delete("test-run", victim["id"])
    assert validate(run_cli, sandbox, tmp_path).code == 6
    issues = found_issues(run_cli, tmp_path)
    assert ("exactly-once", "critical", "testrun", victim["properties"]["Zephyr Key"]) in issues
    assert {("exactly-once", "critical", "testlog", execution) for execution in executions} <= issues


def test_a_re_graded_rule_reports_at_its_new_severity_and_a_deselected_one_not_at_all(run_cli, sandbox, migrated,
                                                                                     tmp_path):
    victim = loner(sandbox, migrated)
    migrated.modify_step(victim["id"], 1, description="Do something else")
    migrated.modify("test-case", victim["id"], name="Renamed by someone")
    config = tmp_path / "ztoq.yaml"
    config.write_text("validation:\n  severity: {test-case-steps: warning}\n"
                      "  rules: [exactly-once, test-case-steps, test-logs]\n", encoding="utf-8")
    assert validate(run_cli, sandbox, tmp_path, "--config", str(config)).code == 0
    key = victim["properties"]["Zephyr Key"]
    assert found_issues(run_cli, tmp_path) == {("test-case-steps", "warning", "testcase", key)}


def test_an_unknown_rule_in_the_config_is_one_line_and_exit_2(run_cli, sandbox, migrated, tmp_path):
    config = tmp_path / "ztoq.yaml"
    config.write_text("validation:\n  rules: [exactly-twice]\n", encoding="utf-8")
    result = validate(run_cli, sandbox, tmp_path, "--config", str(config))
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "names the rule 'exactly-twice', which does not exist; expected one of: counts, exactly-once" \
        in result.stderr
