"""Fanning one task's independent requests out over threads, within the run's request bound.

The run's request gates still hold every request to at most --max-workers
in flight; this only lets one task have several of them in flight at once
(the modules of one depth, the runs of a window, the step results of a
batch). The calling thread takes items like its helpers, and the helpers
of the whole run are bounded by one semaphore (`helpers`, the run
context's): with --max-workers tasks each fanning out --max-workers ways,
most helper threads would only wait at the gate, each holding its own HTTP
session and database connection (76 threads in a medium run at 8 workers).
A task whose helpers are all taken by others works through its items
alone, so it always makes progress. Each helper takes the next item until
none is left and closes the database connection it opened when it ends,
so none is opened and closed per item.
"""

import threading

from ztoq_luigi.db.connection import close_all


def map_in_threads(function, items, workers, helpers=None):
    """[function(item) for item in items], up to `workers` at a time; the first exception, in item order, is raised
    once every item has been tried.

    `helpers` (a semaphore) bounds the helper threads across the run; without it, `workers - 1` start.
    """
    items = list(items)
    results, errors = [None] * len(items), {}
    following = iter(range(len(items)))
    lock = threading.Lock()

    def take():
        while True:
            with lock:
                index = next(following, None)
            if index is None:
                return
            try:
                results[index] = function(items[index])
            except BaseException as error:  # re-raised in the caller's thread below
                errors[index] = error

    def helper():
        try:
            take()
        finally:
            close_all()
            if helpers is not None:
                helpers.release()

    threads = []
    for _ in range(min(max(1, workers), len(items)) - 1):
        if helpers is not None and not helpers.acquire(blocking=False):
            break
        threads.append(threading.Thread(target=helper, daemon=True))
        threads[-1].start()
    take()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return results
