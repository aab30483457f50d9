"""The `ztoq` process under signals and contention: SIGTERM, SIGKILL of the main process, spawn, the run lock.

Tasks run in threads of one process, so whatever happens to that process
happens to the whole migration: nothing outlives it, and `resume` (with a
`status` in between) ends in exactly the state of an uninterrupted run.
"""

import os
import signal
import subprocess
import sys
import time

from tests.e2e.conftest import ZTOQ
from tests.e2e.interrupt import SignalAfterCreate, settled_writes
from tests.e2e.test_executions import executions_canonical
from tests.e2e.test_resume import TEST_CASES, assert_same
from tests.e2e.oracle import canonical, qtest_cases_by_key
from ztoq_luigi.sandbox import start_sandbox

SIZE, SEED = "tiny", 21


def reference(run_cli, tmp_path, size=SIZE, seed=SEED):
    """qTest after an undisturbed migration of the same generated project: what an interrupted one must equal."""
    sandbox = start_sandbox(size=size, seed=seed)
    try:
        result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "reference"),
                         "--db-path", str(tmp_path / "reference.db"), environ=sandbox.environment())
        assert result.code == 0, result
        return canonical(sandbox), executions_canonical(sandbox)
    finally:
        sandbox.stop()


def start(sandbox, tmp_path, db_args, *extra, python=None):
    env = dict(os.environ, **sandbox.environment())
    command = [*(python or [ZTOQ]), "workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args,
               "--max-workers", "4", *extra]
    return subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process, timeout=240):
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return out, err


def group_is_empty(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def assert_identical(sandbox, expected):
    design, history = expected
    assert_same(canonical(sandbox), design)
    assert not [key for key, cases in qtest_cases_by_key(sandbox.qtest.state).items() if len(cases) != 1]
    actual = executions_canonical(sandbox)
    assert actual == history


def test_sigterm_during_the_load_stops_cleanly_and_resume_completes(run_cli, tmp_path, fresh_db_args):
    expected = reference(run_cli, tmp_path)
    sandbox = start_sandbox(size=SIZE, seed=SEED)
    try:
        hook = SignalAfterCreate(TEST_CASES, 6, signal.SIGTERM)
        sandbox.qtest.add_write_hook(hook)
        process = start(sandbox, tmp_path, fresh_db_args)
        hook.pid = process.pid
        _, err = finish(process)
        assert hook.fired.is_set(), "the migration never reached the signal point"
        sandbox.qtest.clear_write_hooks()
        assert process.returncode == 143, err
        assert "interrupted by SIGTERM" in err and "ztoq workflow resume --project-key" in err, err
        assert "Traceback" not in err
        assert group_is_empty(process.pid)
        status = run_cli("workflow", "status", "--project-key", sandbox.project_key, *fresh_db_args,
                         "--output-dir", str(tmp_path / "out"))
        assert "interrupted" in status.stdout, status
        resumed = run_cli("workflow", "resume", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                          environ=sandbox.environment())
        assert resumed.code == 0, resumed
        assert_identical(sandbox, expected)
    finally:
        sandbox.stop()


def test_sigkill_of_the_main_process_then_status_then_resume_equals_a_clean_run(run_cli, tmp_path, fresh_db_args):
    expected = reference(run_cli, tmp_path)
    sandbox = start_sandbox(size=SIZE, seed=SEED)
    try:
        hook = SignalAfterCreate(TEST_CASES, 9, signal.SIGKILL)
        sandbox.qtest.add_write_hook(hook)
        process = start(sandbox, tmp_path, fresh_db_args)
        hook.pid = process.pid
        _, err = finish(process)
        assert hook.fired.is_set() and process.returncode == -signal.SIGKILL, (
            f"the run was not killed at the 9th test case: exit {process.returncode}, {err.strip()[-800:]}")
        assert group_is_empty(process.pid), "a process of the killed run is still alive"
        writes = settled_writes(sandbox.qtest.counters)
        status = run_cli("workflow", "status", "--project-key", sandbox.project_key, *fresh_db_args,
                         "--output-dir", str(tmp_path / "out"))
        assert status.code in (0, 1), status
        time.sleep(0.5)
        assert sandbox.qtest.counters.writes() == writes, "something went on writing to qTest after the kill"
        sandbox.qtest.clear_write_hooks()
        resumed = run_cli("workflow", "resume", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                          environ=sandbox.environment())
        assert resumed.code == 0, resumed
        assert "took over the run lock" in resumed.stderr
        assert_identical(sandbox, expected)
    finally:
        sandbox.stop()


SPAWNED = ("import multiprocessing, sys\n"
           "multiprocessing.set_start_method('spawn', force=True)\n"
           "from ztoq_luigi.cli import main\n"
           "sys.exit(main(sys.argv[1:]))\n")


def test_the_migration_is_the_same_under_the_spawn_start_method(run_cli, tmp_path, fresh_db_args):
    expected = reference(run_cli, tmp_path)
    sandbox = start_sandbox(size=SIZE, seed=SEED)
    try:
        process = start(sandbox, tmp_path, fresh_db_args, python=[sys.executable, "-c", SPAWNED])
        _, err = finish(process)
        assert process.returncode == 0, err
        assert_identical(sandbox, expected)
    finally:
        sandbox.stop()


def test_two_runs_of_one_project_started_together_one_refuses(tmp_path, fresh_db_args):
    sandbox = start_sandbox(size=SIZE, seed=SEED, latency_ms=5)
    try:
        first = start(sandbox, tmp_path, fresh_db_args)
        second = start(sandbox, tmp_path, fresh_db_args)
        results = sorted([(first.wait(240), finish(first)[1]), (second.wait(240), finish(second)[1])])
        (done, _), (refused, message) = results
        assert (done, refused) == (0, 7), results
        assert "is being migrated with this state database: run by pid" in message
        assert len(message.strip().splitlines()) == 1
        assert not [key for key, cases in qtest_cases_by_key(sandbox.qtest.state).items() if len(cases) != 1]
    finally:
        sandbox.stop()


def test_max_workers_bounds_the_requests_in_flight_to_each_service(run_cli, tmp_path, fresh_db_args):
    sandbox = start_sandbox(size="small", seed=SEED, latency_ms=10)
    try:
        result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                         "--max-workers", "3", environ=sandbox.environment())
        assert result.code == 0, result
        assert sandbox.qtest.counters.peak == 3
        assert sandbox.zephyr.counters.peak == 3
    finally:
        sandbox.stop()
