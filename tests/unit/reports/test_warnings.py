"""Warnings grouped as a QA lead reads them: one group per kind, one subject per user or file, no repeated key."""

from ztoq_luigi.mapping.users import unmapped_warning
from ztoq_luigi.reports.warnings import classify, group_warnings, without_key


def test_the_same_unmapped_users_on_many_cases_make_one_group_with_a_subject_per_user():
    events = [(f"P-T{n}", unmapped_warning(f"P-T{n}", user, where)) for n in range(1, 61)
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


def test_known_messages_get_their_kind_and_subject():
    cases = {
        "embedded file https://x/a.png could not be fetched (404); the text keeps the original link":
            ("file-not-fetched", "https://x/a.png"),
        "'In Progress' execution has no readable actualEndDate, and qTest needs an execution date; no test log":
            ("execution-without-date", "In Progress"),
        "step 4 has status 'Retest', which has no qTest status; its step log is left out": ("step-status", "Retest"),
        "custom field 'Risk' has mixed values; migrated as a text field": ("field-as-text", "Risk"),
        "priority id 9 is not among the project's priority values; Priority left empty": ("unknown-value", "priority"),
    }
    for message, (kind, subject) in cases.items():
        assert classify(message)[0] == kind and classify(message)[2] == subject, message


def test_unknown_messages_group_when_they_differ_only_in_numbers():
    groups = group_warnings([("P-E1", "P-E1: 3 widgets were bent"), ("P-E2", "P-E2: 12 widgets were bent"),
                             ("P-E3", "P-E3: a gear fell off")])
    assert [(group["count"], group["title"]) for group in groups] == [(2, "3 widgets were bent"),
                                                                       (1, "a gear fell off")]
