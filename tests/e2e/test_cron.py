"""scripts/ztoq-cron.sh as cron runs it: no terminal, one run at a time, a log per run, ztoq's exit status."""

import os
import re
import subprocess
import sys
import time

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "ztoq-cron.sh")
LOCKED = 75


@pytest.fixture
def cron(tmp_path, sandbox):
    """Run the wrapper with cron's bare environment plus the sandbox's secrets, detached from any terminal."""
    environ = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
               "ZTOQ_CRON_DIR": str(tmp_path / "cron"), **sandbox.environment()}

    def start(*args):
        return subprocess.Popen(["bash", SCRIPT, *args], env=environ, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    return start


def logs(tmp_path):
    folder = tmp_path / "cron" / "logs"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_second_run_while_one_is_running_starts_nothing_and_says_so(cron, sandbox, tmp_path):
    first = cron("workflow", "run", *sandbox.workflow_args(tmp_path / "out"))
    deadline = time.monotonic() + 30
    while not logs(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert logs(tmp_path), "the first run holds the lock and has its log"

    second = cron("workflow", "run", *sandbox.workflow_args(tmp_path / "out"))
    out, err = second.communicate(timeout=60)
    assert second.returncode == LOCKED
    assert err == (f"ztoq-cron: another run still holds {tmp_path / 'cron' / 'ztoq-cron.lock'}; nothing started "
                   "(exit 75: try again later)\n") and out == ""
    assert len(logs(tmp_path)) == 1, "the refused run wrote no log"

    out, err = first.communicate(timeout=600)
    assert first.returncode == 0 and out == "" and err == "", "quiet on success"
    text = logs(tmp_path)[0].read_text(encoding="utf-8")
    assert re.match(r"^ztoq-cron: started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ on .*: ztoq workflow run\n", text)
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ SBX finished: extract", text, re.M), "timestamped progress"
    assert "\r" not in text and "\x1b[" not in text, "no terminal codes in a log"
    assert text.rstrip().endswith("with exit status 0")
    assert "sandbox-password" not in text and "sandbox-zephyr-token" not in text


def test_the_exit_status_is_passed_through_with_the_log_named(cron, tmp_path):
    run = cron("workflow", "status", "--batch-size", "none")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2
    [log] = logs(tmp_path)
    assert re.fullmatch(r"ztoq-\d{8}T\d{6}Z-\d+\.log", log.name)
    assert err == f"ztoq-cron: ztoq workflow status exited with status 2; log: {log}\n"
    assert "ztoq: error: --batch-size: invalid value 'none'" in log.read_text(encoding="utf-8")


def test_after_the_lock_is_released_the_next_run_starts(cron, sandbox, tmp_path):
    for _ in range(2):
        run = cron("workflow", "status", *sandbox.workflow_args(tmp_path / "out"))
        run.communicate(timeout=60)
        assert run.returncode == 0
