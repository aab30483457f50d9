"""Crashes and reruns: the qTest result of an interrupted migration equals that of an uninterrupted one."""

import os
import signal
import subprocess
import time

import pytest

from tests.e2e.conftest import ZTOQ
from tests.e2e.interrupt import SignalAfterCreate
from tests.e2e.oracle import canonical, qtest_cases_by_key
from ztoq_luigi.sandbox import start_sandbox

MODULES = "/api/v3/projects/{projectId}/modules"
TEST_CASES = "/api/v3/projects/{projectId}/test-cases"


def reference_state(run_cli, tmp_path, db_args, size, seed):
    """What an uninterrupted migration of the same project leaves in qTest."""
    sandbox = start_sandbox(size=size, seed=seed)
    try:
        result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "reference"),
                         "--db-path", str(tmp_path / "reference.db"), environ=sandbox.environment())
        assert result.code == 0, result
        return canonical(sandbox)
    finally:
        sandbox.stop()


def assert_same(actual, expected):
    assert actual["modules"] == expected["modules"]
    missing = [case for case in expected["cases"] if case not in actual["cases"]]
    extra = [case for case in actual["cases"] if case not in expected["cases"]]
    assert not missing and not extra, f"missing in qTest: {missing[:3]}\nunexpected in qTest: {extra[:3]}"


def run_until_killed(sandbox, hook, tmp_path, db_args):
    env = dict(os.environ, **sandbox.environment())
    process = subprocess.Popen([ZTOQ, "workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args,
                                "--max-workers", "3"], env=env, cwd=tmp_path, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    hook.pid = process.pid
    try:
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process


def never_killed(process):
    """Why the kill point was not reached: the run ended (its exit code and last words) or ran out of time."""
    stderr = process.stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
    return f"the migration never reached the kill point (exit {process.returncode}): {stderr}"


def kill_then_resume(run_cli, sandbox, route, nth, tmp_path, db_args):
    """Run until qTest has created the nth object on `route` and the tool is killed, then resume."""
    hook = SignalAfterCreate(route, nth)
    sandbox.qtest.add_write_hook(hook)
    process = run_until_killed(sandbox, hook, tmp_path, db_args)
    assert hook.fired.is_set(), never_killed(process)
    assert process.returncode == -signal.SIGKILL
    sandbox.qtest.clear_write_hooks()
    return run_cli("workflow", "resume", *sandbox.workflow_args(tmp_path / "out"), *db_args,
                   environ=sandbox.environment())


@pytest.mark.parametrize("route, nth", [(MODULES, 4), (TEST_CASES, 1), (TEST_CASES, 17)],
                         ids=["during-modules", "first-test-case", "mid-test-cases"])
def test_sigkill_after_qtest_created_an_object_then_resume(run_cli, tmp_path, fresh_db_args, route, nth):
    expected = reference_state(run_cli, tmp_path, fresh_db_args, "tiny", 11)
    sandbox = start_sandbox(size="tiny", seed=11)
    try:
        resumed = kill_then_resume(run_cli, sandbox, route, nth, tmp_path, fresh_db_args)
        assert resumed.code == 0, resumed
        assert_same(canonical(sandbox), expected)
        duplicates = {key: len(cases) for key, cases in qtest_cases_by_key(sandbox.qtest.state).items()
                      if len(cases) != 1}
        assert not duplicates
    finally:
        sandbox.stop()


def test_sigkill_and_resume_under_the_flaky_fault_profile(run_cli, tmp_path, fresh_db_args):
    expected = reference_state(run_cli, tmp_path, fresh_db_args, "tiny", 12)
    sandbox = start_sandbox(size="tiny", seed=12, faults="flaky")
    try:
        hook = SignalAfterCreate(TEST_CASES, 9)
        sandbox.qtest.add_write_hook(hook)
        process = run_until_killed(sandbox, hook, tmp_path, fresh_db_args)
        assert hook.fired.is_set(), never_killed(process)
        sandbox.qtest.clear_write_hooks()
        resumed = run_cli("workflow", "resume", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                          environ=sandbox.environment())
        assert resumed.code == 0, resumed
        assert_same(canonical(sandbox), expected)
    finally:
        sandbox.stop()


def test_resume_of_a_finished_migration_makes_no_request(run_cli, sandbox, tmp_path, fresh_db_args):
    """`resume` continues an interrupted run, and there is nothing to continue (`run` would sync: test_sync.py)."""
    args = [*sandbox.workflow_args(tmp_path / "out"), *fresh_db_args]
    assert run_cli("workflow", "run", *args, environ=sandbox.environment()).code == 0
    sandbox.qtest.counters.reset()
    sandbox.zephyr.counters.reset()
    started = time.monotonic()
    again = run_cli("workflow", "resume", *args, environ=sandbox.environment())
    elapsed = time.monotonic() - started
    assert again.code == 0, again
    assert sandbox.qtest.counters.writes() == 0
    assert sandbox.qtest.counters.total() == 0 and sandbox.zephyr.counters.total() == 0
    print(f"no-op rerun took {elapsed:.2f}s")


def test_phases_run_in_steps_and_a_missing_input_is_named(run_cli, sandbox, tmp_path, fresh_db_args):
    base = ["workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args]
    early = run_cli(*base, "--phases", "load", environ=sandbox.environment())
    assert early.code == 2
    assert "the load phase needs the output of the extract phase" in early.stderr
    assert "--phases extract transform load" in early.stderr

    assert run_cli(*base, "--phases", "extract", "transform", environ=sandbox.environment()).code == 0
    assert sandbox.qtest.counters.writes() == 0
    assert run_cli(*base, "--phases", "load", "validate", environ=sandbox.environment()).code == 0
    assert len(qtest_cases_by_key(sandbox.qtest.state)) == len(sandbox.dataset.testcases)
