"""Finding in qTest an object whose creation may have happened without us hearing the answer.

Each object the load creates carries its Zephyr identity somewhere qTest
returns it: a release or cycle its name and key line, a run its key field,
a log the execution line of its note. These look-ups are what the
exactly-once writes (services/writes.py) ask before sending again.
"""

from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.mapping.cycles import marker_of
from ztoq_luigi.mapping.executions import log_marker


def find_container(items, name, marker):
    """The id of the listed release or cycle with this name and key line, or None."""
    for item in items:
        if item.get("name") == name and marker_of(item.get("description")) == marker:
            return item["id"]
    return None


def find_run(qtest, key_field, cycle_id, run_key):
    """The id of the run in the cycle whose key field holds `run_key`, or None."""
    for run in qtest.test_runs(cycle_id):
        if property_value(run, key_field) == run_key:
            return run["id"]
    return None


def find_log(qtest, run_id, execution):
    """The id of the run's log whose note names the Zephyr execution, or None."""
    for log in qtest.test_logs(run_id):
        if log_marker(log.get("note")) == execution:
            return log["id"]
    return None
