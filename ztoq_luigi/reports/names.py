"""What each internal entity type is called where people read it: status, reports and progress.

The pipeline names entity types for its own bookkeeping (`executionsteps`,
`run-field`); a QA lead reads "Execution step results" and "Test-run
fields". This is the one table that translates, in the order a migration
meets them; a type missing from it is shown as it is stored.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class EntityName:
    plural: str
    reference: bool = False


ENTITY_NAMES = {
    "project": EntityName("Project", reference=True),
    "priority": EntityName("Priorities", reference=True),
    "environment": EntityName("Environments", reference=True),
    "status:TEST_CASE": EntityName("Test-case statuses", reference=True),
    "status:TEST_CYCLE": EntityName("Test-cycle statuses", reference=True),
    "status:TEST_PLAN": EntityName("Test-plan statuses", reference=True),
    "status:TEST_EXECUTION": EntityName("Execution statuses", reference=True),
    "user": EntityName("Users", reference=True),
    "folder:TEST_CASE": EntityName("Test-case folders"),
    "testcase": EntityName("Test cases"),
    "teststeps": EntityName("Test-case step lists"),
    "testscript": EntityName("Test scripts (plain, BDD)"),
    "folder:TEST_CYCLE": EntityName("Test-cycle folders"),
    "testcycle": EntityName("Test cycles"),
    "testplan": EntityName("Test plans"),
    "execution": EntityName("Test executions"),
    "testexecution": EntityName("Test executions"),
    "executionsteps": EntityName("Execution step results"),
    "embedded-file": EntityName("Attachments (embedded files)"),
    "testcase-field": EntityName("Test-case fields"),
    "module": EntityName("Modules"),
    "release": EntityName("Releases"),
    "cycle": EntityName("Test cycles"),
    "run-field": EntityName("Test-run fields"),
    "testrun": EntityName("Test runs"),
    "testlog": EntityName("Test logs"),
    "embedded-file-texts": EntityName("Test cases, file links fixed"),
    "embedded-file-log-texts": EntityName("Test logs, file links fixed"),
}

# What a QA lead counts: each qTest type with the Zephyr types it is made from (none: no Zephyr counterpart).
MIGRATED = (
    ("module", ("folder:TEST_CASE",)),
    ("testcase", ("testcase",)),
    ("release", ("testplan",)),
    ("cycle", ("testcycle", "folder:TEST_CYCLE")),
    ("testrun", ()),
    ("testlog", ("execution",)),
    ("embedded-file", ("embedded-file",)),
)
# Entity types under which failures of another type are recorded.
FAILURES_OF = {"testexecution": "testlog"}

PHASE_NAMES = {"extract": "Extract", "transform": "Transform", "load": "Load", "validate": "Validate"}


def display_name(entity_type):
    known = ENTITY_NAMES.get(entity_type)
    return known.plural if known else entity_type


def is_reference(entity_type):
    known = ENTITY_NAMES.get(entity_type)
    return bool(known and known.reference)


def in_display_order(entity_types):
    """Known types in the table's order, then unknown ones alphabetically."""
    order = {name: position for position, name in enumerate(ENTITY_NAMES)}
    return sorted(entity_types, key=lambda name: (order.get(name, len(order)), name))
