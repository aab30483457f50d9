"""How --max-workers multiplies API concurrency, and what it costs in memory.

Both simulators answer every request after a fixed latency (default 20 ms),
as a remote service would, so throughput is bound by how many requests are
in flight. For each worker count the script migrates a fresh copy of the
same generated project with `ztoq workflow run` in a process of its own, and
reports requests per second, the speed-up over the first worker count as a
ratio of the ideal (N times), and the peak memory of the whole `ztoq`
process tree (resident set size of the process and every descendant,
sampled every 20 ms from /proc). Nothing is asserted: it prints figures.

    python scripts/bench_workers.py [--cases 400] [--latency-ms 20] [--workers 1 8]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import close_all, open_database
from ztoq_luigi.db.state import phase_timings
from ztoq_luigi.sandbox import start_sandbox

ZTOQ = os.path.join(os.path.dirname(sys.executable), "ztoq")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree_rss_kb(root):
    """Resident memory of `root` and all its descendants, in KiB (Linux /proc)."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)], rss[int(entry)] = int(fields[1]), int(fields[21]) * PAGE_KB
    total = 0
    for pid in rss:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root:
            total += rss[pid]
    return total


def migrate(cases, latency_ms, workers, directory):
    sandbox = start_sandbox(size=str(cases), seed=21, latency_ms=latency_ms)
    try:
        env = dict(os.environ, **sandbox.environment())
        started = time.monotonic()
        process = subprocess.Popen([ZTOQ, "workflow", "run", *sandbox.workflow_args(directory), "--max-workers",
                                    str(workers), "--batch-size", "25"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        if process.returncode != 0:
            sys.exit(f"migration with {workers} workers failed ({process.returncode}): {process.stderr.read()}")
        open_database(load_settings({"output_dir": directory}, {}))
        timings = phase_timings(sandbox.project_key)
        close_all()
        requests = sandbox.zephyr.counters.total() + sandbox.qtest.counters.total()
        return elapsed, requests, timings, peak
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
    base_elapsed, base_requests, _, base_peak = results[args.workers[0]]
    base_rate = base_requests / base_elapsed
    print(f"{args.cases} test cases, {args.latency_ms} ms per request, {base_requests} requests per migration")
    print(f"{'workers':>8} {'seconds':>8} {'req/s':>8} {'speed-up':>9} {'ideal':>6} {'of ideal':>9} "
          f"{'peak MB':>8} {'memory':>7}  extract/transform/load/validate elapsed s")
    for workers, (elapsed, requests, timings, peak) in results.items():
        rate = requests / elapsed
        speedup = rate / base_rate
        ideal = workers / args.workers[0]
        phases = "/".join(f"{timings.get(p, {}).get('elapsed_seconds', 0):.1f}"
                          for p in ("extract", "transform", "load", "validate"))
        print(f"{workers:>8} {elapsed:>8.1f} {rate:>8.1f} {speedup:>8.2f}x {ideal:>5.0f}x {speedup / ideal:>8.0%} "
              f"{peak / 1024:>8.1f} {peak / base_peak:>6.2f}x  {phases}")


if __name__ == "__main__":
    main_benchmark()
