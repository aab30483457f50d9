"""The `ztoq` CLI as a user meets it: help, flags, configuration errors, status and cleanup."""

import os
import subprocess
import sys

import pytest

from ztoq_luigi.db.models import EntityMap, ErrorRecord, Event, ExtractedEntity, Marker, WorkflowRun

SEED_FLAGS = [
    "--project-key", "--db-type", "--db-path", "--host", "--port", "--username", "--password", "--database",
    "--zephyr-base-url", "--zephyr-api-token", "--qtest-base-url", "--qtest-username", "--qtest-password",
    "--qtest-project-id", "--phases", "--batch-size", "--max-workers", "--no-validation", "--attachments-dir",
    "--output-dir", "--qtest-api-token", "--config",
]
COMMANDS = ["run", "resume", "status", "events", "report", "validate", "cleanup", "worker"]


def test_workflow_help_lists_the_six_commands(run_cli):
    result = run_cli("workflow", "--help")
    assert result.code == 0
    for command in COMMANDS:
        assert f"    {command} " in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_every_seed_flag(run_cli, command):
    result = run_cli("workflow", command, "--help")
    assert result.code == 0
    for flag in SEED_FLAGS:
        assert flag in result.stdout, f"{command} lacks {flag}"
    assert "--phases PHASE [PHASE ...]" in result.stdout


def test_report_adds_output_file_and_format(run_cli):
    text = run_cli("workflow", "report", "--help").stdout
    assert "--output-file" in text and "--report-format {json,html,text}" in text


@pytest.mark.parametrize("args, expected", [
    (["--batch-size", "many"], "ztoq: error: --batch-size: invalid value 'many'; expected a whole number of at least 1"),
    (["--phases", "extract", "publish"], "ztoq: error: --phases: invalid value 'extract publish'; expected one or more"),
    (["--zephyr-base-url", "api.zephyrscale.smartbear.com"], "ztoq: error: --zephyr-base-url: invalid value"),
    (["--host", "db.local"], "ztoq: error: --host applies only to PostgreSQL, but the database type is sqlite"),
    (["--report-format", "pdf"], "ztoq: error: argument --report-format: invalid choice: 'pdf'"),
    (["--frobnicate"], "ztoq: error: unknown option --frobnicate (see 'ztoq workflow report --help')"),
])
def test_bad_input_is_one_line_and_exit_2(run_cli, args, expected):
    result = run_cli("workflow", "report", "--project-key", "PROJ", *args)
    assert result.code == 2
    assert result.stderr.startswith(expected)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_mistyped_secret_flag_does_not_echo_the_value(run_cli):
    result = run_cli("workflow", "status", "--project-key", "PROJ", "--qtest-pasword", "hunter2")
    assert result.code == 2
    assert "hunter2" not in result.stderr + result.stdout
    assert "--qtest-pasword" in result.stderr


def test_environment_and_config_file_feed_the_command(run_cli, tmp_path):
    config = tmp_path / "ztoq.yaml"
    config.write_text("workflow:\n  batch_size: 0\n", encoding="utf-8")
    result = run_cli("workflow", "status", "--config", str(config), environ={"ZTOQ_PROJECT_KEY": "PROJ"})
    assert result.code == 2
    assert result.stderr == f"ztoq: error: 'workflow.batch_size' in {config}: invalid value 0; expected a whole number of at least 1\n"


def test_missing_project_key_names_every_way_to_give_it(run_cli):
    result = run_cli("workflow", "status")
    assert result.code == 2
    assert "--project-key is required" in result.stderr and "ZTOQ_PROJECT_KEY" in result.stderr


def test_resume_without_a_recorded_run_says_what_to_do(run_cli, db_cli_args, database):
    result = run_cli("workflow", "resume", "--project-key", "PROJ", *db_cli_args)
    assert result.code == 2
    assert result.stderr.startswith("ztoq: error: nothing to resume for PROJ: no workflow recorded")


def test_worker_needs_a_luigid_and_has_nothing_to_do_without_a_run_in_progress(run_cli, db_cli_args, database):
    alone = run_cli("workflow", "worker", "--project-key", "PROJ", *db_cli_args)
    assert alone.code == 2
    assert alone.stderr == ("ztoq: error: 'ztoq workflow worker' joins a run through luigid; expected "
                            "--scheduler-host and --scheduler-port (the luigid of the run)\n")
    idle = run_cli("workflow", "worker", "--project-key", "PROJ", *db_cli_args, "--scheduler-host", "127.0.0.1",
                   "--scheduler-port", "9")
    assert idle.code == 0, idle
    assert "no run of PROJ is in progress with this state database; nothing to join" in idle.stderr
    assert WorkflowRun.select().count() == 0


def test_report_without_a_database_file(run_cli, tmp_path):
    result = run_cli("workflow", "report", "--project-key", "PROJ", "--output-dir", str(tmp_path / "none"))
    assert result.code == 2
    assert "no workflow recorded for PROJ" in result.stderr


def test_status_without_a_database_file_records_nothing(run_cli, tmp_path):
    result = run_cli("workflow", "status", "--project-key", "PROJ", "--output-dir", str(tmp_path / "out"))
    assert result.code == 0
    assert result.stdout.startswith("no workflow recorded for PROJ")
    assert not (tmp_path / "out").exists()


def test_status_on_an_empty_database(run_cli, db_cli_args, database):
    result = run_cli("workflow", "status", "--project-key", "PROJ", *db_cli_args)
    assert result.code == 0
    assert result.stdout.startswith("no workflow recorded for PROJ in the ")


def seed_project(key, cases=3):
    run = WorkflowRun.create(project_key=key, command="run", phases="extract transform load", status="failed",
                             message="2 batches failed")
    for number in range(1, cases + 1):
        ExtractedEntity.create(project_key=key, entity_type="testcases", source_id=f"{key}-T{number}",
                               payload="{}", content_hash="h")
    EntityMap.create(project_key=key, source_type="testcases", source_id=f"{key}-T1", target_type="test-cases",
                     target_id="9001", state="created")
    EntityMap.create(project_key=key, source_type="testcases", source_id=f"{key}-T2", target_type="test-cases",
                     state="pending")
    Marker.create(project_key=key, name="extract/testcases/0", phase="extract", run=run)
    Event.create(project_key=key, run=run, phase="load", level="ERROR", message="batch 2 failed")
    ErrorRecord.create(project_key=key, run=run, phase="load", entity_type="testcases", entity_key=f"{key}-T3",
                       http_status=400, message="qTest rejected the test case")
    return run


def test_status_on_a_seeded_database(run_cli, db_cli_args, database):
    seed_project("PROJ")
    seed_project("OTHER", cases=7)
    result = run_cli("workflow", "status", "--project-key", "PROJ", *db_cli_args)
    assert result.code == 0
    text = result.stdout
    assert "Last run #1 (run: extract transform load): failed" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("testcases")]
    assert rows == [["testcases", "3"], ["testcases", "0", "1", "0", "1", "1"]], text
    assert "Extracted" in text and "Ready  In qTest  Validated  Pending  Failed" in text
    assert "Errors: 1" in text and "PROJ-T3: qTest rejected the test case" in text
    assert "batch 2 failed" in text
    assert "OTHER" not in text


def test_cleanup_removes_one_project_and_its_attachments(run_cli, db_cli_args, database, tmp_path):
    seed_project("PROJ")
    seed_project("OTHER")
    attachments = tmp_path / "files"
    (attachments / "PROJ").mkdir(parents=True)
    (attachments / "PROJ" / "shot.png").write_bytes(b"png")
    (attachments / "OTHER").mkdir()
    result = run_cli("workflow", "cleanup", "--project-key", "PROJ", "--yes", "--attachments-dir", str(attachments),
                     *db_cli_args)
    assert result.code == 0, result
    assert "removed 9 rows" in result.stdout
    assert not (attachments / "PROJ").exists() and (attachments / "OTHER").exists()
    assert ExtractedEntity.select().where(ExtractedEntity.project_key == "PROJ").count() == 0
    assert ExtractedEntity.select().where(ExtractedEntity.project_key == "OTHER").count() == 3
    assert WorkflowRun.select().where(WorkflowRun.project_key == "OTHER").count() == 1
    again = run_cli("workflow", "cleanup", "--project-key", "PROJ", "--yes", "--attachments-dir", str(attachments),
                    *db_cli_args)
    assert again.code == 0 and again.stdout.startswith("nothing to clean up for PROJ")


@pytest.mark.parametrize("answer", ["", "n\n", "no\n"])
def test_cleanup_asks_and_keeps_everything_unless_confirmed(run_cli, db_cli_args, database, answer):
    seed_project("PROJ")
    result = run_cli("workflow", "cleanup", "--project-key", "PROJ", *db_cli_args, stdin=answer)
    assert result.code == 1
    assert "Delete 9 rows" in result.stdout and "cleanup cancelled" in result.stdout
    assert ExtractedEntity.select().count() == 3


def test_cleanup_confirmed_at_the_prompt(run_cli, db_cli_args, database):
    seed_project("PROJ")
    result = run_cli("workflow", "cleanup", "--project-key", "PROJ", *db_cli_args, stdin="y\n")
    assert result.code == 0
    assert ExtractedEntity.select().count() == 0


def test_installed_console_script_runs(tmp_path):
    ztoq = os.path.join(os.path.dirname(sys.executable), "ztoq")
    result = subprocess.run([ztoq, "workflow", "status", "--project-key", "PROJ", "--batch-size", "-1"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "ztoq: error: --batch-size: invalid value '-1'; expected a whole number of at least 1\n"
    version = subprocess.run([ztoq, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("ztoq-luigi ")
