"""Live progress on the terminal, read from the state database.

Tasks record what they finish in the database, and luigid may hand some
batches to other hosts, so the database is where progress is read. On a terminal the line
is redrawn in place; elsewhere (cron, CI logs) a line is printed when the
figures change, at most every `quiet_interval` seconds.
"""

import threading
import time

from ztoq_luigi.db.connection import close_all
from ztoq_luigi.db.state import summarize


class Progress:
    def __init__(self, project_key, stream, interval=1.0, quiet_interval=15.0):
        self.project_key = project_key
        self.stream = stream
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval if self.interactive else quiet_interval
        self._stop = threading.Event()
        self._thread = None
        self._last = None

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="ztoq-progress", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self._show(final=True)

    def _loop(self):
        try:
            while not self._stop.wait(self.interval):
                self._show()
        finally:
            close_all()

    def _show(self, final=False):
        try:
            line = self.line()
        except Exception:
            return
        if line == self._last and not final:
            return
        self._last = line
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def line(self):
        """One line: per entity type that is migrated, loaded out of transformed; then errors."""
        summary = summarize(self.project_key, recent=0)
        parts = [self.project_key]
        cases = summary.entities.get("testcase")
        if cases and not cases.transformed:
            parts.append(f"testcase extracted {cases.extracted}")
        parts += [f"{name} {counts.loaded}/{counts.transformed}" + (f" ({counts.confirmed} confirmed)"
                                                                     if counts.confirmed else "")
                  for name, counts in summary.entities.items() if counts.transformed]
        parts.append(f"errors {summary.error_count}")
        return " | ".join(parts)
