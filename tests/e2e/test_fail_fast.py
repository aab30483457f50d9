"""Failing fast and clearly: an unreachable service, a wrong qTest URL, unusable output paths, a crash mid-run."""

import socket
import time

import pytest

from ztoq_luigi.db.models import WorkflowRun


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_line(result):
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout and "unexpected" not in result.stderr
    return result.stderr


def test_an_unreachable_qtest_fails_in_one_line_after_one_retry_budget(run_cli, sandbox, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/api/v3"
    args = [arg if not arg.endswith("/api/v3") else url for arg in sandbox.workflow_args(tmp_path / "out")]
    started = time.monotonic()
    result = run_cli("workflow", "run", *args, environ=sandbox.environment())
    elapsed = time.monotonic() - started
    assert result.code == 5
    line = one_line(result)
    assert line.startswith("ztoq: error: qTest POST ") and "Connection refused" in line
    assert f"expected {url} to be reachable (gave up after 6 attempts in " in line
    assert elapsed < 90, f"one budget of about a minute, not nested retries ({elapsed:.0f} s)"
    assert not WorkflowRun.select().where(WorkflowRun.status == "running").exists()


@pytest.mark.parametrize("url", ["https://acme.qtestnet.com", "https://acme.qtestnet.com/api/v3/projects"])
def test_a_qtest_url_without_api_v3_is_a_config_error(run_cli, tmp_path, url):
    result = run_cli("workflow", "run", "--project-key", "SBX", "--qtest-base-url", url,
                     "--output-dir", str(tmp_path / "out"))
    assert result.code == 2
    assert one_line(result) == (f"ztoq: error: --qtest-base-url: invalid value '{url}'; expected an http(s) URL "
                                "ending in /api/v3, such as https://example.qtestnet.com/api/v3\n")


@pytest.mark.parametrize("in_the_way, expected", [
    ("logs", "--output-dir: cannot create the log directory {out}/logs: a file is in the way"),
    ("reports", "--output-dir: cannot create the report directory {out}/reports: a file is in the way"),
    ("reports/SBX-report.html/", "--output-dir: the report path {out}/reports/SBX-report.html is a directory"),
    ("", "--output-dir: cannot create the log directory {out}/logs (Not a directory)"),
])
def test_an_unusable_log_or_report_path_is_refused_before_the_run_starts(run_cli, sandbox, tmp_path, in_the_way,
                                                                       expected):
    out = tmp_path / "out"
    target = out / in_the_way
    if in_the_way.endswith("/"):
        target.mkdir(parents=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("not a directory", encoding="utf-8")
    result = run_cli("workflow", "run", *sandbox.workflow_args(out), "--db-path", str(tmp_path / "state.db"),
                     environ=sandbox.environment())
    assert result.code == 2
    assert one_line(result).startswith("ztoq: error: " + expected.format(out=out))
    assert sandbox.zephyr.counters.total() == 0 and sandbox.qtest.counters.total() == 0
    assert not (tmp_path / "state.db").exists(), "no run was recorded"


@pytest.mark.parametrize("failure, status, state", [
    (RuntimeError("the scheduler broke"), 1, "failed"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_a_run_that_fails_for_any_reason_is_not_left_running(run_cli, sandbox, tmp_path, monkeypatch, failure,
                                                             status, state):
    def broken_build(*args, **kwargs):
        raise failure
    monkeypatch.setattr("ztoq_luigi.tasks.workflow.luigi.build", broken_build)
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), environ=sandbox.environment())
    assert result.code == status and result.stderr.count("\n") == 1, result
    run = WorkflowRun.select().order_by(WorkflowRun.id.desc()).get()
    assert run.status == state and run.finished_at is not None
    assert run.message == ("the scheduler broke" if state == "failed" else "interrupted")


def test_a_report_to_an_unusable_file_is_one_line(run_cli, sandbox, tmp_path):
    out = tmp_path / "out"
    assert run_cli("workflow", "run", *sandbox.workflow_args(out), environ=sandbox.environment()).code == 0
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(out),
                     "--output-file", str(tmp_path / "file" / "report.html"))
    assert result.code == 2
    assert one_line(result).startswith(f"ztoq: error: --output-file: cannot write the report to "
                                       f"{tmp_path / 'file' / 'report.html'} (a file is in the way of its "
                                       "directory)")
