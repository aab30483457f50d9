"""Warnings counted by the database group exactly as the same warnings grouped one by one."""

from ztoq_luigi.db.chunked import CHUNK
from ztoq_luigi.db.journal import other_warnings, record_event, record_events, warning_tallies
from ztoq_luigi.db.models import Event
from ztoq_luigi.kinds import Notice, WarningKind
from ztoq_luigi.mapping.users import unmapped_warning
from ztoq_luigi.reports.warnings import EXAMPLES, SUBJECTS, TITLES, group_warnings

USERS = [f"u-{n}" for n in range(1, 14)]


def notices():
    """60 test cases, each owned by one of 13 unmapped users, plus step statuses and one warning of old."""
    for n in range(1, 61):
        yield f"P-T{n}", unmapped_warning(f"P-T{n}", USERS[n % len(USERS)], "owner")
        if n % 3 == 0:
            yield f"P-T{n}", unmapped_warning(f"P-T{n}", "u-1", "custom field 'Tester'")
    for n in range(1, 5):
        yield f"P-E{n}", Notice(WarningKind.STEP_STATUS, f"step {n} has status 'Retest'", "Retest")


def test_counted_in_sql_they_group_as_one_by_one(database):
    recorded = list(notices())
    for entity_key, notice in recorded:
        record_event("P", notice.message, level="WARNING", kind=notice.kind, subject=notice.subject,
                     entity_key=entity_key, batch_no=1)
    record_event("P", "P-E9: 3 widgets were bent", level="WARNING", entity_key="P-E9")
    record_event("P", "P-E9: listed", level="INFO", kind=WarningKind.STEP_STATUS, entity_key="P-E9")
    one_by_one = group_warnings([(key, notice.message, notice.kind, notice.subject) for key, notice in recorded]
                                + [("P-E9", "P-E9: 3 widgets were bent", None, None)])
    counted = group_warnings(other_warnings("P", TITLES), warning_tallies("P", TITLES, EXAMPLES, SUBJECTS))
    assert counted == one_by_one
    users = counted[0]
    assert (users["count"], users["entities"], users["subject_count"], len(users["subjects"])) == (80, 60, 13, 10)
    assert users["subjects"][0] == {"subject": "u-1", "count": 24, "examples": ["P-T3", "P-T6", "P-T9"]}


def test_a_batchs_warnings_recorded_together_are_each_a_warning_of_its_own(database):
    recorded = [(key, notice) for _ in range(5) for key, notice in notices()]
    assert len(recorded) > 2 * CHUNK
    record_events("P", [(key, notice.message, notice.kind, notice.subject) for key, notice in recorded],
                  phase="transform", batch_no=3, level="WARNING")
    counted = group_warnings(other_warnings("P", TITLES), warning_tallies("P", TITLES, EXAMPLES, SUBJECTS))
    assert counted == group_warnings([(key, notice.message, notice.kind, notice.subject) for key, notice in recorded])
    assert {(event.phase, event.batch_no, event.level) for event in Event.select()} == {("transform", 3, "WARNING")}
    assert Event.select().count() == len(recorded)
