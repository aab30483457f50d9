"""The peak memory of a command and every process it starts, read from Linux's /proc."""

import os
import subprocess
import sys
import tempfile
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree_rss_kb(root):
    """Resident memory of `root` and all its descendants, in KiB."""
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


def peak_tree_rss_kb(process, interval=0.02):
    """Wait for the Popen `process` to end, sampling its tree's memory; the highest sample, in KiB."""
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(interval)
    return peak


def run_measured(command, env):
    """Run `command` to its end with its output discarded: (seconds, peak KiB of its process tree).

    A failing command ends the benchmark with its exit code and the tail of what it printed on stderr.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        peak = peak_tree_rss_kb(process)
        elapsed = time.monotonic() - started
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(command[1:3])} failed ({process.returncode}): {errors.read()[-2000:]}")
    return elapsed, peak
