"""What a migration asks the two services: reference data once per run, step results only where a log needs them,
executions in one listing, no test case read back one by one.

Issue 11 measures the migration against the fewest requests the APIs need
(scripts/bench.py); these are the counts a user sees in the simulators'
request counters, whatever the batch size.
"""

import math

from ztoq_luigi.clients.zephyr import STEPS_PAGE_SIZE
from ztoq_luigi.mapping.executions import NOT_EXECUTED

QTEST = "/api/v3/projects/{projectId}"
FIELD_SETTINGS = QTEST + "/settings/{objectType}/fields"
EXECUTION_STATUSES = QTEST + "/test-runs/execution-statuses"
STEP_RESULTS = "/v2/testexecutions/{testExecutionIdOrKey}/teststeps"
LIST_PAGE = 100  # the most Zephyr answers in a page


def migrate(run_cli, sandbox, db_args, tmp_path):
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args, "--batch-size", "2",
                     "--max-workers", "4", environ=sandbox.environment())
    assert result.code == 0, result


def logged_executions(dataset):
    """Executions that become test logs: run (not Not Executed) and with an end date."""
    names = {status["id"]: status["name"] for status in dataset.statuses}
    return [execution for execution in dataset.testexecutions
            if names.get(execution["statusId"]) != NOT_EXECUTED and execution.get("actualEndDate")]


def test_reference_data_is_read_once_per_run_however_many_batches(run_cli, sandbox, fresh_db_args, tmp_path):
    migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    qtest, zephyr = sandbox.qtest.counters, sandbox.zephyr.counters
    field_writes = sum(count for (method, route), count in qtest.snapshot().items()
                       if method != "GET" and route.startswith(QTEST + "/settings/"))
    assert field_writes, "the sandbox target lacks fields, so the load creates some"
    # test cases and test runs once each, and once more for each after the migration created fields on it
    assert qtest.get("GET", FIELD_SETTINGS) <= 4
    assert qtest.get("GET", EXECUTION_STATUSES) == 1
    assert zephyr.get("GET", "/v2/projects/{projectIdOrKey}") == 1


def test_runs_take_the_version_and_steps_of_their_case_from_its_last_write(run_cli, sandbox, fresh_db_args, tmp_path):
    migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    qtest = sandbox.qtest.counters
    assert qtest.get("PUT", QTEST + "/test-cases/{testCaseId}"), "some cases were rewritten to point at their files"
    assert qtest.get("GET", QTEST + "/test-cases/{testCaseId}") == 0, "no case read back one by one"
    state = sandbox.qtest.state
    versions = {case["id"]: case["version_id"] for case in state.test_cases()}
    runs = state.runs()
    assert runs and all(run["test_case_version_id"] == versions[run["test_case_id"]] for run in runs), \
        "every run is bound to its case's final version"


def test_step_results_are_read_only_for_executions_that_become_logs(run_cli, sandbox, fresh_db_args, tmp_path):
    migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    logged = logged_executions(sandbox.dataset)
    assert 0 < len(logged) < len(sandbox.dataset.testexecutions)
    pages = sum(max(1, math.ceil(len(execution["stepResults"]) / STEPS_PAGE_SIZE)) for execution in logged)
    assert sandbox.zephyr.counters.get("GET", STEP_RESULTS) == pages
    listing = max(1, math.ceil(len(sandbox.dataset.testexecutions) / LIST_PAGE))
    assert sandbox.zephyr.counters.get("GET", "/v2/testexecutions") == listing, "one project-wide listing, no cycle's own"
    logs = sandbox.qtest.state.logs()
    assert len(logs) == len(logged), "every execution that ran still has its log"
    assert sum(len(log["step_logs"]) for log in logs) > 0, "with its step logs"
