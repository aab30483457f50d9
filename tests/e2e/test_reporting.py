"""What `status` and `report` tell a user after a migration, in each format."""

import json

import pytest

from ztoq_luigi.db.models import ErrorRecord


@pytest.fixture
def migrated(run_cli, sandbox, tmp_path):
    out = tmp_path / "out"
    result = run_cli("workflow", "run", *sandbox.workflow_args(out), environ=sandbox.environment())
    assert result.code == 0, result
    return ["--project-key", "SBX", "--output-dir", str(out)]


def test_status_json_for_scripts(run_cli, sandbox, migrated):
    result = run_cli("workflow", "status", *migrated, "--format", "json")
    assert result.code == 0
    status = json.loads(result.stdout)
    cases = len(sandbox.dataset.testcases)
    assert status["entities"]["testcase"] == {"name": "Test cases", "extracted": cases, "transformed": cases,
                                              "loaded": cases, "adopted": 0, "pending": 0, "confirmed": cases,
                                              "failed": 0}
    assert status["adopted"] == {}, "a first migration adopts nothing"
    assert status["finished_phases"] == ["extract", "transform", "load", "validate"]
    assert status["latest_run"]["status"] == "succeeded"
    assert all(status["timings"][phase]["tasks"] > 0 for phase in status["finished_phases"])


def test_status_json_when_nothing_was_recorded(run_cli, tmp_path):
    result = run_cli("workflow", "status", "--project-key", "NONE", "--output-dir", str(tmp_path), "--format", "json")
    assert result.code == 0 and json.loads(result.stdout)["recorded"] is False


def test_json_report_has_counts_timings_and_no_errors(run_cli, sandbox, migrated, tmp_path):
    path = tmp_path / "report.json"
    result = run_cli("workflow", "report", *migrated, "--output-file", str(path))
    assert result.code == 0 and "json report for SBX written to" in result.stdout
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["entities"]["testcase"]["loaded"] == len(sandbox.dataset.testcases)
    assert list(report["timings"]) == ["extract", "transform", "load", "validate"]
    assert report["errors"] == [] and [i for i in report["validation"]["issues"] if i["severity"] != "info"] == []
    assert set(report["validation"]["counts"]) <= {"info"}, "the sandbox's owners are not mapped: information only"
    assert report["runs"][0]["status"] == "succeeded"


def test_html_report_is_one_self_contained_file(run_cli, migrated, tmp_path):
    path = tmp_path / "report.html"
    assert run_cli("workflow", "report", *migrated, "--output-file", str(path)).code == 0
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Zephyr Scale to qTest migration: SBX" in html
    assert "<link" not in html and "<script" not in html and "src=" not in html
    assert "<td>Test cases</td>" in html and "<td>testcase</td>" not in html


def test_text_report_to_stdout(run_cli, migrated):
    result = run_cli("workflow", "report", *migrated, "--report-format", "text")
    assert result.code == 0
    assert "ENTITIES" in result.stdout and "PHASES" in result.stdout and "Nothing failed." in result.stdout
    assert "VERDICT: Complete: everything was migrated to qTest and validated against Zephyr." in result.stdout


def test_html_report_escapes_what_came_from_zephyr(run_cli, sandbox, tmp_path):
    sandbox.dataset.testcases[0]["name"] = None
    out = tmp_path / "out"
    run_cli("workflow", "run", *sandbox.workflow_args(out), environ=sandbox.environment())
    changed = ErrorRecord.update(message="<script>alert(1)</script>").where(
        ErrorRecord.entity_key.is_null(False)).execute()
    assert changed == 1
    path = tmp_path / "report.html"
    assert run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(out),
                   "--output-file", str(path)).code == 0
    html = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
