"""`ztoq workflow cleanup`: forget one project's migration so it can start afresh.

Only the state database rows and the downloaded attachments of that project
are removed; nothing in qTest or Zephyr is touched, and other projects sharing
the database are left alone.
"""

import os
import shutil

from ztoq_luigi.db.connection import describe, open_database
from ztoq_luigi.db.state import count_rows, delete_project
from ztoq_luigi.errors import ExitStatus


def run(args, settings, env):
    settings.require("project_key", reason="to choose which project's data to remove")
    key = settings.project_key
    attachments = os.path.join(settings.attachments_dir, key)
    database = open_database(settings, create=False)
    rows = 0
    if database is not None:
        with database.connection_context():
            rows = sum(count_rows(key).values())
    has_files = os.path.isdir(attachments)
    if not rows and not has_files:
        env.say(f"nothing to clean up for {key}")
        return ExitStatus.SUCCESS
    targets = []
    if rows:
        targets.append(f"{rows} rows from the {describe(settings)}")
    if has_files:
        targets.append(f"the attachments in {attachments}")
    question = (f"Delete {' and '.join(targets)} for project {key}? qTest and Zephyr are not touched; a later "
                "migration into the same qTest project adopts what qTest still holds instead of creating it again.")
    if not args.yes and not env.confirm(question):
        env.say("cleanup cancelled; nothing was deleted (use --yes to skip the question)")
        return ExitStatus.FAILED
    if rows:
        with database.connection_context():
            delete_project(key)
    if has_files:
        shutil.rmtree(attachments)
    env.say(f"removed {' and '.join(targets)} for project {key}")
    return ExitStatus.SUCCESS
