"""What a user sees when something is wrong: one line, the right exit status, nothing lost or duplicated."""

import json

import pytest

from tests.e2e.oracle import qtest_cases_by_key


def run(run_cli, sandbox, tmp_path, *extra, command="run", environ=None):
    return run_cli("workflow", command, *sandbox.workflow_args(tmp_path / "out"), *extra,
                   environ=environ or sandbox.environment())


def one_line(result):
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


def test_wrong_zephyr_token_is_an_authentication_error(run_cli, sandbox, tmp_path):
    environ = dict(sandbox.environment(), ZTOQ_ZEPHYR_API_TOKEN="not-the-token")
    result = run(run_cli, sandbox, tmp_path, environ=environ)
    assert result.code == 4
    line = one_line(result)
    assert "Zephyr GET" in line and "401" in line and "--zephyr-api-token" in line
    assert "not-the-token" not in result.stdout + result.stderr
    assert sandbox.qtest.counters.writes() == 0


def test_wrong_qtest_password_stops_before_anything_is_extracted(run_cli, sandbox, tmp_path):
    environ = dict(sandbox.environment(), ZTOQ_QTEST_PASSWORD="wrong-password")
    result = run(run_cli, sandbox, tmp_path, environ=environ)
    assert result.code == 4
    line = one_line(result)
    assert "qTest login as 'api.user@example.com' failed" in line
    assert "wrong-password" not in result.stdout + result.stderr
    assert sandbox.zephyr.counters.total() == 1, "only the Zephyr access check may have run"
    assert sandbox.qtest.counters.writes() == 0, "nothing may have been written to qTest (a login only reads)"
    assert run(run_cli, sandbox, tmp_path).code == 0


def test_a_load_that_failed_midway_is_resumed_without_extracting_again(run_cli, sandbox, tmp_path):
    sandbox.qtest.faults.inject("503", method="POST", route="/api/v3/projects/{projectId}/test-cases", times=4)
    failed = run(run_cli, sandbox, tmp_path, "--max-workers", "1")
    assert failed.code == 5 and "answered 503 to a write" in one_line(failed)
    zephyr_reads = sandbox.zephyr.counters.total()
    resumed = run(run_cli, sandbox, tmp_path, command="resume")
    assert resumed.code == 0, resumed
    assert "finished: extract, transform; remaining: load" in resumed.stdout
    assert sandbox.zephyr.counters.total() == zephyr_reads, "resume extracted again what it already had"
    assert all(len(cases) == 1 for cases in qtest_cases_by_key(sandbox.qtest.state).values())
    assert len(qtest_cases_by_key(sandbox.qtest.state)) == len(sandbox.dataset.testcases)


def test_malformed_test_case_is_reported_and_the_rest_migrates(run_cli, sandbox, tmp_path):
    broken = sandbox.dataset.testcases[5]
    broken["name"] = None
    result = run(run_cli, sandbox, tmp_path)
    assert result.code == 1
    line = one_line(result)
    assert "1 entities could not be migrated" in line and broken["key"] in line
    migrated = qtest_cases_by_key(sandbox.qtest.state)
    assert broken["key"] not in migrated
    assert len(migrated) == len(sandbox.dataset.testcases) - 1
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json")
    errors = json.loads(report.stdout)["errors"]
    assert any(error["entity_key"] == broken["key"] and "name" in error["message"] for error in errors)


def test_mapping_to_a_missing_qtest_value_stops_before_loading(run_cli, sandbox, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("priorities:\n  Normal: Middling\n", encoding="utf-8")
    result = run(run_cli, sandbox, tmp_path, "--mapping", str(mapping))
    assert result.code == 2
    line = one_line(result)
    assert "qTest field 'Priority' has no value 'Middling'" in line
    assert not sandbox.qtest.state.test_cases()


@pytest.mark.sandbox_size("small")
def test_validate_finds_what_changed_in_qtest_afterwards(run_cli, sandbox, tmp_path):
    assert run(run_cli, sandbox, tmp_path).code == 0
    state = sandbox.qtest.state
    called = {step["testCase"]["testCaseKey"] for case in sandbox.dataset.testcases
              for step in case.get("steps") or [] if step.get("testCase")}
    executed = {execution["testCaseKey"] for execution in sandbox.dataset.testexecutions}
    loners = sorted((case for case in state.test_cases() if case["properties"]["Zephyr Key"] not in called | executed
                     and not any(step["called_test_case_id"] for step in case["steps"])),
                    key=lambda case: case["properties"]["Zephyr Key"])
    victim, gone, copied = loners[3], loners[4], loners[5]
    state.modify("test-case", victim["id"], name="Renamed by someone")
    state.delete("test-case", gone["id"])
    state.add_test_case(copied["module_id"], copied["name"],
                        properties={"Zephyr Key": copied["properties"]["Zephyr Key"]})

    result = run(run_cli, sandbox, tmp_path, command="validate")
    assert result.code == 6
    assert "validation found 3 problems" in one_line(result)
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json")
    issues = json.loads(report.stdout)["validation"]["issues"]
    found = {(issue["entity_key"], issue["rule"], issue["severity"]) for issue in issues}
    assert (victim["properties"]["Zephyr Key"], "test-case-fields", "error") in found
    assert (gone["properties"]["Zephyr Key"], "exactly-once", "critical") in found
    assert (copied["properties"]["Zephyr Key"], "exactly-once", "critical") in found
    assert not [issue for issue in found if issue[1] == "counts"], "one lost and one duplicated: as many as sent"
