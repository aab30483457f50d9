"""Reference data read once per run: the Zephyr project, qTest's field settings and execution statuses.

Every batch of the load and of the validation needs the target's field
settings and execution statuses; read per batch they cost a request per
batch and object type (165 field reads for 2 at 3,000 test cases). During a
run they change only through the migration's own field writes
(tasks/load/fields.py), which call forget() after writing, so what was read
before is never used after. The look-ups that decide whether a write took
effect (services/writes.py) read qTest directly, never from here.
"""

import copy
import threading


class Reference:
    """What the run's tasks share; `qtest` and `zephyr` give the calling thread's client."""

    def __init__(self, qtest, zephyr):
        self._qtest, self._zephyr = qtest, zephyr
        self._lock = threading.Lock()
        self._values = {}

    def zephyr_project(self, project_key):
        return self._once(("zephyr-project", project_key), lambda: self._zephyr().project(project_key))

    def fields(self, object_type):
        """qTest's field settings of test cases or test runs (the client's fields(), so services/fields.py reads either)."""
        return self._once(("fields", object_type), lambda: self._qtest().fields(object_type))

    def execution_statuses(self):
        return self._once(("execution-statuses",), lambda: self._qtest().execution_statuses())

    def forget(self, object_type):
        """After a write to the field settings of `object_type`: the next read asks qTest again."""
        with self._lock:
            self._values.pop(("fields", object_type), None)

    def _once(self, key, read):
        """The value read once; the lock is held while reading, so a forget() after a write never meets a stale value."""
        with self._lock:
            if key not in self._values:
                self._values[key] = read()
            return copy.deepcopy(self._values[key])
