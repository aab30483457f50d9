"""The pipeline under luigid and under Luigi's own CLI, and the secrets nobody may see."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from ztoq_luigi.sandbox.launch import QTEST_PASSWORD, ZEPHYR_TOKEN

LUIGI_BIN = os.path.dirname(sys.executable)
SECRETS = (ZEPHYR_TOKEN, QTEST_PASSWORD)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def luigid(tmp_path):
    port = free_port()
    process = subprocess.Popen([os.path.join(LUIGI_BIN, "luigid"), "--address", "127.0.0.1", "--port", str(port),
                                "--state-path", str(tmp_path / "luigid.pickle")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("luigid did not start")
    yield port
    process.terminate()
    process.wait(timeout=10)


def luigid_tasks(port):
    query = urllib.parse.quote(json.dumps({"status": "DONE", "upstream_status": "", "search": ""}))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/task_list?data={query}", timeout=10) as answer:
        return answer.read().decode("utf-8")


def files_text(root):
    for directory, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                yield os.path.join(directory, name), handle.read().decode("utf-8", "replace")


def test_run_under_luigid_shows_tasks_but_no_secret(run_cli, sandbox, tmp_path, luigid):
    out = tmp_path / "out"
    result = run_cli("workflow", "run", *sandbox.workflow_args(out), "--scheduler-host", "127.0.0.1",
                     "--scheduler-port", str(luigid), environ=sandbox.environment())
    assert result.code == 0, result
    listing = luigid_tasks(luigid)
    tasks = json.loads(listing)["response"]
    families = {task["name"] for task in tasks.values()}
    assert {"MigrateProject", "ExtractPhase", "LoadTestCases", "ValidatePhase"} <= families
    for secret in SECRETS:
        assert secret not in listing
        assert secret not in result.stdout + result.stderr
        leaking = [path for path, text in files_text(out) if secret in text]
        assert not leaking, f"{secret!r} written to {leaking}"


def test_luigi_own_cli_runs_the_pipeline_with_settings_from_the_environment(sandbox, tmp_path):
    env = dict(os.environ, **sandbox.environment(), ZTOQ_ZEPHYR_BASE_URL=sandbox.zephyr_url,
               ZTOQ_QTEST_BASE_URL=sandbox.qtest_url, ZTOQ_QTEST_USERNAME="api.user@example.com",
               ZTOQ_QTEST_PROJECT_ID="12345", ZTOQ_OUTPUT_DIR=str(tmp_path / "out"))
    finished = subprocess.run([os.path.join(LUIGI_BIN, "luigi"), "--module", "ztoq_luigi.tasks.workflow",
                               "MigrateProject", "--project-key", "SBX", "--local-scheduler", "--workers", "1"],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "This progress looks :)" in finished.stdout + finished.stderr, finished.stderr[-2000:]
    keys = {case["properties"].get("Zephyr Key") for case in sandbox.qtest.state.test_cases()}
    assert keys == {case["key"] for case in sandbox.dataset.testcases}
