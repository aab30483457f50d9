"""Warnings grouped as a QA lead reads them: one group per kind, one subject per user or file, no repeated key."""

from ztoq_luigi.kinds import Notice, WarningKind
from ztoq_luigi.mapping.users import unmapped_warning
from ztoq_luigi.reports.warnings import group_warnings, without_key


def record(entity_key, notice):
    return entity_key, notice.message, notice.kind, notice.subject


def test_the_same_unmapped_users_on_many_cases_make_one_group_with_a_subject_per_user():
    events = [record(f"P-T{n}", unmapped_warning(f"P-T{n}", user, where)) for n in range(1, 61)
              for user, where in (("u-1", "owner"), ("u-2", "custom field 'Tester'")) if n % 2 or user == "u-1"]
    [group] = group_warnings(events)
    assert group["kind"] == "unmapped-user" and group["count"] == 90 and group["entities"] == 60
    assert [(s["subject"], s["count"]) for s in group["subjects"]] == [("u-1", 60), ("u-2", 30)]
    assert group["subjects"][0]["examples"] == ["P-T1", "P-T2", "P-T3"]
    assert group["examples"][0] == {"entity_key": "P-T1", "message": "user u-1 (owner) is not in the user mapping; "
                                                                     "left empty"}


def test_the_key_prefix_is_dropped_only_when_it_is_the_entity_itself():
    assert without_key("P-T1: step 3 has no description", "P-T1") == "step 3 has no description"
    assert without_key("P-T1: step 3 has no description", "P-T2") == "P-T1: step 3 has no description"
    assert without_key("listed 40 cases", None) == "listed 40 cases"


def test_a_recorded_kind_and_subject_group_warnings_whatever_their_wording():
    notices = [Notice(WarningKind.STEP_STATUS, "step 4 has status 'Retest', which has no qTest status", "Retest"),
               Notice(WarningKind.STEP_STATUS, "another wording for status 'Retest'", "Retest"),
               Notice(WarningKind.FILE_NOT_FETCHED, "acme.atlassian.net: 3 embedded files could not be fetched",
                      "acme.atlassian.net")]
    groups = {group["kind"]: group for group in group_warnings(record("P-E1", notice) for notice in notices)}
    assert groups["step-status"]["count"] == 2 and groups["step-status"]["subjects"][0]["subject"] == "Retest"
    assert groups["file-not-fetched"]["title"].startswith("Embedded files that could not be downloaded")


def test_warnings_without_a_kind_group_when_they_differ_only_in_numbers():
    groups = group_warnings([("P-E1", "P-E1: 3 widgets were bent", None, None),
                             ("P-E2", "P-E2: 12 widgets were bent", None, None),
                             ("P-E3", "P-E3: a gear fell off", None, None)])
    assert [(group["count"], group["title"]) for group in groups] == [(2, "3 widgets were bent"),
                                                                       (1, "a gear fell off")]
