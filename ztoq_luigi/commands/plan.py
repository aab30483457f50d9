"""`ztoq workflow plan` (and `run --dry-run`): extract and transform, then say what a load would do."""

import json

from ztoq_luigi.errors import ExitStatus
from ztoq_luigi.reports.plan import render_plan
from ztoq_luigi.reports.progress import Progress
from ztoq_luigi.services import context
from ztoq_luigi.tasks import workflow
from ztoq_luigi.tasks.dry_run import migration_plan


def run(args, settings, env):
    settings.require("project_key", reason="to plan a migration")
    phases = ("extract", "transform")
    outcome = workflow.execute(settings, "plan", phases, progress=Progress(settings.project_key, env.stderr, phases))
    if outcome.stopped:
        env.error(outcome.problems[0])
        return outcome.status
    plan = migration_plan(context.current())
    env.say(json.dumps(plan, indent=2, ensure_ascii=False) if args.format == "json" else render_plan(plan))
    return ExitStatus.USAGE_ERROR if plan["unmapped_values"] else ExitStatus.SUCCESS
