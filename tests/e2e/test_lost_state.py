"""A migration whose state database is lost runs again without duplicating or rewriting anything in qTest.

The state can be deleted, be another one (another --output-dir), or be
cleaned up; qTest keeps what the first run created. The rerun finds it in
bulk, adopts it, creates nothing and says how much it adopted.
"""

import json
import os
import signal

import jsonschema
import pytest

from tests.e2e.interrupt import SignalAfterCreate
from tests.e2e.oracle import canonical, qtest_cases_by_key
from tests.e2e.test_report_view import SCHEMA
from tests.e2e.test_executions import executions_canonical
from tests.e2e.test_resume import run_until_killed
from ztoq_luigi.sandbox import start_sandbox
from ztoq_luigi.sandbox.http import WRITE_METHODS


def qtest_writes(sandbox):
    """{(method, route): count} of the requests that change qTest (a Data Query and a login only read)."""
    counters = sandbox.qtest.counters
    return {(method, route): n for (method, route), n in counters.snapshot().items()
            if method in WRITE_METHODS and not counters.is_read_by_post(route)}


def qtest_as_is(sandbox):
    """What a user sees in qTest: design and execution history, compared without ids."""
    return canonical(sandbox), executions_canonical(sandbox), len(sandbox.qtest.state.attachment_files())


def migrate(run_cli, sandbox, output_dir, db_args, command="run"):
    result = run_cli("workflow", command, *sandbox.workflow_args(output_dir), *db_args, environ=sandbox.environment())
    assert result.code == 0, result
    return result


def adopted_status(run_cli, sandbox, output_dir, db_args):
    result = run_cli("workflow", "status", *sandbox.workflow_args(output_dir), *db_args, "--format", "json",
                     environ=sandbox.environment())
    assert result.code == 0, result
    return json.loads(result.stdout)["adopted"]


def first_migration(run_cli, sandbox, tmp_path, db_args):
    migrate(run_cli, sandbox, tmp_path / "out", db_args)
    expected = qtest_as_is(sandbox)
    sandbox.qtest.counters.reset()
    return expected


def assert_adopted_everything(run_cli, sandbox, expected, output_dir, db_args, rerun):
    assert qtest_writes(sandbox) == {}
    assert qtest_as_is(sandbox) == expected
    cases = len(sandbox.dataset.testcases)
    assert f"qTest already held {cases} test cases" in rerun.stdout and "adopted, not created again" in rerun.stdout
    adopted = adopted_status(run_cli, sandbox, output_dir, db_args)
    assert adopted["testcase"] == cases and adopted["module"] > 0 and adopted["testrun"] > 0
    assert adopted["testlog"] > 0 and adopted["embedded-file"] > 0
    report = run_cli("workflow", "report", *sandbox.workflow_args(output_dir), *db_args, "--report-format", "json",
                     "--output-file", str(output_dir / "report.json"), environ=sandbox.environment())
    assert report.code == 0, report
    full = json.loads((output_dir / "report.json").read_text())
    with open(SCHEMA, encoding="utf-8") as handle:
        jsonschema.validate(full, json.load(handle))
    assert full["summary"]["adopted"] == adopted
    events = run_cli("workflow", "events", *sandbox.workflow_args(output_dir), *db_args,
                     environ=sandbox.environment())
    assert f"qTest already holds {adopted['module']} modules, {cases} test cases of the test design" in events.stdout
    html = next((output_dir / "reports").glob("*.html")).read_text()
    assert f"{sum(adopted.values())}</b> adopted from qTest" in html


def test_a_deleted_state_database_creates_nothing_again(run_cli, sandbox, tmp_path):
    db_args = ["--db-path", str(tmp_path / "state.db")]
    expected = first_migration(run_cli, sandbox, tmp_path, db_args)
    os.remove(tmp_path / "state.db")
    rerun = migrate(run_cli, sandbox, tmp_path / "out", db_args)
    assert_adopted_everything(run_cli, sandbox, expected, tmp_path / "out", db_args, rerun)


def test_another_output_dir_creates_nothing_again(run_cli, sandbox, tmp_path):
    expected = first_migration(run_cli, sandbox, tmp_path, [])
    rerun = migrate(run_cli, sandbox, tmp_path / "elsewhere", [])
    assert_adopted_everything(run_cli, sandbox, expected, tmp_path / "elsewhere", [], rerun)


def test_cleanup_then_run_creates_nothing_again(run_cli, sandbox, tmp_path):
    db_args = ["--db-path", str(tmp_path / "state.db")]
    expected = first_migration(run_cli, sandbox, tmp_path, db_args)
    cleaned = run_cli("workflow", "cleanup", *sandbox.workflow_args(tmp_path / "out"), *db_args, "--yes",
                      environ=sandbox.environment())
    assert cleaned.code == 0, cleaned
    rerun = migrate(run_cli, sandbox, tmp_path / "out", db_args)
    assert_adopted_everything(run_cli, sandbox, expected, tmp_path / "out", db_args, rerun)


@pytest.mark.parametrize("route, nth, adopted_type", [
    ("/api/v3/projects/{projectId}/test-cases", 9, "testcase"),
    ("/api/v3/projects/{projectId}/test-runs/{testRunId}/test-logs", 6, "testlog"),
], ids=["mid-test-cases", "mid-test-logs"])
def test_a_partly_loaded_project_whose_state_is_lost_gets_the_rest_once(run_cli, tmp_path, route, nth, adopted_type):
    reference = start_sandbox(size="tiny", seed=5)
    try:
        migrate(run_cli, reference, tmp_path / "reference", ["--db-path", str(tmp_path / "reference.db")])
        expected = qtest_as_is(reference)
    finally:
        reference.stop()
    sandbox = start_sandbox(size="tiny", seed=5)
    try:
        db_args = ["--db-path", str(tmp_path / "state.db")]
        hook = SignalAfterCreate(route, nth)
        sandbox.qtest.add_write_hook(hook)
        process = run_until_killed(sandbox, hook, tmp_path, db_args)
        assert hook.fired.is_set() and process.returncode == -signal.SIGKILL
        sandbox.qtest.clear_write_hooks()
        os.remove(tmp_path / "state.db")
        migrate(run_cli, sandbox, tmp_path / "out", db_args)
        assert qtest_as_is(sandbox) == expected
        assert all(len(cases) == 1 for cases in qtest_cases_by_key(sandbox.qtest.state).values())
        assert adopted_status(run_cli, sandbox, tmp_path / "out", db_args)[adopted_type] >= nth
    finally:
        sandbox.stop()
