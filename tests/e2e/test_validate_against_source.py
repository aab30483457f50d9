"""`ztoq workflow validate --against source`: Zephyr read again, page by page, and compared with qTest.

A test case renamed in the Zephyr sandbox after the migration (through its
write routes, as a user of Zephyr would) is drift: qTest still holds the old
name, so the case differs from Zephyr as it is now, and the drift rule says
what changed since the migration. Against what was sent nothing is wrong.
"""

import json

import requests

from ztoq_luigi.sandbox.launch import ZEPHYR_TOKEN

from tests.e2e.test_validation_rules import found_issues, loner, run

CASE_ROUTE = "/v2/testcases/{testCaseKey}"


def test_a_case_renamed_in_zephyr_after_the_migration_is_drift(run_cli, sandbox, tmp_path):
    assert run(run_cli, sandbox, tmp_path).code == 0
    key = loner(sandbox, sandbox.qtest.state)["properties"]["Zephyr Key"]
    headers = {"Authorization": f"Bearer {ZEPHYR_TOKEN}"}
    case = requests.get(f"{sandbox.zephyr_url}/testcases/{key}", headers=headers, timeout=10).json()
    old_name = case["name"]
    case["name"] = "Renamed in Zephyr after the migration"
    answer = requests.put(f"{sandbox.zephyr_url}/testcases/{key}", headers=headers, timeout=10, json=case)
    assert answer.status_code == 200, answer.text

    assert run(run_cli, sandbox, tmp_path, "validate").code == 0, "qTest still holds what was sent"
    sandbox.zephyr.counters.reset()
    result = run(run_cli, sandbox, tmp_path, "validate", "--against", "source")
    assert result.code == 6, result
    assert sandbox.zephyr.counters.get("GET", CASE_ROUTE) == 0, "Zephyr is read in listings, not case by case"
    assert found_issues(run_cli, tmp_path) == {("test-case-fields", "error", "testcase", key),
                                               ("source-drift", "warning", "testcase", key)}
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json")
    issues = {issue["rule"]: issue for issue in json.loads(report.stdout)["validation"]["issues"]
              if issue["entity_key"] == key}
    assert (issues["test-case-fields"]["expected"], issues["test-case-fields"]["actual"]) == (
        "Renamed in Zephyr after the migration", old_name)
    assert issues["source-drift"]["message"] == "changed in Zephyr after the migration: name"
