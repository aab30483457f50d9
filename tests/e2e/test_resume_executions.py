"""A migration killed while it creates test runs or submits test logs, then resumed, equals an uninterrupted one."""

from collections import Counter

import pytest

from tests.e2e.test_executions import executions_canonical
from tests.e2e.test_resume import kill_then_resume
from ztoq_luigi.sandbox import start_sandbox

TEST_RUNS = "/api/v3/projects/{projectId}/test-runs"
TEST_LOGS = "/api/v3/projects/{projectId}/test-runs/{testRunId}/test-logs"
SIZE, SEED = "tiny", 11


def reference_history(run_cli, tmp_path):
    """The execution history an uninterrupted migration of the same project leaves in qTest."""
    sandbox = start_sandbox(size=SIZE, seed=SEED)
    try:
        result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "reference"),
                         "--db-path", str(tmp_path / "reference.db"), environ=sandbox.environment())
        assert result.code == 0, result
        return executions_canonical(sandbox)
    finally:
        sandbox.stop()


@pytest.mark.parametrize("route, nth", [(TEST_RUNS, 1), (TEST_RUNS, 23), (TEST_LOGS, 1), (TEST_LOGS, 31)],
                         ids=["first-run", "mid-runs", "first-log", "mid-logs"])
def test_sigkill_while_loading_runs_or_logs_then_resume(run_cli, tmp_path, fresh_db_args, route, nth):
    expected = reference_history(run_cli, tmp_path)
    sandbox = start_sandbox(size=SIZE, seed=SEED)
    try:
        resumed = kill_then_resume(run_cli, sandbox, route, nth, tmp_path, fresh_db_args)
        assert resumed.code == 0, resumed
        state = sandbox.qtest.state
        run_keys = Counter(run["properties"].get("Zephyr Key") for run in state.runs())
        assert [key for key, count in run_keys.items() if count > 1] == []
        markers = Counter(line for log in state.logs() for line in log["note"].splitlines()
                          if line.startswith("Zephyr execution "))
        assert [marker for marker, count in markers.items() if count > 1] == []
        actual = executions_canonical(sandbox)
        assert actual["cycles"] == expected["cycles"]
        assert actual["releases"] == expected["releases"]
        missing = [run for run in expected["runs"] if run not in actual["runs"]]
        extra = [run for run in actual["runs"] if run not in expected["runs"]]
        assert not missing and not extra, f"missing in qTest: {missing[:2]}\nunexpected in qTest: {extra[:2]}"
    finally:
        sandbox.stop()
