"""How close a migration comes to the floor the two APIs set, by project size and requests in flight.

Both simulators answer every request after a fixed latency, as remote
services would, so a migration can be no faster than the fewest requests it
needs (scripts/benchmark/ideal.py, counted from the generated data) times the
latency, divided by the requests in flight. For each size and each
`--max-workers` the script migrates the same generated project into a fresh
qTest with `ztoq workflow run` in a process of its own, then runs it again
(a no-op rerun that must write nothing), and prints a table and JSON: wall
time, the ideal time, efficiency (ideal / actual), requests against the
minimum in all and per route, requests per migrated entity, the peak memory
of the `ztoq` process tree, the time of each phase, and the rerun's time and
writes. Also the CPU time of the `ztoq` process tree, per request, and the
CPU bound (ideal / CPU time): the client runs its tasks in threads of one
Python process, so its CPU time is a floor under its wall time, and unlike
the wall time it barely moves when other work shares the machine. Nothing
is asserted: it prints figures.

    python scripts/bench.py [--sizes small medium] [--workers 1 4 8] [--latency-ms 20] [--json FILE]
"""

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone

from benchmark.ideal import JIRA, QTEST, ZEPHYR, ideal_seconds, minimal_requests, route_of
from benchmark.process import run_measured
from benchmark.workflow import Workflow
from ztoq_luigi.db.connection import close_all, open_database
from ztoq_luigi.db.state import phase_timings
from ztoq_luigi.sandbox import start_sandbox
from ztoq_luigi.sandbox.generator import generate_project

PHASES = ("extract", "transform", "load", "validate")
FIELD_SETTINGS = "/api/v3/projects/{projectId}/settings/"
CREATED = ("/modules", "/test-cases", "/releases", "/test-cycles", "/test-runs", "/test-runs/{testRunId}/test-logs")


def measured_requests(sandbox):
    """Counter of (service, method, route) -> requests the simulators answered, file paths folded."""
    counts = {}
    for service, app in ((ZEPHYR, sandbox.zephyr), (QTEST, sandbox.qtest), (JIRA, sandbox.jira)):
        for (method, route), count in app.counters.snapshot().items():
            key = route_of(service, method, route)
            counts[key] = counts.get(key, 0) + count
    return counts


def field_writes(measured):
    """The writes that create qTest fields: they depend on the target, so the floor takes them as measured."""
    return {(method, route): count for (service, method, route), count in measured.items()
            if service == QTEST and method != "GET" and route.startswith(FIELD_SETTINGS)}


def migrated_entities(floor):
    return sum(count for (service, method, route), count in floor.items()
               if service == QTEST and method == "POST" and route.endswith(CREATED))


def writes(sandbox):
    return sum(app.counters.writes() for app in (sandbox.zephyr, sandbox.qtest))


def measure(dataset, workers, args):
    """One migration and its no-op rerun: a result row (a dict)."""
    sandbox = start_sandbox(dataset=dataset, seed=args.seed, latency_ms=args.latency_ms)
    try:
        with tempfile.TemporaryDirectory() as directory:
            workflow = Workflow(sandbox, directory, args.db_type, args.db_name,
                                extra=["--max-workers", str(workers), "--batch-size", str(args.batch_size)])
            if args.db_type == "postgresql":
                workflow.cleanup()
            for app in (sandbox.zephyr, sandbox.qtest, sandbox.jira):
                app.counters.reset()
            migration = run_measured(workflow.command("run"), workflow.env)
            measured = measured_requests(sandbox)
            before = writes(sandbox)
            rerun = run_measured(workflow.command("run"), workflow.env)
            rerun_writes = writes(sandbox) - before
            open_database(workflow.settings)
            timings = phase_timings(sandbox.project_key)
            close_all()
    finally:
        sandbox.stop()
    floor = minimal_requests(dataset, field_writes(measured))
    ideal = ideal_seconds(floor, args.latency_ms, workers)
    actual_total, floor_total = sum(measured.values()), sum(floor.values())
    entities = migrated_entities(floor)
    return {
        "cases": len(dataset.testcases), "executions": len(dataset.testexecutions), "workers": workers,
        "seconds": round(migration.seconds, 2), "ideal_seconds": round(ideal, 2),
        "efficiency": round(ideal / migration.seconds, 3), "cpu_seconds": round(migration.cpu_seconds, 2),
        "cpu_ms_per_request": round(1000 * migration.cpu_seconds / actual_total, 2),
        "cpu_bound": round(ideal / migration.cpu_seconds, 3),
        "requests": actual_total, "minimal_requests": floor_total, "request_ratio": round(actual_total / floor_total, 3),
        "entities": entities, "requests_per_entity": round(actual_total / entities, 3),
        "minimal_per_entity": round(floor_total / entities, 3), "peak_mb": round(migration.peak_kb / 1024, 1),
        "phases": {phase: timings.get(phase, {}).get("elapsed_seconds") for phase in PHASES},
        "rerun_seconds": round(rerun.seconds, 2), "rerun_writes": rerun_writes, "rerun_peak_mb": round(rerun.peak_kb / 1024, 1),
        "routes": [{"service": service, "method": method, "route": route, "requests": measured.get((service, method, route), 0),
                    "minimal": floor.get((service, method, route), 0)}
                   for service, method, route in sorted(set(measured) | set(floor))],
    }


def print_table(size, generated, rows, out):
    columns = ("workers", "seconds", "ideal s", "efficiency", "CPU s", "CPU ms/req", "CPU bound", "requests", "minimum",
               "ratio", "req/entity", "peak MB", "extract/transform/load/validate s", "rerun s", "rerun writes")
    cells = [columns] + [(str(r["workers"]), f"{r['seconds']:.1f}", f"{r['ideal_seconds']:.1f}", f"{r['efficiency']:.2f}",
                          f"{r['cpu_seconds']:.1f}", f"{r['cpu_ms_per_request']:.2f}", f"{r['cpu_bound']:.2f}",
                          str(r["requests"]), str(r["minimal_requests"]), f"{r['request_ratio']:.2f}",
                          f"{r['requests_per_entity']:.2f}", f"{r['peak_mb']:.1f}",
                          "/".join(f"{r['phases'][p] or 0:.1f}" for p in PHASES), f"{r['rerun_seconds']:.1f}",
                          str(r["rerun_writes"])) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    first = rows[0]
    print(f"\n{size}: {first['cases']} test cases, {first['executions']} executions, {first['entities']} qTest "
          f"objects, {first['minimal_per_entity']:.2f} requests per object at the minimum; generated in "
          f"{generated:.1f} s", file=out)
    for row in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)), file=out)
    print("requests per route (last run, against the minimum):", file=out)
    for route in rows[-1]["routes"]:
        if route["requests"] != route["minimal"]:
            print(f"  {route['service']:<6} {route['method']:<5} {route['route']:<70} {route['requests']:>7} "
                  f"{route['minimal']:>7}", file=out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["small", "medium"], help="generator size names or case counts")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 4, 8], help="--max-workers values")
    parser.add_argument("--latency-ms", type=int, default=20, help="each simulator's answer delay")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--db-type", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--db-name", default="ztoq_bench", help="PostgreSQL database (created by you)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE ('-': stdout)")
    args = parser.parse_args()
    results = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
               "latency_ms": args.latency_ms, "db_type": args.db_type, "batch_size": args.batch_size, "sizes": {}}
    for size in args.sizes:
        started = time.monotonic()
        dataset = generate_project(size, seed=args.seed)
        generated = time.monotonic() - started
        rows = [measure(dataset, workers, args) for workers in args.workers]
        results["sizes"][size] = {"generator_seconds": round(generated, 2), "runs": rows}
        print_table(size, generated, rows, sys.stderr if args.json == "-" else sys.stdout)
    if args.json == "-":
        json.dump(results, sys.stdout, indent=1)
    elif args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


def machine():
    with open("/proc/cpuinfo") as handle:
        cores = sum(line.startswith("processor") for line in handle)
    return f"{cores}-core {platform.machine()}, {platform.python_implementation()} {platform.python_version()}"


if __name__ == "__main__":
    main()
