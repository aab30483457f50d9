"""Fanning one task's independent requests out over threads, within the run's request bound.

The run's request gates still hold every request to at most --max-workers
in flight; this only lets one task have several of them in flight at once
(the modules of one depth, the runs of a window, the step results of a
batch). Each thread takes the next item until none is left and closes the
database connection it opened when it ends, so no connection is left to a
thread that ends, and none is opened and closed per item (at a few hundred
items a batch, that churn cost more than the queries).
"""

import threading

from ztoq_luigi.db.connection import close_all


def map_in_threads(function, items, workers):
    """[function(item) for item in items], up to `workers` at a time; the first exception, in item order, is raised
    once every item has been tried."""
    items = list(items)
    results, errors = [None] * len(items), {}
    following = iter(range(len(items)))
    lock = threading.Lock()

    def work():
        try:
            while True:
                with lock:
                    index = next(following, None)
                if index is None:
                    return
                try:
                    results[index] = function(items[index])
                except BaseException as error:  # re-raised in the caller's thread below
                    errors[index] = error
        finally:
            close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(max(1, workers), len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return results
