"""`ztoq workflow run | resume | validate`: the pipeline, then a report and a one-line outcome."""

from ztoq_luigi import outputs
from ztoq_luigi.commands import plan
from ztoq_luigi.db import journal
from ztoq_luigi.db.connection import describe, open_database
from ztoq_luigi.db.models import WorkflowRun
from ztoq_luigi.db.state import summarize
from ztoq_luigi.errors import ConfigError, ExitStatus
from ztoq_luigi.reports import data as report_data
from ztoq_luigi.reports import render
from ztoq_luigi.reports.progress import Progress
from ztoq_luigi.reports.status import resume_plan
from ztoq_luigi.tasks import workflow


def run(args, settings, env):
    if args.dry_run:
        args.format = "text"
        return plan.run(args, settings, env)
    return _execute(settings, env, "run", _phases(settings))


def resume(args, settings, env):
    settings.require("project_key", reason="to choose which migration to resume")
    open_database(settings)
    if not WorkflowRun.select().where(WorkflowRun.project_key == settings.project_key).exists():
        raise ConfigError(f"nothing to resume for {settings.project_key}: no workflow recorded in the "
                          f"{describe(settings)}; expected an earlier 'ztoq workflow run' with the same database")
    phases = _phases(settings)
    env.say(resume_plan(summarize(settings.project_key, recent=0), phases))
    return _execute(settings, env, "resume", phases)


def validate(args, settings, env):
    settings.require("project_key", reason="to choose which migration to validate")
    open_database(settings)
    return _execute(settings, env, "validate", ("validate",))


def worker(args, settings, env):
    """Join the run of the project that other hosts are running through luigid; never start one."""
    settings.require("project_key", reason="to choose which run to join")
    if not workflow.scheduler_address(settings):
        raise ConfigError("'ztoq workflow worker' joins a run through luigid; expected --scheduler-host and "
                          "--scheduler-port (the luigid of the run)")
    return _execute(settings, env, workflow.WORKER, _phases(settings))


def _phases(settings):
    phases = tuple(phase for phase in settings.phases if not (phase == "validate" and settings.no_validation))
    if not phases:
        raise ConfigError("--no-validation leaves no phase to run; expected at least one of extract, transform, load")
    return phases


def _execute(settings, env, command, phases):
    settings.require("project_key", reason=f"for 'ztoq workflow {command}'")
    outputs.prepare(settings)
    progress = Progress(settings.project_key, env.stdout, phases)
    outcome = _recorded(settings, lambda: workflow.execute(settings, command, phases, progress=progress))
    report_path = outputs.report_path(settings)
    if outcome.ended_run:
        render.write(report_data.gather(settings.project_key, describe(settings)), report_path, "html")
    for note in outcome.notes:
        env.note(note)
    if outcome.problems:
        more = len(outcome.problems) - 1
        env.error(outcome.problems[0] + (f" (and {more} more problem(s); see the report)" if more else ""))
    verdict = "done" if outcome.status == ExitStatus.SUCCESS else "finished with problems"
    if outcome.run_id is None:
        return outcome.status
    if not outcome.ended_run:
        env.say(f"{command} {settings.project_key}: this host's part of run #{outcome.run_id} is {verdict}; "
                f"log: {outcome.log_path}")
        return outcome.status
    env.say(f"{command} {settings.project_key} {verdict} (run #{outcome.run_id}); report: {report_path}; "
            f"log: {outcome.log_path}")
    return outcome.status


def _recorded(settings, execute):
    """Run `execute`; if it raises, the run it opened is closed as failed (or interrupted), never left running."""
    key = settings.project_key
    open_database(settings)
    before = journal.latest_run_id(key)
    try:
        return execute()
    except BaseException as error:
        interrupted = isinstance(error, KeyboardInterrupt)
        reason = "interrupted" if interrupted else (str(error).strip().splitlines() or [type(error).__name__])[0]
        journal.close_runs_after(key, before, journal.INTERRUPTED if interrupted else journal.FAILED, reason)
        raise
