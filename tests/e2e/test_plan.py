"""`ztoq workflow plan` / `run --dry-run`: what a load would do, with nothing written to qTest."""

import json
import os
import re

import pytest

from ztoq_luigi.db.models import Event

from tests.e2e.oracle import folder_paths, qtest_cases_by_key

LOGIN = ("POST", "/oauth/token")


def test_plan_counts_what_would_be_created_and_writes_nothing(run_cli, sandbox, tmp_path):
    args = ["workflow", "plan", *sandbox.workflow_args(tmp_path / "out"), "--format", "json"]
    result = run_cli(*args, environ=sandbox.environment())
    assert result.code == 0, result
    plan = json.loads(result.stdout)
    cases, folders = len(sandbox.dataset.testcases), len(folder_paths(sandbox.dataset))
    assert plan["would_create"]["testcase"]["to_create"] == cases
    assert plan["would_create"]["module"]["to_create"] >= folders
    assert "field 'Zephyr Key' (text)" in plan["fields_to_create"]
    assert "field 'Labels' (multi-select)" in plan["fields_to_create"]
    assert "test-run field 'Zephyr Key' (text)" in plan["fields_to_create"]
    writes = {route: n for (method, route), n in sandbox.qtest.counters.snapshot().items() if method != "GET"}
    assert writes == {LOGIN[1]: 1}, writes
    assert not sandbox.qtest.state.test_cases()
    assert all(counts["to_adopt"] == 0 for counts in plan["would_create"].values())
    assert plan["would_create"]["testlog"]["to_create"] == plan["would_create"]["testlog"]["ready"] > 0

    reads = sandbox.zephyr.counters.total()
    run = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), environ=sandbox.environment())
    assert run.code == 0, run
    assert sandbox.zephyr.counters.total() == reads, "the run extracted again what the plan had extracted"
    assert len(qtest_cases_by_key(sandbox.qtest.state)) == cases


def test_dry_run_names_unmapped_values_and_exits_2(run_cli, sandbox, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("statuses:\n  Deprecated: Retired\nexecution_statuses:\n  Blocked: Stuck\n", encoding="utf-8")
    result = run_cli("workflow", "run", "--dry-run", *sandbox.workflow_args(tmp_path / "out"), "--mapping",
                     str(mapping), environ=sandbox.environment())
    assert result.code == 2
    assert "Zephyr status 'Deprecated' maps to 'Retired': qTest field 'Status' has no value 'Retired'" in result.stdout
    assert "Zephyr execution status 'Blocked' maps to 'Stuck': qTest has no such execution status" in result.stdout
    assert "nothing was written to qTest" in result.stdout
    assert not sandbox.qtest.state.test_cases()


@pytest.mark.sandbox_size("small")
def test_plan_json_is_the_whole_plan_on_stdout(run_cli, sandbox, tmp_path):
    """Valid JSON from the first byte (progress goes to stderr), and no list silently cut at 200."""
    result = run_cli("workflow", "plan", *sandbox.workflow_args(tmp_path / "out"), "--format", "json",
                     environ=sandbox.environment())
    assert result.code == 0, result
    plan = json.loads(result.stdout)
    warnings = Event.select().where((Event.project_key == "SBX") & (Event.level == "WARNING")).count()
    assert len(plan["migrated_with_changes"]) == warnings > 200
    assert re.match(r"^\d{4}-\d\d-\d\dT", result.stderr), "progress is on stderr, timestamped in a log"

    text = run_cli("workflow", "plan", *sandbox.workflow_args(tmp_path / "out"), environ=sandbox.environment())
    assert f"Migrated with changes ({warnings}, by kind; every one: --format json):" in text.stdout
    assert "Users not in the user mapping: the field is left empty" in text.stdout


def test_plan_after_a_lost_state_database_adopts_everything_and_creates_nothing(run_cli, sandbox, tmp_path):
    """A QA lead rehearsing a rerun whose state is gone sees what the run would do: adopt, not create (with the
    state kept: everything already there and unchanged)."""
    db_args = ["--db-path", str(tmp_path / "state.db")]
    first = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args,
                    environ=sandbox.environment())
    assert first.code == 0, first
    args = ["workflow", "plan", *sandbox.workflow_args(tmp_path / "out"), *db_args]
    kept = run_cli(*args, "--format", "json", environ=sandbox.environment())
    assert kept.code == 0, kept
    for entity_type, counts in json.loads(kept.stdout)["would_create"].items():
        assert counts["already_in_qtest"] == counts["ready"] > 0, (entity_type, counts)
        assert counts["unchanged"] == counts["ready"], (entity_type, counts)
        assert counts["to_create"] == counts["to_adopt"] == counts["to_update"] == 0, (entity_type, counts)
    os.remove(tmp_path / "state.db")
    sandbox.qtest.counters.reset()
    result = run_cli(*args, "--format", "json", environ=sandbox.environment())
    assert result.code == 0, result
    assert sandbox.qtest.counters.writes() == 0
    would = json.loads(result.stdout)["would_create"]
    assert {"module", "testcase", "release", "cycle", "testrun", "testlog"} <= set(would)
    for entity_type, counts in would.items():
        assert counts["to_create"] == 0 and counts["to_adopt"] == counts["ready"] > 0, (entity_type, counts)
    assert would["testcase"]["to_adopt"] == len(sandbox.dataset.testcases)

    text = run_cli(*args, environ=sandbox.environment())
    assert f"      0 Test cases ({len(sandbox.dataset.testcases)} to adopt)" in text.stdout, text.stdout
    assert sandbox.qtest.counters.writes() == 0
