"""Live progress of a run, read from the state database, as bars on a terminal and timestamped lines elsewhere.

Tasks record what they finish in the database (entities stored, markers per
batch, the entity map, validation rows), and luigid may hand batches to
other hosts, so the database is where progress is read: a thread polls it
with its own connection and closes that connection when it ends.

On a terminal, rich draws a bar per phase and entity type (done/total,
percentage, rate, time left) and redraws in place within the terminal's
width. Elsewhere (cron, CI, a pipe) nothing is redrawn: a timestamped line
is printed when a phase finishes and otherwise at most every
`quiet_interval` seconds, and only if something changed. rich is used for
both, because its task model also estimates the rate and time left that
the plain lines print.
"""

import datetime
import io
import threading
from dataclasses import dataclass
from typing import Optional

from rich.console import Console
from rich.table import Column
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TaskProgressColumn, TextColumn
from rich.progress import Progress as RichProgress
from rich.progress import TimeRemainingColumn
from rich.text import Text

from ztoq_luigi.db.connection import close_all
from ztoq_luigi.db.state import progress_counts
from ztoq_luigi.kinds import PHASES
from ztoq_luigi.reports.names import PHASE_NAMES, display_name, in_display_order

LOADED_TYPES = ("testcase-field", "module", "testcase", "release", "cycle", "testrun")
VALIDATED_TYPES = ("testcase", "testrun", "testlog", "embedded-file")


@dataclass(frozen=True)
class Bar:
    phase: str
    entity_type: str
    done: int
    total: Optional[int]

    @property
    def key(self):
        return f"{self.phase}/{self.entity_type}"


def bars(counts, phases=PHASES):
    """The bars worth showing for `phases`: done out of total (None while the total is not known yet).

    A phase shows once the one before it finished or once it has done
    something: the totals of a later phase fill in while the earlier runs.
    """
    ex, tr, lo, co, steps = counts.extracted, counts.transformed, counts.loaded, counts.confirmed, counts.steps
    listed = ex.get("testcase") if "extract/testcases" in steps else None
    candidates = {
        "extract": [("testcase", ex.get("testcase", 0), listed), ("teststeps", ex.get("teststeps", 0), listed),
                    ("execution", ex.get("execution", 0), None),
                    ("executionsteps", ex.get("executionsteps", 0), ex.get("execution")),
                    ("embedded-file", counts.batch_items.get(("extract", "embedded-file"), 0),
                     steps.get("extract/embedded-files"))],
        "transform": [("testcase", tr.get("testcase", 0), ex.get("testcase")), ("testrun", tr.get("testrun", 0), None)],
        "load": [(name, lo.get(name, 0), tr.get(name)) for name in LOADED_TYPES]
        + [("testlog", lo.get("testlog", 0), None), ("embedded-file", lo.get("embedded-file", 0), None)],
        "validate": [(name, co.get(name, 0), lo.get(name)) for name in VALIDATED_TYPES],
    }
    shown, previous_finished = [], True
    for phase in (phase for phase in PHASES if phase in phases):
        finished = phase in counts.phases_done
        phase_bars = []
        for entity_type, done, total in candidates[phase]:
            if finished:
                total = done
            elif total is not None:
                total = max(total, done)
            if done or total:
                phase_bars.append(Bar(phase, entity_type, done, total))
        if previous_finished or any(bar.done for bar in phase_bars):
            shown += phase_bars
        previous_finished = finished
    return shown


class RateColumn(ProgressColumn):
    """Entities per second, from rich's moving estimate."""

    def render(self, task):
        return Text(f"{task.speed:,.1f}/s" if task.speed else "", style="progress.data.speed")


class LeftColumn(TimeRemainingColumn):
    """Time left while there is work left; nothing once a bar is full."""

    def render(self, task):
        return Text("") if full(task) else super().render(task)


def full(task):
    return task.total is not None and task.completed >= task.total


class _Board(RichProgress):
    """rich's progress table in phase order, with one status line under it (errors so far)."""

    footer = ""

    def get_renderables(self):
        yield self.make_tasks_table(sorted((task for task in self.tasks if task.visible),
                                           key=lambda task: task.fields["order"]))
        if self.footer:
            yield Text(self.footer, no_wrap=True, overflow="ellipsis")


class Progress:
    def __init__(self, project_key, stream, phases=PHASES, interval=1.0, quiet_interval=60.0, console=None):
        self.project_key = project_key
        self.phases = tuple(phases)
        self.stream = stream
        self.interactive = console.is_terminal if console else bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval
        self.quiet_interval = quiet_interval
        live_console = console or Console(file=stream if self.interactive else io.StringIO(), highlight=False)
        name = TextColumn("{task.description}", table_column=Column(max_width=30, no_wrap=True, overflow="ellipsis"))
        self.board = _Board(TextColumn("{task.fields[phase]:<9}"), name, BarColumn(bar_width=None),
                            MofNCompleteColumn(), TaskProgressColumn(), RateColumn(), LeftColumn(),
                            console=live_console, auto_refresh=False, expand=True)
        self._tasks = {}
        self._stop = threading.Event()
        self._thread = None
        self._last_line = None
        self._last_line_at = None
        self._finished_phases, self._new_phases = set(), set()
        self._errors = 0
        self._adopted = {}

    def start(self):
        if self.interactive:
            self.board.start()
        self._thread = threading.Thread(target=self._loop, name="ztoq-progress", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        self.refresh(final=True)
        if self.interactive:
            self.board.stop()

    def _loop(self):
        try:
            while not self._stop.wait(self.interval):
                self.refresh()
        finally:
            close_all()

    def refresh(self, final=False):
        """Read the database once and show what changed; a failed read (database busy) waits for the next."""
        try:
            counts = progress_counts(self.project_key)
        except Exception:
            return
        self.update(bars(counts, self.phases), counts.errors, counts.phases_done)
        self._announce_adopted(counts.adopted)
        if self.interactive:
            self.board.refresh()
        else:
            self._print_line(final)

    def update(self, current, errors, finished_phases):
        """Move the bars; a finished phase folds into one line, so the display stays as tall as the work left."""
        for bar in current:
            order = (PHASES.index(bar.phase), len(self._tasks))
            if bar.key not in self._tasks:
                self._tasks[bar.key] = self.board.add_task(display_name(bar.entity_type), total=bar.total,
                                                           completed=bar.done, phase=PHASE_NAMES[bar.phase],
                                                           order=order)
            self.board.update(self._tasks[bar.key], completed=bar.done, total=bar.total)
        for phase in finished_phases - self._finished_phases:
            self._fold(phase, [bar for bar in current if bar.phase == phase])
        self._errors = errors
        self._new_phases = finished_phases - self._finished_phases
        self._finished_phases = set(finished_phases)
        self.board.footer = f"{self.project_key}: {errors} could not be migrated so far" if errors else ""

    def _announce_adopted(self, adopted):
        """A line whenever the load adopts more of what qTest held that the state database did not know."""
        if adopted == self._adopted:
            return
        self._adopted = dict(adopted)
        listed = ", ".join(f"{adopted[name]} {display_name(name).lower()}" for name in in_display_order(adopted))
        line = (f"{self.project_key}: qTest already held {listed} that this state database did not know: "
                "adopted, not created again")
        if self.interactive:
            self.board.console.print(line, highlight=False)
        else:
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
            self.stream.write(f"{stamp} {line}\n")
            self.stream.flush()

    def _fold(self, phase, phase_bars):
        if not phase_bars or phase not in self.phases:
            return
        for bar in phase_bars:
            self.board.update(self._tasks[bar.key], visible=False)
        done = sum(bar.done for bar in phase_bars)
        self._tasks[f"{phase}/finished"] = self.board.add_task(
            "finished", total=done, completed=done, phase=PHASE_NAMES[phase], order=(PHASES.index(phase), -1))

    def _print_line(self, final):
        now = datetime.datetime.now(datetime.timezone.utc)
        line = self.line()
        due = self._last_line_at is None or (now - self._last_line_at).total_seconds() >= self.quiet_interval
        if line != self._last_line and (final or due or self._new_phases):
            self.stream.write(f"{now.strftime('%Y-%m-%dT%H:%M:%SZ')} {line}\n")
            self.stream.flush()
            self._last_line, self._last_line_at = line, now

    def line(self):
        """One line for logs: per unfinished bar done/total, percentage, rate and time left; then errors."""
        parts = []
        for task in self.board.tasks:
            if full(task) or not task.visible:
                continue
            figures = f"{task.completed:.0f}/{task.total:.0f} ({task.percentage:.0f}%" if task.total is not None \
                else f"{task.completed:.0f} (total not known yet"
            if task.speed:
                figures += f", {task.speed:,.1f}/s"
            if task.time_remaining is not None and task.total is not None:
                figures += f", {datetime.timedelta(seconds=int(task.time_remaining))} left"
            parts.append(f"{task.fields['phase'].lower()} {task.description} {figures})")
        finished = [phase for phase in PHASES if phase in self._finished_phases and phase in self.phases]
        state = f"finished: {', '.join(finished)}" if finished else "starting"
        return f"{self.project_key} {state}" + (f"; {'; '.join(parts)}" if parts else "") + \
            f"; {self._errors} could not be migrated"
