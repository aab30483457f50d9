"""The target's field settings as the load and the validation need them, and refusing a mapping that does not fit.

Every qTest field the migration fills is looked up here: the test-case
fields (with the mapping's choice of check-box options) and the test-run
field that carries each run's Zephyr key. `qtest` is what reads the field
settings: the run's Reference (services/reference.py, read once per run),
or the client itself where a write must be confirmed against qTest as it is.
"""

from ztoq_luigi.db.entities import extracted
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.kinds import Entity
from ztoq_luigi.mapping.qtest_body import TEXT_BOX, FieldCatalog

TEXT_FIELD = TEXT_BOX  # the data type of the key fields other areas create (runs, cycles)


class MappingConfigError(ConfigError):
    """The mapping names a qTest value the target project does not have."""


def test_case_fields(qtest, rules):
    """The target's test-case fields, with the mapping's choice of check-box options."""
    return FieldCatalog(qtest.fields("test-cases"), rules.check_boxes)


def find_run_key_field(qtest, rules):
    """The id of the test-runs text field that holds each run's Zephyr key, or None."""
    return next((field["id"] for field in qtest.fields("test-runs") if field["label"] == rules.key_field), None)


def missing_run_fields(qtest, rules):
    """The test-run field that carries each run's Zephyr key, as one phrase, when qTest lacks it."""
    return [] if find_run_key_field(qtest, rules) is not None else [f"test-run field '{rules.key_field}' (text)"]


def unmapped_execution_statuses(project_key, rules, statuses):
    """Zephyr execution statuses whose mapped qTest status is not among `statuses` (the target's), one phrase each."""
    known = {status["name"] for status in statuses}
    problems = []
    for status in extracted(project_key, Entity.EXECUTION_STATUS).values():
        target = rules.execution_status(status["name"])
        if target is not None and target not in known:
            problems.append(f"Zephyr execution status '{status['name']}' maps to '{target}': qTest has no such "
                            "execution status")
    return problems


def field_id(qtest, label):
    """The id of the test-case field with this label, or None."""
    for field in qtest.fields("test-cases"):
        if field["label"] == label:
            return field["id"]
    return None


def refuse(what, problems, expected, every=False):
    """Stop the load with one line: the first problem (or all of them) and what was expected."""
    if not problems:
        return
    shown = ", ".join(problems) if every else problems[0] + (
        f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
    raise MappingConfigError(f"{what}: {shown}; {expected}")
