"""`ztoq workflow status`: what has been migrated so far, read from the state database only."""

import json

from ztoq_luigi.db.connection import describe, open_database
from ztoq_luigi.db.state import summarize
from ztoq_luigi.errors import ExitStatus
from ztoq_luigi.reports.status import render_status, status_json


def show(args, settings, env):
    settings.require("project_key", reason="to show a workflow's status")
    key = settings.project_key
    database = open_database(settings, create=False)
    if database is None:
        return _nothing(args, env, f"no workflow recorded for {key} (no state database at {settings.db_path})")
    with database.connection_context():
        summary = summarize(key)
    if not summary.recorded:
        return _nothing(args, env, f"no workflow recorded for {key} in the {describe(settings)}")
    env.say(status_json(summary) if args.format == "json" else render_status(summary))
    return ExitStatus.SUCCESS


def _nothing(args, env, message):
    env.say(json.dumps({"project_key": args.project_key, "recorded": False, "message": message})
            if args.format == "json" else message)
    return ExitStatus.SUCCESS
