"""How --max-workers multiplies API concurrency: the same migration at 1 worker and at N.

Both simulators answer every request after a fixed latency (default 20 ms),
as a remote service would, so throughput is bound by how many requests are
in flight. For each worker count the script migrates a fresh copy of the
same generated project and reports requests per second for the phases that
talk to the APIs, and the speed-up over one worker as a ratio of the ideal
(N times). Nothing is asserted: it prints figures.

    python scripts/bench_workers.py [--cases 400] [--latency-ms 20] [--workers 1 8]
"""

import argparse
import io
import os
import sys
import tempfile
import time

from ztoq_luigi.cli import Environment, main
from ztoq_luigi.db.state import phase_timings
from ztoq_luigi.sandbox import start_sandbox


def migrate(cases, latency_ms, workers, directory):
    sandbox = start_sandbox(size=str(cases), seed=21, latency_ms=latency_ms)
    try:
        env = Environment(environ=sandbox.environment(), stdin=io.StringIO(), stdout=io.StringIO(),
                          stderr=io.StringIO())
        started = time.monotonic()
        code = main(["workflow", "run", *sandbox.workflow_args(directory), "--max-workers", str(workers),
                     "--batch-size", "25"], env)
        elapsed = time.monotonic() - started
        if code != 0:
            sys.exit(f"migration with {workers} workers failed ({code}): {env.stderr.getvalue()}")
        timings = phase_timings("SBX")
        requests = sandbox.zephyr.counters.total() + sandbox.qtest.counters.total()
        return elapsed, requests, timings
    finally:
        sandbox.stop()


def main_benchmark():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as root:
        for workers in args.workers:
            results[workers] = migrate(args.cases, args.latency_ms, workers, os.path.join(root, f"w{workers}"))
    base_elapsed, base_requests, _ = results[args.workers[0]]
    base_rate = base_requests / base_elapsed
    ideal_serial = base_requests * args.latency_ms / 1000
    print(f"{args.cases} test cases, {args.latency_ms} ms per request, {base_requests} requests per migration")
    print(f"one request at a time would take {ideal_serial:.1f}s (the ideal for 1 worker)")
    print(f"{'workers':>8} {'seconds':>8} {'req/s':>8} {'speed-up':>9} {'ideal':>6} {'of ideal':>9}  "
          "extract/transform/load/validate elapsed s")
    for workers, (elapsed, requests, timings) in results.items():
        rate = requests / elapsed
        speedup = rate / base_rate
        ideal = workers / args.workers[0]
        phases = "/".join(f"{timings.get(p, {}).get('elapsed_seconds', 0):.1f}"
                          for p in ("extract", "transform", "load", "validate"))
        print(f"{workers:>8} {elapsed:>8.1f} {rate:>8.1f} {speedup:>8.2f}x {ideal:>5.0f}x {speedup / ideal:>8.0%}  {phases}")


if __name__ == "__main__":
    main_benchmark()
