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
alone, so it always makes progress, and asks again before each item it
takes: a window that started while the others held every helper would
otherwise stay alone to its end, one request in flight, long after they
gave theirs back (the modules of a depth, loaded beside the extraction,
went one by one). Each helper takes the next item until
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
    threads = []
    wanted = min(max(1, workers), len(items)) - 1

    def next_index():
        with lock:
            return next(following, None)

    def call(index):
        try:
            results[index] = function(items[index])
        except BaseException as error:  # re-raised in the caller's thread below
            errors[index] = error

    def helper():
        try:
            for index in iter(next_index, None):
                call(index)
        finally:
            close_all()
            if helpers is not None:
                helpers.release()

    def recruit():
        while len(threads) < wanted and (helpers is None or helpers.acquire(blocking=False)):
            threads.append(threading.Thread(target=helper, daemon=True))
            threads[-1].start()

    recruit()
    for index in iter(next_index, None):
        call(index)
        recruit()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return results
