"""Two hosts on one run through luigid and PostgreSQL: both take batches, one is killed, the other finishes.

The hosts are two `ztoq` processes on loopback, which is all a host is to
luigid and to the state database. The result must be exactly that of one
uninterrupted run: every batch done once, nothing lost or duplicated in qTest.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import luigi.task_register
import peewee
import pytest

from tests.conftest import BACKEND, PG
from tests.e2e.conftest import ZTOQ
from tests.e2e.interrupt import settled_writes
from tests.e2e.test_migration import check_cases, check_modules, rendered
from tests.e2e import test_process_control as process_control
from tests.e2e.test_process_control import assert_identical, group_is_empty
from tests.e2e.test_rate_limits import SERVICES, Arrivals
from tests.e2e.oracle import AttachedView
from tests.e2e.test_scheduling import free_port
from ztoq_luigi.kinds import Phase
from ztoq_luigi.sandbox import start_sandbox
from ztoq_luigi.tasks.base import BatchTask
from ztoq_luigi.tasks.workflow import MigrateProject

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="hosts share a run through one PostgreSQL database "
                                "(ZTOQ_TEST_DB=postgresql); an SQLite file cannot be shared between hosts")

SIZE, SEED = "tiny", 17
DISCONNECT_DELAY = 3
LIMIT = 12


@pytest.fixture
def luigid(tmp_path):
    """luigid on a free loopback port, forgetting a silent worker after DISCONNECT_DELAY seconds."""
    config = tmp_path / "luigid.cfg"
    config.write_text(f"[scheduler]\nworker_disconnect_delay = {DISCONNECT_DELAY}\n")
    port = free_port()
    process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "luigid"), "--address", "127.0.0.1",
                                "--port", str(port), "--state-path", str(tmp_path / "luigid.pickle")],
                               env=dict(os.environ, LUIGI_CONFIG_PATH=str(config)), cwd=tmp_path,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: luigid_tasks(port, "DONE") is not None, 20, "luigid did not start")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def luigid_tasks(port, status):
    query = urllib.parse.quote(json.dumps({"status": status, "upstream_status": "", "search": ""}))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/task_list?data={query}", timeout=5) as answer:
            return json.loads(answer.read().decode("utf-8"))["response"]
    except OSError:
        return None


def wait_for(condition, timeout, failure, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    pytest.fail(failure)


def state_database(db_args):
    return peewee.PostgresqlDatabase(db_args[db_args.index("--database") + 1], **PG)


def rows(db_args, sql):
    database = state_database(db_args)
    try:
        return database.execute_sql(sql).fetchall()
    except peewee.ProgrammingError:
        return []
    finally:
        database.close()


def start_host(sandbox, tmp_path, db_args, port, name, *extra, command="run"):
    command = [ZTOQ, "workflow", command, *sandbox.workflow_args(tmp_path / name), *db_args, "--max-workers", "2",
               "--batch-size", "2", "--scheduler-host", "127.0.0.1", "--scheduler-port", str(port), *extra]
    return subprocess.Popen(command, env=dict(os.environ, **sandbox.environment()), cwd=tmp_path,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_hosts(hosts):
    """Kill what is left of the hosts' process groups, so no process outlives the test."""
    for host in hosts:
        if host.poll() is None:
            os.killpg(host.pid, signal.SIGKILL)
            host.wait()


def batches_by_pid(db_args):
    done = rows(db_args, "SELECT done_by, count(*) FROM ztoq_marker WHERE kind = 'batch' GROUP BY done_by")
    return {int(done_by.rsplit(" pid ", 1)[1]): count for done_by, count in done if done_by}


def load_batches_running_on(port, pid):
    """The batches writing to qTest that luigid sees running on the host with this pid."""
    running = luigid_tasks(port, "RUNNING") or {}
    return {task_id: task for task_id, task in running.items()
            if is_load_batch(task["name"]) and f"pid={pid}" in (task.get("worker_running") or "")}


def is_load_batch(family):
    task_class = luigi.task_register.Register.get_task_cls(family)
    return issubclass(task_class, BatchTask) and task_class.phase == Phase.LOAD


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_two_hosts_share_a_run_and_the_survivor_finishes_the_batches_of_the_stopped_one(run_cli, tmp_path,
                                                                                        fresh_db_args, luigid, signum):
    """SIGKILL: luigid stops hearing the host; SIGTERM: the host finishes its requests in flight and leaves."""
    expected = process_control.reference(run_cli, tmp_path, SIZE, SEED)
    sandbox = start_sandbox(size=SIZE, seed=SEED, latency_ms=40)
    hosts = []
    try:
        first = start_host(sandbox, tmp_path, fresh_db_args, luigid, "first")
        hosts.append(first)
        wait_for(lambda: rows(fresh_db_args, "SELECT 1 FROM ztoq_run_host WHERE run_id IS NOT NULL"), 60,
                 "the first host never started its run")
        second = start_host(sandbox, tmp_path, fresh_db_args, luigid, "second")
        hosts.append(second)

        def both_working_and_first_mid_batch():
            done = batches_by_pid(fresh_db_args)
            return first.pid in done and second.pid in done and load_batches_running_on(luigid, first.pid)

        killed_mid = wait_for(both_working_and_first_mid_batch, 180,
                              "the two hosts never both did batches while the first was loading one")
        os.killpg(first.pid, signum)
        _, first_err = first.communicate(timeout=120)
        settled_writes(sandbox.qtest.counters)
        out, err = second.communicate(timeout=300)

        if signum == signal.SIGKILL:
            assert first.returncode == -signal.SIGKILL
        else:
            assert first.returncode == 143, first_err
            assert "run #1 goes on on " in first_err, first_err
            assert ("ztoq: error: interrupted by SIGTERM: the requests in flight finished and were recorded; the "
                    "other hosts of the run take over what this one was doing\n") in first_err
        assert second.returncode == 0, err
        assert f"joined run #1 of {sandbox.project_key}" in err and "run SBX done (run #1)" in out, (out, err)
        assert (tmp_path / "second" / "reports" / "SBX-report.html").exists()
        assert group_is_empty(first.pid) and group_is_empty(second.pid)
        assert rows(fresh_db_args, "SELECT id, status FROM ztoq_workflow_run") == [(1, "succeeded")]
        assert rows(fresh_db_args, "SELECT count(*) FROM ztoq_run_lock") == [(0,)]
        done = batches_by_pid(fresh_db_args)
        assert set(done) == {first.pid, second.pid} and all(done.values()), done
        status = run_cli("workflow", "status", "--project-key", "SBX", *fresh_db_args, "--output-dir",
                         str(tmp_path / "second"))
        shared = next(line for line in status.stdout.splitlines() if line.startswith("Batches by host in run #1: "))
        assert all(f" pid {pid} {count}" in shared for pid, count in done.items()), shared
        finished = luigid_tasks(luigid, "DONE")
        assert set(killed_mid) <= set(finished), "a batch the stopped host was running was never finished"
        assert [task["name"] for task in finished.values()].count(MigrateProject.get_task_family()) == 1

        dataset, state = rendered(sandbox), AttachedView(sandbox.qtest.state)
        problems = check_modules(dataset, state) + check_cases(dataset, state)
        assert not problems, "\n".join(problems[:20])
        assert_identical(sandbox, expected)
    finally:
        stop_hosts(hosts)
        sandbox.stop()


def test_two_hosts_given_the_rate_limit_share_it_and_stay_under_it(run_cli, tmp_path, fresh_db_args, luigid):
    """Each host alone would send up to the limit; together they must not send more than one host would.
    The second host is a `ztoq workflow worker`: it joins the run, it never starts one."""
    expected = process_control.reference(run_cli, tmp_path)
    sandbox = start_sandbox(size=process_control.SIZE, seed=process_control.SEED, rate_limit=LIMIT)
    arrivals = Arrivals(sandbox)
    limits = ("--zephyr-rate-limit", str(LIMIT), "--qtest-rate-limit", str(LIMIT), "--max-workers", "8")
    hosts = []
    try:
        hosts.append(start_host(sandbox, tmp_path, fresh_db_args, luigid, "first", *limits))
        wait_for(lambda: rows(fresh_db_args, "SELECT 1 FROM ztoq_run_host WHERE run_id IS NOT NULL"), 60,
                 "the first host never started its run")
        hosts.append(start_host(sandbox, tmp_path, fresh_db_args, luigid, "second", *limits, command="worker"))
        outputs = [host.communicate(timeout=300) for host in hosts]
        assert [host.returncode for host in hosts] == [0, 0], outputs
        endings = [out for out, _ in outputs if "SBX done (run #1); report: " in out]
        assert len(endings) == 1, outputs
        assert [out for out, _ in outputs if "part of run #1 is done" in out], outputs
        assert set(batches_by_pid(fresh_db_args)) == {host.pid for host in hosts}
        assert_identical(sandbox, expected)
        for service in SERVICES:
            assert arrivals.busiest_second(service) <= LIMIT + 1, service
            assert arrivals.throttled(service) <= 3, (service, arrivals.throttled(service), arrivals.total(service))
    finally:
        stop_hosts(hosts)
        sandbox.stop()
