"""SIGINT and SIGTERM during a run: stop cleanly, so that `resume` has nothing to untangle.

The first signal sets the run's stop event: no request starts any more
(clients/gate.py), each task's request in flight finishes and its result is
recorded, Luigi is told to take no new task, and the run ends as
"interrupted" with exit status 130 (SIGINT) or 143 (SIGTERM). A second
signal does not wait for the requests in flight: the process exits at once,
which the write protocol makes as safe as a SIGKILL.
"""

import os
import signal
import threading

from ztoq_luigi.errors import ExitStatus

EXIT_STATUS = {signal.SIGINT: ExitStatus.INTERRUPTED, signal.SIGTERM: ExitStatus.TERMINATED}


class StopOnSignal:
    """Installs the handlers for the duration of a run (in the main thread, the only one that may)."""

    def __init__(self, on_stop=None):
        self.event = threading.Event()
        self.signum = None
        self.on_stop = on_stop
        self._previous = {}

    @property
    def exit_status(self):
        return EXIT_STATUS.get(self.signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in EXIT_STATUS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        return False

    def _handle(self, signum, frame):
        if self.event.is_set():
            os._exit(int(EXIT_STATUS[signum]))
        self.signum = signum
        self.event.set()
        if self.on_stop is not None:
            self.on_stop()
