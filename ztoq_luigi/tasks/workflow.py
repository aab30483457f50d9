"""The top of the pipeline: MigrateProject, and running it for `ztoq workflow run|resume|validate`.

`execute` is the only place that talks to Luigi's scheduler: it takes the
project's run lock, opens the next sync round when `run` finds the current
one finished (db/rounds.py), checks that the phases asked for have their inputs,
reopens batches whose entities failed last time (so a rerun retries them),
records the run, builds MigrateProject on the local scheduler or luigid
with tasks in threads of this process, and turns the outcome into an
ExitStatus. Luigi's own `build` returns success even when tasks failed, so
the outcome is read from its detailed summary and from the journal.
"""

import json
import logging
import os
import time
from dataclasses import dataclass, field

import luigi
import luigi.configuration
from luigi.execution_summary import LuigiStatusCode

from ztoq_luigi.db import journal, run_lock
from ztoq_luigi.db.connection import open_database, write_transaction
from ztoq_luigi.db.issues import forget_issues
from ztoq_luigi.db.markers import forget_phase, has_failures, phase_done, reopen_failed
from ztoq_luigi.db.models import ValidationIssue, WorkflowRun
from ztoq_luigi.db.readback import forget_read
from ztoq_luigi.db.rounds import ensure_round, open_round
from ztoq_luigi.errors import ConfigError, ExitStatus, RunLocked
from ztoq_luigi.kinds import PHASES, Phase, WarningKind
from ztoq_luigi.mapping.rules import load_rules
from ztoq_luigi.scheduling.arenas import limit_arenas
from ztoq_luigi.scheduling.shared import SharedRunWorker
from ztoq_luigi.scheduling.stop import StopOnSignal
from ztoq_luigi.scheduling.threads import ThreadWorkerFactory
from ztoq_luigi.services import context
from ztoq_luigi.tasks.phases import PHASE_TASKS
from ztoq_luigi.validation.rules import at_or_above
SUCCESS_CODES = (LuigiStatusCode.SUCCESS, LuigiStatusCode.SUCCESS_WITH_RETRY)
IN_FLIGHT_WAIT_SECONDS = 90
WORKER = "worker"


class MigrateProject(luigi.WrapperTask):
    """Everything asked for: the phases, whose groups require what they read (tasks/phases.py)."""

    task_namespace = "ztoq"
    project_key = luigi.Parameter(description="Zephyr Scale project key")
    migration = luigi.Parameter(default="", description="which migration (see services/context.py)")
    batch_size = luigi.IntParameter(default=50, description="entities per batch")
    phases = luigi.ListParameter(default=PHASES, description="phases to run")

    def requires(self):
        return [self.clone(PHASE_TASKS[phase]) for phase in self.phases]

    def run(self):
        """Runs on the one host that saw every phase finish: that host ends the run (see execute)."""
        context.current().completed_here.set()


@dataclass
class Outcome:
    status: ExitStatus
    run_id: int
    problems: list = field(default_factory=list)
    log_path: str = None
    stopped: bool = False
    notes: list = field(default_factory=list)
    ended_run: bool = True


def execute(settings, command, phases, progress=None):
    """Run the phases for settings.project_key; returns an Outcome (never raises for task failures)."""
    key = settings.project_key
    limit_arenas()
    stop = StopOnSignal()
    ctx = context.configure(settings, load_rules(settings.mapping), stop=stop.event)
    if Phase.VALIDATE in phases:
        ctx.validation()
    open_database(settings)
    lock = run_lock.acquire(key, command, migration=ctx.migration(), scheduler=scheduler_address(settings),
                            join_only=command == WORKER, on_hosts=ctx.share_rates)
    if lock is None:
        return Outcome(ExitStatus.SUCCESS, None, ended_run=False,
                       notes=[f"no run of {key} is in progress with this state database; nothing to join"])
    try:
        return _execute_locked(ctx, command, phases, progress, stop, lock)
    finally:
        lock.release()


def _execute_locked(ctx, command, phases, progress, stop, lock):
    settings, key = ctx.settings, ctx.project_key
    if lock.joined:
        ctx.use_round(ensure_round(key))
        run, phases, batch_size, notes = _join(ctx, phases, stop, lock)
    else:
        run, notes = _start(ctx, command, phases, lock)
        batch_size = settings.batch_size
    log_path = _configure_logging(settings, run.id)
    _tune_workers()
    task = MigrateProject(project_key=key, migration=ctx.migration(), batch_size=batch_size, phases=list(phases))
    factory = _worker_factory(ctx, run.id, task)
    stop.on_stop = lambda: factory.worker and factory.worker.stop_taking_work()
    if progress:
        progress.start()
    try:
        with stop:
            result = luigi.build([task], detailed_summary=True, workers=settings.max_workers,
                                 worker_scheduler_factory=factory, **_scheduler(settings))
            _wait_for_tasks_in_flight(factory.worker)
    finally:
        if progress:
            progress.stop()
    if stop.signum is not None:
        outcome = _interrupted(key, run.id, stop)
    else:
        outcome = _outcome(key, run.id, result.status, phases, settings.fail_on, finished=task.complete())
    outcome.log_path, outcome.notes = log_path, notes
    _end_or_leave(ctx, lock, run.id, outcome, stop)
    return outcome


def _start(ctx, command, phases, lock):
    """Open a run: this process holds the project's lock (other hosts may join it later)."""
    settings, key = ctx.settings, ctx.project_key
    ctx.use_round(_sync_round(key, command, phases))
    _check_inputs(key, phases)
    if command == "validate" or (Phase.VALIDATE in phases and has_failures(key, Phase.VALIDATE)):
        forget_validation(key)
    reopened = reopen_failed(key, phases[0])
    ctx.preflight([phase for phase in phases if not phase_done(key, phase)])
    run = journal.start_run(key, command, phases, settings.public())
    lock.attach(run.id)
    notes = []
    if lock.taken_over:
        notes.append(f"took over the run lock of {lock.taken_over.describe()}, which has stopped")
        journal.record_event(key, notes[-1], level="WARNING", kind=WarningKind.RUN_LOCK_TAKEN_OVER,
                             subject=lock.taken_over.host)
    if reopened:
        journal.record_event(key, f"reopened {reopened} batches that had failures, to retry them")
    return run, notes


def _join(ctx, phases, stop, lock):
    """Work on the run other hosts are running through the same luigid: its phases, its batch size."""
    settings, key = ctx.settings, ctx.project_key
    run = _run_to_join(key, stop, lock)
    recorded = json.loads(run.settings or "{}")
    run_phases = tuple(run.phases.split())
    batch_size = int(recorded.get("batch_size") or settings.batch_size)
    ctx.preflight([phase for phase in run_phases if not phase_done(key, phase)])
    lock.attach(run.id)
    hosts = ", ".join(f"{row.host} pid {row.pid}" for row in lock.others()) or "a host that has stopped"
    notes = [f"joined run #{run.id} of {key} ({hosts}) through luigid at {scheduler_address(settings)}"]
    if run_phases != tuple(phases) or batch_size != settings.batch_size:
        notes.append(f"this host follows the run's phases ({' '.join(run_phases)}) and batch size ({batch_size})")
    journal.record_event(key, f"{run_lock.identity()} joined the run")
    if settings.zephyr_rate_limit or settings.qtest_rate_limit:
        stop.event.wait(run_lock.HEARTBEAT_SECONDS * 1.5)
    return run, run_phases, batch_size, notes


def _run_to_join(key, stop, lock):
    """The run whose lock this host joined, once its holder has recorded it (it checks its inputs first)."""
    deadline = time.monotonic() + run_lock.EXPIRY_SECONDS
    while time.monotonic() < deadline and not stop.event.is_set():
        run_id = lock.run_id()
        run = WorkflowRun.get_or_none(WorkflowRun.id == run_id) if run_id else None
        if run is not None and run.status == journal.RUNNING:
            return run
        if run is not None or not lock.others():
            break
        stop.event.wait(0.2)
    raise RunLocked(f"the run of {key} this host was to join ended before it could join; expected a run in "
                    "progress (run the command again to start or join the next one)")


def _worker_factory(ctx, run_id, root):
    """A worker of this process alone on the local scheduler; under luigid, one that shares the migration."""
    if not scheduler_address(ctx.settings):
        return ThreadWorkerFactory()
    key = ctx.project_key
    return ThreadWorkerFactory(SharedRunWorker, root=root.task_id, run_failed=lambda: journal.run_failed(key, run_id))


def _end_or_leave(ctx, lock, run_id, outcome, stop):
    """The host that completed MigrateProject ends the run, else the last host out if nobody has.

    The host that completed it ends the run before it leaves, so a host
    leaving at the same moment finds either it still on the run or the run
    ended; the others leave the run to the hosts still on it.
    """
    if ctx.completed_here.is_set():
        _finish(run_id, outcome, stop)
        lock.ends_run = True
        lock.leave()
    else:
        others = lock.leave()
        lock.ends_run = not others and journal.is_running(run_id)
        if lock.ends_run:
            _finish(run_id, outcome, stop)
        elif others:
            hosts = ", ".join(f"{row.host} pid {row.pid}" for row in others)
            outcome.notes.append(f"run #{run_id} goes on on {hosts}; the host that finishes it ends it and "
                                 "writes the report")
            if stop.signum is not None:
                outcome.problems = [f"interrupted by {_signal_name(stop)}: the requests in flight finished and "
                                    "were recorded; the other hosts of the run take over what this one was doing"]
    outcome.ended_run = lock.ends_run


def _finish(run_id, outcome, stop):
    succeeded = outcome.status == ExitStatus.SUCCESS
    state = journal.INTERRUPTED if stop.signum is not None else journal.SUCCEEDED if succeeded else journal.FAILED
    journal.finish_run(run_id, state, None if succeeded else outcome.problems[0])


def _sync_round(key, command, phases):
    """The round to work in: a `run` from extract after a finished load starts the next one (a sync).

    An unfinished round is continued. The next round does every batch
    again, so the entities that failed in this one are retried there.
    """
    current = ensure_round(key)
    if command != "run" or phases[0] != Phase.EXTRACT or not phase_done(key, Phase.LOAD, current):
        return current
    number = open_round(key)
    journal.record_event(key, f"sync round {number}: reading Zephyr again to bring qTest up to date")
    return number


def _wait_for_tasks_in_flight(worker):
    """After a stop Luigi returns at once; its task threads still finish their request and record it."""
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    for running in worker.running_tasks() if worker else []:
        running.join(max(0.0, deadline - time.monotonic()))


def _signal_name(stop):
    return "SIGINT" if stop.exit_status == ExitStatus.INTERRUPTED else "SIGTERM"


def _interrupted(key, run_id, stop):
    return Outcome(stop.exit_status, run_id, [
        f"interrupted by {_signal_name(stop)}: the requests in flight finished and were recorded; run 'ztoq "
        f"workflow resume --project-key {key}' with the same options to continue"], stopped=True)


def forget_validation(project_key):
    """Make the validate phase run again from scratch: no marker, nothing read, no issue kept.

    For `ztoq workflow validate`, and for a run or resume after a validation
    that found problems: qTest is read afresh, never compared as it was.
    Only the host that starts the run does it: a host joining a validation
    must not wipe what the others have read.
    """
    with write_transaction():
        forget_phase(project_key, Phase.VALIDATE)
        forget_read(project_key)
        forget_issues(project_key)


def _check_inputs(key, phases):
    first = PHASES.index(phases[0])
    for needed in PHASES[:first]:
        if not phase_done(key, needed):
            raise ConfigError(
                f"the {phases[0]} phase needs the output of the {needed} phase, which has not completed for {key}; "
                f"expected --phases {' '.join(PHASES[PHASES.index(needed):first + 1])} (or all phases)")


def _scheduler(settings):
    config = luigi.configuration.get_config()
    if settings.scheduler_host or settings.scheduler_port:
        return {"scheduler_host": settings.scheduler_host or "localhost",
                "scheduler_port": settings.scheduler_port or 8082}
    if config.has_option("core", "default-scheduler-host") or config.has_option("core", "default-scheduler-url"):
        return {}
    return {"local_scheduler": True}


def scheduler_address(settings):
    """Where luigid is, as the settings spell it ('' for the local scheduler): hosts of a run must agree."""
    arguments = _scheduler(settings)
    if arguments.get("local_scheduler"):
        return ""
    if arguments:
        return f"{arguments['scheduler_host']}:{arguments['scheduler_port']}"
    config = luigi.configuration.get_config()
    return config.get("core", "default-scheduler-url", None) or (
        f"{config.get('core', 'default-scheduler-host', 'localhost')}:"
        f"{config.get('core', 'default-scheduler-port', '8082')}")


def _tune_workers():
    """Poll the scheduler every 0.1 s instead of Luigi's 1 s, unless luigi.cfg says otherwise.

    Every dynamic dependency (a phase yielding its batches, a load level
    yielding the next) is a round trip through the scheduler; at the default
    interval an idle worker waits up to a second per round.
    """
    config = luigi.configuration.get_config()
    if not config.has_section("worker"):
        config.add_section("worker")
    for option, value in (("wait_interval", "0.1"), ("wait_jitter", "0.05")):
        if not config.has_option("worker", option):
            config.set("worker", option, value)


def _configure_logging(settings, run_id):
    """Luigi and the pipeline log to a file per run; the terminal shows progress and the outcome only."""
    luigi.configuration.get_config().set("core", "no_configure_logging", "true")
    directory = os.path.join(settings.output_dir, "logs")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{settings.project_key}-run{run_id}.log")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    for name in ("luigi", "luigi-interface", "ztoq_luigi"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "ztoq_run_log", False)]:
            logger.removeHandler(old)
            old.close()
        handler.ztoq_run_log = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return path


def _outcome(key, run_id, luigi_status, phases, fail_on, finished=False):
    """`finished`: every phase asked for is done, whichever host did it (under luigid, Luigi's summary of
    this worker counts the tasks other hosts ran as never run)."""
    errors = journal.errors_of_run(key, run_id)
    fatal = [error for error in errors if error.fatal_status is not None]
    entity_errors = [error for error in errors if error.fatal_status is None]
    if (luigi_status not in SUCCESS_CODES and not finished) or fatal:
        status = ExitStatus(fatal[0].fatal_status) if fatal else ExitStatus.FAILED
        problems = [error.message for error in fatal] or [f"the pipeline did not finish ({luigi_status.name})"]
        return Outcome(status, run_id, list(dict.fromkeys(problems)), stopped=True)
    if entity_errors:
        return Outcome(ExitStatus.FAILED, run_id, [
            f"{len(entity_errors)} entities could not be migrated (first: {entity_errors[0].entity_key}: "
            f"{entity_errors[0].message}); see the report, fix the cause and run 'ztoq workflow resume'"])
    if "validate" in phases:
        problems = ValidationIssue.select().where(
            (ValidationIssue.project_key == key) & ValidationIssue.severity.in_(at_or_above(fail_on))).count()
        if problems:
            return Outcome(ExitStatus.VALIDATION_FAILED, run_id,
                           [f"validation found {problems} problems in qTest ({fail_on} or worse); see the report"])
    return Outcome(ExitStatus.SUCCESS, run_id, [])
