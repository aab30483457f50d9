"""Zephyr custom fields: the qTest field each becomes (inferred from every value) and its values."""

import pytest

from ztoq_luigi.kinds import WarningKind
from ztoq_luigi.mapping.custom_fields import (
    CHECK_BOX, COMPONENT_FIELD, DATE, ESTIMATE_FIELD, ISSUE_LINKS_FIELD, MULTI_SELECT, NUMBER, SELECT, TEXT,
    TEXT_AREA, USER, WEB_LINKS_FIELD, CheckBoxOptions, FieldSurvey, Unfit, field_value, number_text,
)
from ztoq_luigi.mapping.rules import MappingRules

OWNER = "5b10a2844c20165700ede21a"
PREFIXED = "557058:f1e2d3c4-0000-4000-8000-000000000001"



def plan(values_per_case, rules=None, **case_fields):
    """The field plan of a project whose cases hold these custom-field values (one dict per case)."""
    survey = FieldSurvey(rules or MappingRules())
    for custom in values_per_case:
        survey.add({"key": "SA-T1", "customFields": custom, **case_fields})
    return survey.plan()


def kinds(values_per_case, **kwargs):
    entries, _ = plan(values_per_case, **kwargs)
    return {entry["zephyr_name"]: entry["kind"] for entry in entries if entry.get("zephyr_name")}


def one_field(values, **kwargs):
    return kinds([{"F": value} for value in values], **kwargs)["F"]


# --- type inference ------------------------------------------------------------------------------------

@pytest.mark.parametrize("values, kind", [
    ([20, 4168, 0], NUMBER),
    ([3.83, 7, 0.01], NUMBER),
    ([True, False, False], CHECK_BOX),
    (["2020-01-01", "2023-12-31"], DATE),
    ([["Performance", "Regression"], [], ["UX"]], MULTI_SELECT),
    (["User should have logged in.<br>Navigated", "Данные загружены<br/>x"], TEXT_AREA),
    (["one line", "two<br>lines", "more"], TEXT_AREA),
    (["Frontend", "Backend", "Frontend", "Backend", "Mobile", "Mobile"], SELECT),
    (["RC-2", "see wiki", "RC-2", "see wiki", "", "RC-2"], TEXT),
    (["a", "b", "c"], TEXT),
    (["needs <review>", "needs <review>", "ok", "ok"], TEXT),
    (["   ", "x", "x", "x"], TEXT),
])
def test_the_kind_is_inferred_from_every_value_of_the_project(values, kind):
    assert one_field(values) == kind


def test_nulls_and_empty_values_say_nothing_about_the_type():
    assert one_field([None, 12, None, 3]) == NUMBER
    assert one_field([[], ["A"], None, ["B", "A"]]) == MULTI_SELECT
    assert one_field([None, None]) == TEXT


@pytest.mark.parametrize("values, shown", [
    ([12, "twelve"], "number, text"),
    ([True, 1], "check box, number"),
    (["2020-01-01", "soon"], "date, text"),
    ([["A"], "A"], "multi-select, text"),
])
def test_conflicting_types_fall_back_to_text_and_are_reported(values, shown):
    entries, notes = plan([{"Mixed": value} for value in values])
    assert [entry["kind"] for entry in entries if entry.get("zephyr_name") == "Mixed"] == [TEXT]
    assert [(name, notice.kind, notice.message) for name, notice in notes] == [
        ("Mixed", WarningKind.FIELD_AS_TEXT,
         f"custom field 'Mixed' holds values of different types across the project ({shown}); migrated as a text field")]


def test_account_ids_of_known_users_make_a_user_field():
    rows = [{"Tester": OWNER}, {"Tester": PREFIXED}, {"Tester": None}]
    assert kinds(rows, owner={"accountId": OWNER}) == {"Tester": USER}
    assert kinds(rows, rules=MappingRules(users={PREFIXED: "7"})) == {"Tester": USER}


def test_account_shaped_values_of_no_known_user_stay_text():
    rows = [{"Build Id": "fa2e582e-5e15-521e-92e3-47e6ca2e7256"}, {"Build Id": "0a2e582e-5e15-521e-92e3-47e6ca2e7256"}]
    assert kinds(rows) == {"Build Id": TEXT}


def test_select_and_multi_select_entries_list_their_choices_in_first_seen_order():
    entries, _ = plan([{"Area": "Ops/Infra", "Cat": ["Sécurité", "UX"]}, {"Area": "Data & Analytics", "Cat": []},
                       {"Area": "Ops/Infra", "Cat": ["UX", "Regression"]}, {"Area": "Data & Analytics"}])
    by_name = {entry["zephyr_name"]: entry for entry in entries if entry.get("zephyr_name")}
    assert by_name["Area"]["values"] == ["Ops/Infra", "Data & Analytics"]
    assert by_name["Cat"]["values"] == ["Sécurité", "UX", "Regression"]


def test_the_plan_holds_the_key_labels_owner_and_attribute_fields_only_when_used():
    rules = MappingRules(users={OWNER: "42"})
    survey = FieldSurvey(rules)
    survey.add({"key": "SA-T1", "labels": ["Smoke", " UI ", ""], "owner": {"accountId": OWNER},
                "estimatedTime": 0, "component": {"id": 10101}, "links": {"issues": [{"issueId": 1}], "webLinks": []}})
    survey.add({"key": "SA-T2", "labels": ["Smoke", "R&D"], "owner": None})
    entries, notes = survey.plan()
    assert [(entry["label"], entry["kind"], entry["values"]) for entry in entries] == [
        ("Zephyr Key", TEXT, []), ("Labels", MULTI_SELECT, ["Smoke", "UI", "R&D"]), ("Assigned To", USER, [OWNER]),
        (ESTIMATE_FIELD, NUMBER, []), (COMPONENT_FIELD, TEXT, []), (ISSUE_LINKS_FIELD, TEXT_AREA, [])]
    assert notes == []


def test_no_assigned_to_field_when_no_owner_is_mapped():
    survey = FieldSurvey(MappingRules())
    survey.add({"key": "SA-T1", "owner": {"accountId": OWNER}, "links": {"webLinks": [{"url": "https://x"}]}})
    assert [entry["label"] for entry in survey.plan()[0]] == ["Zephyr Key", WEB_LINKS_FIELD]


def test_the_labels_field_follows_the_mapping_rules():
    survey = FieldSurvey(MappingRules(labels_field="Tags", key_field="Legacy ID"))
    survey.add({"key": "SA-T1", "labels": ["a/b"]})
    assert [entry["label"] for entry in survey.plan()[0]] == ["Legacy ID", "Tags"]


@pytest.mark.parametrize("name", ["Labels", "zephyr key", "Assigned To", "Priority", "status", ESTIMATE_FIELD])
def test_a_custom_field_named_like_a_field_the_migration_fills_is_renamed_and_reported(name):
    entries, notes = plan([{name: "x"}])
    custom = [entry for entry in entries if entry.get("zephyr_name") == name]
    assert [entry["label"] for entry in custom] == [f"{name} (Zephyr)"]
    assert [(field, notice.kind, notice.message) for field, notice in notes] == [
        (name, WarningKind.FIELD_RENAMED,
         f"custom field '{name}' has the name of a field the migration fills itself; migrated as '{name} (Zephyr)'")]


def test_the_survey_keeps_a_bounded_number_of_choices():
    entries, notes = plan([{"Many": [f"option {n}"]} for n in range(1200)])
    many = next(entry for entry in entries if entry.get("zephyr_name") == "Many")
    assert many["kind"] == TEXT and many["values"] == []
    assert "more than 1000 distinct choices" in notes[0][1].message


# --- values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, value, expected", [
    (TEXT, "Ünïcödé text", "Ünïcödé text"),
    (TEXT, "a & b", "a & b"),
    (TEXT, "needs <review> &amp; more", "needs <review> &amp; more"),
    (TEXT, "  padded  ", "  padded  "),
    (TEXT, 12, "12"),
    (TEXT, True, "true"),
    (TEXT, ["A", "B"], "A, B"),
    (TEXT_AREA, "Cache &amp; cookies cleared<br>Данные загружены<BR/>last<br />",
     "Cache & cookies cleared\nДанные загружены\nlast\n"),
    (TEXT_AREA, "plain &lt;tag&gt; 🚀", "plain <tag> 🚀"),
    (NUMBER, 20, "20"),
    (NUMBER, 0, "0"),
    (NUMBER, 3.5, "3.5"),
    (NUMBER, 0.1, "0.1"),
    (NUMBER, 1e20, "100000000000000000000"),
    (NUMBER, 2.0, "2"),
    (CHECK_BOX, True, True),
    (DATE, "2020-01-01", "2020-01-01T00:00:00+00:00"),
    (SELECT, "Data & Analytics", "Data & Analytics"),
    (MULTI_SELECT, ["Sécurité", "UX", "Sécurité", " "], ["Sécurité", "UX"]),
    (USER, OWNER, OWNER),
])
def test_values_are_converted_for_their_kind(kind, value, expected):
    assert field_value(kind, value) == expected


@pytest.mark.parametrize("kind", [TEXT, TEXT_AREA, NUMBER, CHECK_BOX, DATE, SELECT, MULTI_SELECT, USER])
@pytest.mark.parametrize("value", [None, "", "   ", []])
def test_null_and_empty_values_leave_the_field_empty(kind, value):
    assert field_value(kind, value) is None


@pytest.mark.parametrize("kind, value", [(NUMBER, "12"), (CHECK_BOX, "yes"), (DATE, "01/02/2020"),
                                         (MULTI_SELECT, "A"), (SELECT, ["A"]), (USER, 42), (NUMBER, True)])
def test_a_value_that_does_not_fit_its_kind_is_refused(kind, value):
    with pytest.raises(Unfit):
        field_value(kind, value)


def test_an_unticked_checkbox_leaves_the_qtest_check_box_empty():
    """A qTest check box holds the options ticked: `false` is none of them, not a value to send."""
    assert field_value(CHECK_BOX, False) is None
    assert field_value(CHECK_BOX, True) is True


def test_check_box_options_named_per_field_else_the_mapping_default():
    options = CheckBoxOptions(created="Done", named={"Implemented": "Fertig"})
    assert options.for_new("Implemented") == "Fertig" and options.for_new("Reviewed") == "Done"
    assert options.preferred() == ["Done", "Yes", "True"]
    assert CheckBoxOptions().preferred() == ["Yes", "True"]


def test_numbers_never_use_an_exponent():
    assert number_text(1e-7) == "0.0000001"
    assert number_text(-12) == "-12"


def test_user_fields_list_the_mapped_accounts_they_hold_for_the_user_lookup():
    rules = MappingRules(users={OWNER: "42", PREFIXED: "jdoe", "unused": "7"})
    survey = FieldSurvey(rules)
    survey.add({"key": "SA-T1", "owner": {"accountId": PREFIXED}, "customFields": {"Tester": OWNER}})
    survey.add({"key": "SA-T2", "owner": {"accountId": "5b10a2844c20165700ede21b"},
                "customFields": {"Tester": "5b10a2844c20165700ede21c"}})
    entries, _ = survey.plan()
    users = {entry["label"]: entry["values"] for entry in entries if entry["kind"] == USER}
    assert users == {"Assigned To": [PREFIXED], "Tester": [OWNER]}
