"""`ztoq workflow report`: the migration's state as JSON, HTML or text, from the database alone."""

import os

from ztoq_luigi.db.connection import describe, open_database
from ztoq_luigi.errors import ConfigError, ExitStatus
from ztoq_luigi.reports import data as report_data
from ztoq_luigi.reports import render


def run(args, settings, env):
    settings.require("project_key", reason="to choose which migration to report on")
    if open_database(settings, create=False) is None:
        raise ConfigError(f"no workflow recorded for {settings.project_key}: there is no state database at "
                          f"{settings.db_path}; expected the --output-dir or --db-path of the migration")
    report_format = render.format_for(args.output_file, args.report_format)
    data = report_data.gather(settings.project_key, describe(settings))
    if not args.output_file:
        env.stdout.write(render.render(data, report_format))
        return ExitStatus.SUCCESS
    try:
        path = render.write(data, os.path.expanduser(args.output_file), report_format)
    except OSError as error:
        reason = "a file is in the way of its directory" if isinstance(error, FileExistsError) else (
            error.strerror or type(error).__name__)
        raise ConfigError(f"--output-file: cannot write the report to {args.output_file} ({reason}); "
                          "expected a writable file path")
    env.say(f"{report_format} report for {settings.project_key} written to {path}")
    return ExitStatus.SUCCESS
