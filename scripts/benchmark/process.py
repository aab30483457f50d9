"""The peak memory and the CPU time of a command and every process it starts, read from Linux's /proc."""

import glob
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Measured:
    seconds: float
    peak_kb: int
    cpu_seconds: float  # user + system time of the command's whole process tree


def descendants(root):
    """`root` and every process below it, from the kernel's lists of each thread's children.

    Walking the tree from its root reads a handful of files; scanning all
    of /proc took 2 ms of CPU per sample, a tenth of a core at one sample
    every 20 ms, taken from the run it measures on a small machine.
    """
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in glob.glob(f"/proc/{pid}/task/*/children"):
            try:
                with open(children) as handle:
                    todo.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return found


def tree_rss_kb(root):
    """Resident memory of `root` and all its descendants, in KiB."""
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE_KB
        except OSError:
            continue
    return total


def peak_tree_rss_kb(process, interval=0.02):
    """Wait for the Popen `process` to end, sampling its tree's memory; the highest sample, in KiB."""
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(interval)
    return peak


def run_measured(command, env):
    """Run `command` to its end with its output discarded: its wall time, peak memory and CPU time.

    A failing command ends the benchmark with its exit code and the tail of what it printed on stderr.
    """
    started, before = time.monotonic(), _children_cpu()
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        peak = peak_tree_rss_kb(process)
        elapsed = time.monotonic() - started
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(command[1:3])} failed ({process.returncode}): {errors.read()[-2000:]}")
    return Measured(elapsed, peak, _children_cpu() - before)


def _children_cpu():
    """CPU seconds of every child process waited for so far (the kernel adds a child's own children to it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
