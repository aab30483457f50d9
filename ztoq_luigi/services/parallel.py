"""Fanning one task's independent requests out over threads, within the run's request bound.

The run's request gates still hold every request to at most --max-workers
in flight; this only lets one task have several of them in flight at once
(the modules of one depth, the module listings of a count). Each call
closes the database connection its thread opened, so no connection is left
to a thread that ends.
"""

from concurrent.futures import ThreadPoolExecutor

from ztoq_luigi.db.connection import close_all


def map_in_threads(function, items, workers):
    """[function(item) for item in items], up to `workers` at a time, in order."""

    def call(item):
        try:
            return function(item)
        finally:
            close_all()

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(call, items))
