"""Benchmark the sandbox data generator at each project size.

For each size it prints what was built, how long it took, the peak memory while building, and
a ratio against an ideal measured in the same run: building as many plain dicts of constants,
with no randomness and no text. The ratio says what the generator's realism costs over bare
allocation on this machine, which a raw time cannot. Nothing is asserted.

Usage: python scripts/bench_generator.py [size ...] [--seed N]
"""

import argparse
import gc
import time
import tracemalloc

from ztoq_luigi.sandbox.generator import SIZES, generate_project, parse_size

COLUMNS = ("size", "cases", "cycles", "plans", "execs", "steps", "results", "files", "dicts", "seconds",
           "ideal s", "ratio", "peak MiB")
IDEAL_FIELDS = 10


def count_dicts(value):
    """Dicts in a nested structure: the generator's unit of work, which the ideal reproduces."""
    count, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            count += 1
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


def dataset_dicts(dataset):
    collections = (dataset.statuses, dataset.priorities, dataset.environments, dataset.folders,
                   dataset.testcases, dataset.testcycles, dataset.testplans, dataset.testexecutions)
    return 1 + sum(count_dicts(collection) for collection in collections)


def ideal_seconds(dicts):
    started = time.perf_counter()
    records = [dict.fromkeys(range(IDEAL_FIELDS), 0) for _ in range(dicts)]
    elapsed = time.perf_counter() - started
    del records
    return elapsed


def peak_mib(size, seed):
    tracemalloc.start()
    generate_project(size, seed=seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2 ** 20


def measure(size, seed):
    """One table row; the dataset is dropped before the ideal runs, so both start from the same heap."""
    gc.collect()
    started = time.perf_counter()
    dataset = generate_project(size, seed=seed)
    seconds = time.perf_counter() - started
    dicts = dataset_dicts(dataset)
    counts = dataset.counts()
    built = (size, counts["testcases"], counts["testcycles"], counts["testplans"], counts["testexecutions"],
             sum(len(case["steps"]) for case in dataset.testcases),
             sum(len(execution["stepResults"]) for execution in dataset.testexecutions),
             len(dataset.files), dicts)
    del dataset
    gc.collect()
    ideal = ideal_seconds(dicts)
    return built + (f"{seconds:.3f}", f"{ideal:.3f}", f"{seconds / ideal:.1f}", f"{peak_mib(size, seed):.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=list(SIZES), help="size names or test-case counts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for size in args.sizes:
        parse_size(size)
    rows = [COLUMNS] + [tuple(str(cell) for cell in measure(size, args.seed)) for size in args.sizes]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    main()
