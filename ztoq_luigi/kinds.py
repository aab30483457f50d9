"""The names every layer shares: phases, entity types, write states, kinds of task marker and of warning.

They are stored in the state database as the plain strings below, so a
value is never renamed once released; code compares and passes the enum
members, never the strings.
"""

import enum
from dataclasses import dataclass
from typing import Optional


class Name(str, enum.Enum):
    """A string enum that reads and stores as its value (enum.StrEnum, on every Python the package supports)."""

    def __str__(self):
        return self.value


class Phase(Name):
    EXTRACT = "extract"
    TRANSFORM = "transform"
    LOAD = "load"
    VALIDATE = "validate"


PHASES = tuple(phase.value for phase in Phase)


class Entity(Name):
    """What a row of the state database is about: a Zephyr payload, a qTest payload, a correspondence."""

    PROJECT = "project"
    PRIORITY = "priority"
    ENVIRONMENT = "environment"
    TEST_CASE_STATUS = "status:TEST_CASE"
    EXECUTION_STATUS = "status:TEST_EXECUTION"
    CYCLE_STATUS = "status:TEST_CYCLE"
    PLAN_STATUS = "status:TEST_PLAN"
    TEST_CASE_FOLDER = "folder:TEST_CASE"
    TEST_CYCLE_FOLDER = "folder:TEST_CYCLE"
    TEST_CASE = "testcase"
    TEST_STEPS = "teststeps"
    TEST_SCRIPT = "testscript"
    TEST_CYCLE = "testcycle"
    TEST_PLAN = "testplan"
    EXECUTION = "execution"
    EXECUTION_STEPS = "executionsteps"
    TEST_EXECUTION = "testexecution"
    FILE = "embedded-file"
    MODULE = "module"
    FIELD_PLAN = "testcase-field"
    RUN_FIELD = "run-field"
    USER = "user"
    CYCLE = "cycle"
    RELEASE = "release"
    TEST_RUN = "testrun"
    TEST_LOG = "testlog"
    CASE_TEXTS = "embedded-file-texts"
    LOG_TEXTS = "embedded-file-log-texts"

    @classmethod
    def status(cls, status_type):
        return cls(f"status:{status_type}")

    @classmethod
    def folder(cls, folder_type):
        return cls(f"folder:{folder_type}")


class WriteState(Name):
    """How sure we are that a qTest object exists: the exactly-once protocol of services/writes.py."""

    PENDING = "pending"
    CREATED = "created"
    CONFIRMED = "confirmed"
    DELETED = "deleted"


LOADED = (WriteState.CREATED, WriteState.CONFIRMED)


class WriteOutcome(enum.Enum):
    """What a write handed to services/writes.py answers instead of qTest's answer; never stored.

    A member rather than a string, so that nothing qTest answers can be
    taken for it. HELD: qTest was found holding the content, nothing was sent.
    """

    HELD = enum.auto()


class MarkerKind(Name):
    """What finished when a marker row was written."""

    PHASE = "phase"
    GROUP = "group"
    STEP = "step"
    BATCH = "batch"


class WarningKind(Name):
    """What a warning is about: reports group warnings by kind and subject instead of reading their text."""

    UNMAPPED_USER = "unmapped-user"
    FILE_NOT_FETCHED = "file-not-fetched"
    EXECUTION_WITHOUT_DATE = "execution-without-date"
    CASE_NOT_EXTRACTED = "case-not-extracted"
    STEP_STATUS = "step-status"
    CALL_AS_TEXT = "call-as-text"
    EMPTY_STEP = "empty-step"
    UNKNOWN_VALUE = "unknown-value"
    FIELD_RENAMED = "field-renamed"
    FIELD_AS_TEXT = "field-as-text"
    FIELD_VALUE = "field-value"
    RUN_LOCK_TAKEN_OVER = "run-lock-taken-over"
    DELETED_IN_ZEPHYR = "deleted-in-zephyr"


class ZephyrDeletions(Name):
    """What a sync does with a qTest object whose Zephyr entity was deleted (--zephyr-deletions)."""

    REPORT = "report"
    DELETE = "delete"


class SyncChange(Name):
    """What a sync round did to the qTest objects of one type: the columns of its tallies."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED_IN_ZEPHYR = "deleted_in_zephyr"
    DELETED = "deleted"


@dataclass(frozen=True)
class Notice:
    """A warning about one entity: its kind, what it is about (a user, a file, a status), and the sentence to read."""

    kind: WarningKind
    message: str
    subject: Optional[str] = None


class Snapshot(Name):
    """What validation read in bulk and keeps until the next validation (db/readback.py): qTest as it is,
    and, for `--against source`, Zephyr as it is now."""

    QTEST_MODULE = "qtest:module"
    QTEST_TEST_CASE = "qtest:test-case"
    QTEST_CYCLE = "qtest:test-cycle"
    QTEST_TEST_RUN = "qtest:test-run"
    QTEST_TEST_LOG = "qtest:test-log"
    ZEPHYR_TEST_CASE = "zephyr:testcase"
    ZEPHYR_CASE_FOLDER = "zephyr:folder:TEST_CASE"
    ZEPHYR_CYCLE_FOLDER = "zephyr:folder:TEST_CYCLE"
    ZEPHYR_TEST_CYCLE = "zephyr:testcycle"
    ZEPHYR_EXECUTION = "zephyr:execution"
    LOADED_TEST_CASE = "load:test-case"  # not validation's: a case as the load's last write to it answered
