"""Progress as a user watches it: bars on an 80-column terminal, timestamped lines in a cron log."""

import io
import re

from rich.console import Console

from ztoq_luigi.db.entities import mark_created, mark_pending, save_extracted, save_transformed, write_marker
from ztoq_luigi.db.state import progress_counts
from ztoq_luigi.kinds import MarkerKind, WriteState
from ztoq_luigi.reports.progress import Progress, bars

KEY = "PROJ"


def extract(cases, with_steps, executions=0, with_results=0, listed=True):
    save_extracted(KEY, "testcase", [(f"{KEY}-T{n}", {"key": f"{KEY}-T{n}"}, n) for n in range(cases)])
    save_extracted(KEY, "teststeps", [(f"{KEY}-T{n}", [], n) for n in range(with_steps)])
    save_extracted(KEY, "execution", [(f"{KEY}-E{n}", {}, n) for n in range(executions)])
    save_extracted(KEY, "executionsteps", [(f"{KEY}-E{n}", [], n) for n in range(with_results)])
    if listed:
        write_marker(KEY, "extract/testcases", "extract", kind=MarkerKind.STEP, item_count=cases)


def load(transformed, created, confirmed=0):
    save_transformed(KEY, "testcase", [(f"{KEY}-T{n}", {}, "h", [], n) for n in range(transformed)])
    mark_pending(KEY, "testcase", "test-case", [f"{KEY}-T{n}" for n in range(created)])
    for n in range(created):
        mark_created(KEY, "testcase", f"{KEY}-T{n}", str(1000 + n),
                     state=WriteState.CONFIRMED if n < confirmed else WriteState.CREATED)


def finish(*phases):
    for phase in phases:
        write_marker(KEY, f"phase/{phase}", phase, kind=MarkerKind.PHASE)


def terminal(width=80):
    return Console(width=width, record=True, force_terminal=True, file=io.StringIO(), color_system=None)


def screen(progress):
    progress.refresh()
    progress.board.console.print(progress.board.get_renderable())
    return progress.board.console.export_text()


def test_extraction_moves_before_anything_is_transformed(database):
    extract(cases=200, with_steps=0, listed=False)
    first = {bar.entity_type: (bar.done, bar.total) for bar in bars(progress_counts(KEY))}
    assert first == {"testcase": (200, None)}, "a listing in progress has no total yet"
    save_extracted(KEY, "teststeps", [(f"{KEY}-T{n}", [], n) for n in range(120)])
    write_marker(KEY, "extract/testcases", "extract", kind=MarkerKind.STEP, item_count=200)
    second = {bar.entity_type: (bar.done, bar.total) for bar in bars(progress_counts(KEY))}
    assert second["teststeps"] == (120, 200) and second["testcase"] == (200, 200)


def test_execution_extraction_and_validation_move_too(database):
    extract(cases=10, with_steps=10, executions=300, with_results=120)
    finish("extract", "transform")
    load(transformed=10, created=10, confirmed=4)
    finish("load")
    shown = {(bar.phase, bar.entity_type): (bar.done, bar.total) for bar in bars(progress_counts(KEY))}
    assert shown[("extract", "executionsteps")] == (120, 120), "a finished phase is full"
    assert shown[("validate", "testcase")] == (4, 10)


def test_a_later_phase_shows_once_the_one_before_finished_or_it_started(database):
    extract(cases=50, with_steps=20)
    assert {bar.phase for bar in bars(progress_counts(KEY))} == {"extract"}
    finish("extract")
    assert {bar.phase for bar in bars(progress_counts(KEY))} == {"extract", "transform"}


def test_bars_fit_an_80_column_terminal_with_names_percentages_and_totals(database):
    extract(cases=200, with_steps=200, executions=546, with_results=546)
    finish("extract", "transform")
    load(transformed=200, created=150)
    progress = Progress(KEY, io.StringIO(), console=terminal())
    text = screen(progress)
    lines = text.splitlines()
    assert lines and all(len(line) <= 80 for line in lines), text
    assert re.search(r"Extract\s+finished\s.*\s1492/1492\s+100%", text), text
    row = next(line for line in lines if line.startswith("Load") and "Test cases" in line)
    assert re.search(r"150/200\s+75%", row), row
    assert "executionsteps" not in text and "teststeps" not in text


def test_a_narrow_terminal_is_not_garbled_either(database):
    extract(cases=200, with_steps=100)
    progress = Progress(KEY, io.StringIO(), console=terminal(width=60))
    text = screen(progress)
    assert all(len(line) <= 60 for line in text.splitlines()), text
    assert "Test-case step lists" in text and "100/200" in text


def test_without_a_terminal_lines_are_timestamped_and_only_printed_when_due(database):
    extract(cases=200, with_steps=50)
    log = io.StringIO()
    progress = Progress(KEY, log, quiet_interval=3600)
    assert not progress.interactive
    progress.refresh()
    save_extracted(KEY, "teststeps", [(f"{KEY}-T{n}", [], n) for n in range(60)])
    progress.refresh()
    lines = log.getvalue().splitlines()
    assert len(lines) == 1, "a change within the interval waits"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ PROJ starting; extract Test-case step lists 50/200 \(25%",
                    lines[0]), lines
    finish("extract")
    progress.refresh()
    progress.refresh(final=True)
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "finished: extract" in lines[1], "a finished phase is printed at once"
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
