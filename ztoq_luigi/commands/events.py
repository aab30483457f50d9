"""`ztoq workflow events`: every event a migration recorded, filtered, as text or JSON.

Status shows the latest five and reports group the warnings; this is the
full journal, one event a line, for reading after a cron run or for grep.
Rows are streamed, so a project with a hundred thousand events prints
without holding them in memory.
"""

import datetime
import json
import os
import re

from ztoq_luigi.config import PHASES
from ztoq_luigi.db.connection import describe, open_database
from ztoq_luigi.db.journal import event_context
from ztoq_luigi.db.models import Event
from ztoq_luigi.errors import ConfigError, ExitStatus

LEVELS = ("info", "warning", "error")
AGO = re.compile(r"^(\d+)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
SINCE_EXPECTED = ("expected a UTC date or date-time such as 2024-05-31 or 2024-05-31T14:30, or a time ago such as "
                  "30m, 2h or 7d")


def add_arguments(command):
    command.add_argument("--phase", choices=PHASES, help="only the events of this phase")
    command.add_argument("--level", choices=LEVELS, default="info",
                         help="lowest level shown (default info: everything)")
    command.add_argument("--since", metavar="TIME", help="only events from TIME on: a UTC date or date-time "
                         "(2024-05-31, 2024-05-31T14:30) or a time ago (30m, 2h, 7d)")


def run(args, settings, env):
    settings.require("project_key", reason="to choose which migration's events to show")
    since = parse_since(args.since, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))
    database = open_database(settings, create=False)
    if database is None:
        raise ConfigError(f"no workflow recorded for {settings.project_key}: there is no state database at "
                          f"{settings.db_path}; expected the --output-dir or --db-path of the migration")
    query = _query(settings.project_key, args.phase, args.level, since)
    try:
        if args.format == "json":
            _write_json(env, settings, args, since, query)
        else:
            _write_text(env, query, describe(settings))
    except BrokenPipeError:
        _discard_output(env.stdout)
    return ExitStatus.SUCCESS


def _discard_output(stream):
    """The reader went away (`| head`): what is left to print goes nowhere, instead of failing at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def parse_since(value, now):
    """A naive UTC datetime (as stored) from an ISO date, date-time or a duration ago; None for no filter."""
    if value is None:
        return None
    ago = AGO.match(value.strip())
    if ago:
        return now - datetime.timedelta(**{UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        moment = datetime.datetime.fromisoformat(value.strip().removesuffix("Z"))
    except ValueError:
        raise ConfigError(f"--since: invalid value '{value}'; {SINCE_EXPECTED}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def _query(project_key, phase, level, since):
    query = Event.select().where((Event.project_key == project_key)
                                 & Event.level.in_([name.upper() for name in LEVELS[LEVELS.index(level):]]))
    if phase:
        query = query.where(Event.phase == phase)
    if since:
        query = query.where(Event.time >= since)
    return query.order_by(Event.time, Event.id)


def _write_text(env, query, database):
    shown = 0
    for event in query.iterator():
        batch = f" batch {event.batch_no}" if event.batch_no is not None else ""
        env.stdout.write(f"{_time(event.time)}  {event.level:<7}  {event.phase or '-':<9}  "
                         f"{event.message}{batch and f' ({batch.strip()})'}\n")
        shown += 1
    if not shown:
        env.note(f"no event matches in the {database}")
    env.stdout.flush()


def _write_json(env, settings, args, since, query):
    head = {"project_key": settings.project_key,
            "filters": {"phase": args.phase, "level": args.level, "since": _time(since)},
            "count": query.count()}
    env.stdout.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "events": [')
    for number, event in enumerate(query.iterator()):
        env.stdout.write(("," if number else "") + "\n  " + json.dumps({
            "time": _time(event.time), "run": event.run_id, "phase": event.phase, "batch": event.batch_no,
            "level": event.level.lower(), "message": event.message, "context": event_context(event),
        }, ensure_ascii=False))
    env.stdout.write("\n]}\n")
    env.stdout.flush()


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
