"""Compare a qTest test case as read back with the body the load phase sent for it.

Pure and field by field: every difference is one finding a QA lead can act
on (which case, which field, what was expected, what qTest holds).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    rule: str
    field: str
    expected: str
    actual: str


def compare_test_case(expected, actual):
    findings = []

    def check(rule, field, want, got):
        if _norm(want) != _norm(got):
            findings.append(Finding(rule, field, _show(want), _show(got)))

    check("name", "name", expected["name"], actual.get("name"))
    check("module", "parent_id", expected["parent_id"], actual.get("parent_id"))
    check("text", "description", expected["description"], actual.get("description"))
    check("text", "precondition", expected["precondition"], actual.get("precondition"))
    actual_props = {prop.get("field_id"): prop.get("field_value") for prop in actual.get("properties") or []}
    for prop in expected["properties"]:
        check("property", f"field {prop['field_id']}", prop["field_value"], actual_props.get(prop["field_id"]))
    want_steps = expected["test_steps"]
    got_steps = sorted(actual.get("test_steps") or [], key=lambda step: step.get("order") or 0)
    check("steps", "step count", len(want_steps), len(got_steps))
    for number, (want, got) in enumerate(zip(want_steps, got_steps), start=1):
        check("steps", f"step {number} description", want["description"], got.get("description"))
        check("steps", f"step {number} expected", want["expected"], got.get("expected"))
        check("steps", f"step {number} called test case", want.get("called_test_case_id"),
              got.get("called_test_case_id"))
    return findings


def _norm(value):
    if value is None or value == "":
        return ""
    return str(value)


def _show(value):
    text = _norm(value)
    return text if len(text) <= 200 else text[:197] + "..."
