"""`ztoq workflow events`: every event of a migration, not only the last five, filtered as a user asks."""

import datetime
import json

import pytest

from ztoq_luigi.commands.events import parse_since
from ztoq_luigi.db.models import Event, WorkflowRun

NOW = datetime.datetime(2024, 5, 31, 12, 0, 0)


def seed(key="PROJ"):
    run = WorkflowRun.create(project_key=key, command="run", phases="extract transform load", status="succeeded")
    rows = [("extract", "INFO", "listed 400 test cases", NOW - datetime.timedelta(days=2))]
    rows += [("transform", "WARNING", f"{key}-T{n}: user abc (owner) is not in the user mapping; left empty",
              NOW - datetime.timedelta(hours=3)) for n in range(1, 351)]
    rows += [("load", "INFO", "load phase complete", NOW)]
    for phase, level, message, time in rows:
        Event.create(project_key=key, run=run, phase=phase, level=level, message=message, time=time,
                     context=json.dumps({"entity_key": message.split(":")[0]} if level == "WARNING" else {}))
    return run


def test_all_events_are_listed_oldest_first_not_only_the_last_five(run_cli, db_cli_args, database):
    seed()
    seed("OTHER")
    result = run_cli("workflow", "events", "--project-key", "PROJ", *db_cli_args)
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert len(lines) == 352 and "OTHER" not in result.stdout
    assert lines[0].split(None, 3) == ["2024-05-29T12:00:00Z", "INFO", "extract", "listed 400 test cases"]
    assert lines[-1].endswith("load phase complete")


@pytest.mark.parametrize("filters, count", [
    (["--level", "warning"], 350),
    (["--level", "error"], 0),
    (["--phase", "load"], 1),
    (["--phase", "transform", "--level", "info"], 350),
    (["--since", "2024-05-31"], 351),
    (["--since", "2024-05-31T11:00"], 1),
    (["--since", "2024-05-31T13:00:00+02:00"], 1),
])
def test_filters_by_phase_level_and_time(run_cli, db_cli_args, database, filters, count):
    seed()
    result = run_cli("workflow", "events", "--project-key", "PROJ", *db_cli_args, *filters, "--format", "json")
    assert result.code == 0, result
    document = json.loads(result.stdout)
    assert document["count"] == len(document["events"]) == count
    if count:
        assert set(document["events"][0]) == {"time", "run", "phase", "batch", "level", "message", "context"}


def test_json_events_carry_their_context(run_cli, db_cli_args, database):
    seed()
    result = run_cli("workflow", "events", "--project-key", "PROJ", *db_cli_args, "--level", "warning",
                     "--format", "json")
    first = json.loads(result.stdout)["events"][0]
    assert first["level"] == "warning" and first["context"] == {"entity_key": "PROJ-T1"}


def test_a_time_ago_counts_back_from_now():
    assert parse_since("2h", NOW) == NOW - datetime.timedelta(hours=2)
    assert parse_since("7d", NOW) == NOW - datetime.timedelta(days=7)
    assert parse_since("30m", NOW) == NOW - datetime.timedelta(minutes=30)


@pytest.mark.parametrize("args, expected", [
    (["--since", "yesterday"], "ztoq: error: --since: invalid value 'yesterday'; expected a UTC date or date-time"),
    (["--level", "debug"], "ztoq: error: argument --level: invalid choice: 'debug'"),
    (["--phase", "publish"], "ztoq: error: argument --phase: invalid choice: 'publish'"),
])
def test_bad_filters_are_one_line_and_exit_2(run_cli, db_cli_args, database, args, expected):
    result = run_cli("workflow", "events", "--project-key", "PROJ", *db_cli_args, *args)
    assert result.code == 2 and result.stderr.startswith(expected) and result.stderr.count("\n") == 1


def test_no_matching_event_says_so_on_stderr(run_cli, db_cli_args, database):
    seed()
    result = run_cli("workflow", "events", "--project-key", "PROJ", *db_cli_args, "--level", "error")
    assert result.code == 0 and result.stdout == ""
    assert result.stderr.startswith("ztoq: note: no event matches in the ")


def test_without_a_database(run_cli, tmp_path):
    result = run_cli("workflow", "events", "--project-key", "PROJ", "--output-dir", str(tmp_path / "none"))
    assert result.code == 2 and "no workflow recorded for PROJ" in result.stderr
    assert not (tmp_path / "none").exists()
