"""Compare a qTest test case as read back with the body the load phase sent for it.

Pure and field by field: every difference is one finding a QA lead can act
on (which case, which field, what was expected, what qTest holds). Rich
texts compare after HTML normalisation (validation/html.py). The rules
test-case-fields and test-case-steps (validation/builtin.py) report them.
"""

import re
from dataclasses import dataclass

from ztoq_luigi.mapping.executions import instant
from ztoq_luigi.validation.html import normalise_html


@dataclass(frozen=True)
class Finding:
    rule: str
    field: str
    expected: str
    actual: str


def compare_test_case(expected, actual, id_lists=frozenset()):
    """Findings, one per difference; the values of the fields in `id_lists` are compared as sets of option ids.

    Check boxes and multi-selects hold "[801,802]": the order of the ids and
    an empty "[]" versus nothing say nothing about what is ticked.
    """
    findings = []

    def check(rule, field, want, got, norm=_norm):
        if norm(want) != norm(got):
            findings.append(Finding(rule, field, _show(want), _show(got)))

    check("name", "name", expected["name"], actual.get("name"))
    check("module", "parent_id", expected["parent_id"], actual.get("parent_id"))
    check("text", "description", expected["description"], actual.get("description"), normalise_html)
    check("text", "precondition", expected["precondition"], actual.get("precondition"), normalise_html)
    actual_props = {prop.get("field_id"): prop.get("field_value") for prop in actual.get("properties") or []}
    for prop in expected["properties"]:
        check("property", f"field {prop['field_id']}", prop["field_value"], actual_props.get(prop["field_id"]),
              _ids if prop["field_id"] in id_lists else _norm)
    want_steps = expected["test_steps"]
    got_steps = sorted(actual.get("test_steps") or [], key=lambda step: step.get("order") or 0)
    check("steps", "step count", len(want_steps), len(got_steps))
    for number, (want, got) in enumerate(zip(want_steps, got_steps), start=1):
        check("steps", f"step {number} description", want["description"], got.get("description"), normalise_html)
        check("steps", f"step {number} expected", want["expected"], got.get("expected"), normalise_html)
        check("steps", f"step {number} called test case", want.get("called_test_case_id"),
              got.get("called_test_case_id"))
    return findings


def same_log_texts(log, actual):
    """Whether a qTest log shows the note and step results of a transformed log (texts as a user reads them)."""
    def steps(rows):
        return sorted((row.get("order") or 0, normalise_html(row.get("actual_result"))) for row in rows or [])

    return (normalise_html(log["note"]) == normalise_html(actual.get("note"))
            and steps(log["steps"]) == steps(actual.get("test_step_logs")))


def same_log(body, actual):
    """Whether a qTest log holds what a PUT of the test-logs body would set: nothing to send.

    Status, case version, dates (as instants: qTest answers in its own
    spelling), execution time, note and each step log (its step, status and
    actual result); texts compare as a reader sees them.
    """
    def log(item):
        steps = sorted(map(step, item.get("test_step_logs") or []), key=lambda row: row[0])
        return ((item.get("status") or {}).get("id"), item.get("test_case_version_id"),
                instant(item.get("exe_start_date")), instant(item.get("exe_end_date")),
                item.get("actual_exe_time") or None, normalise_html(item.get("note")), steps)

    def step(row):
        return (row.get("order") or 0, row.get("test_step_id"), row.get("called_test_case_id"),
                row.get("parent_test_step_id"), (row.get("status") or {}).get("id"),
                normalise_html(row.get("actual_result")))

    return log(body) == log(actual)


def _norm(value):
    if value is None or value == "":
        return ""
    return str(value)


def _ids(value):
    found = sorted({int(number) for number in re.findall(r"\d+", _norm(value))})
    return "[" + ",".join(map(str, found)) + "]" if found else ""


def _show(value):
    text = _norm(value)
    return text if len(text) <= 200 else text[:197] + "..."
