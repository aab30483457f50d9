"""How long a rerun of a finished migration takes when the project is huge and nothing is left to do.

A full migration of 100,000 test cases does not fit in a benchmark run here,
so the script migrates a small sandbox project for real, then scales its
finished state database up by copying every per-entity row (extracted,
transformed, mapped, read back, validation issues, warnings and errors)
under new keys until the project holds the requested number of test cases.
The phase markers stay as the real run wrote them, as they would after a
real run of that size. It then times `ztoq workflow resume` on that state (the
sandbox still answering, so a write would be counted) and prints the time, the
peak memory of the process tree and the writes sent to qTest. `run` is not
timed: on a finished project it is a sync round, which re-reads Zephyr, and
the copied keys, which Zephyr does not have, would read as deleted there.

    python scripts/bench_noop.py [--cases 100000] [--db-type sqlite|postgresql]
"""

import argparse
import re
import tempfile
import time

from benchmark.process import run_measured
from benchmark.workflow import Workflow
from ztoq_luigi.db.connection import close_all, open_database, write_transaction
from ztoq_luigi.db.models import (ErrorRecord, Event, ExtractedEntity, EntityMap, ReadBack, TransformedEntity,
                                  ValidationIssue)
from ztoq_luigi.kinds import Entity
from ztoq_luigi.sandbox import start_sandbox

COPIED = {ExtractedEntity: ("source_id",), TransformedEntity: ("source_id",), EntityMap: ("source_id", "target_id"),
          ReadBack: ("object_id", "key"), ValidationIssue: ("entity_key",), ErrorRecord: ("entity_key",)}
OFFSET = 10_000_000
CHUNK = 500
NUMBER = re.compile(r"^(.*?)(\d+)$")


def shifted(value, copy):
    """The key or id of the `copy`-th copy of an entity: its trailing number moved out of the original's range."""
    match = NUMBER.match(value or "")
    if not match:
        return f"{value}~{copy}" if value else value
    return f"{match.group(1)}{int(match.group(2)) + copy * OFFSET}"


def scale_state(settings, project_key, factor):
    """Copy every per-entity row of the project `factor - 1` times; returns the rows written.

    The planner's statistics are refreshed at the end, as autovacuum would have done during the hours a
    real migration of that size takes; without them PostgreSQL's first no-op rerun took 7 s instead of 3.
    """
    database = open_database(settings)
    written = 0
    for model, keys in COPIED.items():
        rows = list(model.select().where(model.project_key == project_key).dicts())
        written += _copy_rows(model, rows, keys, factor)
    warnings = list(Event.select().where((Event.project_key == project_key) & (Event.level == "WARNING")).dicts())
    written += _copy_rows(Event, warnings, (), factor)
    database.execute_sql("ANALYZE")
    close_all()
    return written


def _copy_rows(model, rows, keys, factor):
    copies = []
    for copy in range(1, factor):
        for row in rows:
            clone = {name: value for name, value in row.items() if name != "id"}
            for name in keys:
                clone[name] = shifted(clone[name], copy)
            copies.append(clone)
    for start in range(0, len(copies), CHUNK):
        with write_transaction():
            model.insert_many(copies[start:start + CHUNK]).execute()
    return len(copies)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="test cases in the scaled-up project")
    parser.add_argument("--seed-cases", type=int, default=200, help="test cases migrated for real first")
    parser.add_argument("--db-type", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--db-name", default="ztoq_bench_noop", help="PostgreSQL database (created by you)")
    parser.add_argument("--keep", metavar="DIR", help="leave the output directory (state, logs) here to look into")
    args = parser.parse_args()
    sandbox = start_sandbox(size=str(args.seed_cases), seed=11)
    try:
        if args.keep:
            report(args, sandbox, args.keep)
        else:
            with tempfile.TemporaryDirectory() as directory:
                report(args, sandbox, directory)
    finally:
        sandbox.stop()


def report(args, sandbox, directory):
    workflow = Workflow(sandbox, directory, args.db_type, args.db_name)
    workflow.cleanup()
    migrated = run_measured(workflow.command("run"), workflow.env).seconds
    open_database(workflow.settings)
    seeded = EntityMap.select().where((EntityMap.project_key == sandbox.project_key)
                                      & (EntityMap.source_type == Entity.TEST_CASE)).count()
    close_all()
    factor = max(1, round(args.cases / seeded))
    started = time.monotonic()
    rows = scale_state(workflow.settings, sandbox.project_key, factor)
    print(f"migrated {seeded} test cases in {migrated:.1f} s; copied {rows} state rows in "
          f"{time.monotonic() - started:.1f} s to reach {seeded * factor} test cases ({args.db_type})")
    before = sandbox.qtest.counters.writes()
    resumed = run_measured(workflow.command("resume"), workflow.env)
    print(f"no-op resume {resumed.seconds:6.2f} s  peak {resumed.peak_kb / 1024:6.1f} MB  "
          f"qTest writes {sandbox.qtest.counters.writes() - before}")


if __name__ == "__main__":
    main()
