"""qTest fields: values written per data type, and what the target lacks before the field plan fits."""

import pytest

from ztoq_luigi.mapping.qtest_body import FieldCatalog, MappingProblem, field_body, field_changes

TYPED = [
    {"id": 8100, "label": "Zephyr Key", "data_type": 1, "allowed_values": None},
    {"id": 8101, "label": "Notes", "data_type": 2},
    {"id": 9001, "label": "Catégorie", "data_type": 17, "multiple": True, "allowed_values": [
        {"value": 31, "label": "Sécurité"}, {"value": 32, "label": "UX"},
        {"value": 33, "label": "Old", "is_active": False}]},
    {"id": 9002, "label": "Assigned To", "data_type": 5, "allowed_values": [{"value": 42, "label": "Jane Roe"}]},
    {"id": 9003, "label": "Area", "data_type": 3, "allowed_values": [{"value": 51, "label": "Data & Analytics"}]},
    {"id": 9004, "label": "Implemented", "data_type": 8, "multiple": True},
    {"id": 9005, "label": "Release Date", "data_type": 4},
    {"id": 9006, "label": "Build Number", "data_type": 7},
]


@pytest.fixture
def typed():
    return FieldCatalog(TYPED)


@pytest.mark.parametrize("label, value, expected", [
    ("Catégorie", ["UX", "Sécurité", "ux"], "[32,31]"),
    ("Catégorie", "UX", "[32]"),
    ("Assigned To", "42", "42"),
    ("Area", "data & analytics", "51"),
    ("Implemented", "false", "false"),
    ("Release Date", "2020-01-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00"),
    ("Build Number", "3.5", "3.5"),
    ("Notes", ["A", "B"], "A, B"),
])
def test_each_data_type_gets_the_string_qtest_expects(typed, label, value, expected):
    prop = typed.property(label, value)
    assert prop["field_value"] == expected and isinstance(prop["field_value"], str)


def test_a_choice_the_field_lacks_stops_the_body(typed):
    with pytest.raises(MappingProblem, match="no value 'Old'"):
        typed.property("Catégorie", ["UX", "Old"])


def entry(label, kind, values=()):
    return {"label": label, "kind": kind, "origin": "custom", "values": list(values)}


def test_missing_fields_are_created_and_missing_choices_added_once_each(typed):
    changes = field_changes([entry("Zephyr Key", "text"), entry("Risk", "number"),
                             entry("Catégorie", "multi-select", ["UX", "Regression", "regression", "Sécurité"]),
                             entry("Area", "combo box", ["Data & Analytics"])], typed)
    assert [e["label"] for e in changes.create] == ["Risk"]
    assert changes.add_values == {"Catégorie": ["Regression"]}
    assert changes.problems == []
    assert changes.missing() == ["field 'Risk' (number)", "values 'Regression' of field 'Catégorie'"]


@pytest.mark.parametrize("label, kind, problem", [
    ("Build Number", "date", "the qTest field 'Build Number' is a number field, which cannot hold the date values"),
    ("Area", "multi-select", "the qTest field 'Area' is a combo box field, which cannot hold the multi-select values"),
    ("Notes", "user", "the qTest field 'Notes' is a text area field, which cannot hold the user values"),
    ("zephyr key", "text", "the field 'zephyr key' would clash with the qTest field 'Zephyr Key'"),
])
def test_a_field_that_cannot_hold_the_planned_values_is_a_problem(typed, label, kind, problem):
    changes = field_changes([entry(label, kind)], typed)
    assert changes.create == [] and len(changes.problems) == 1 and changes.problems[0].startswith(problem)


@pytest.mark.parametrize("label, kind", [("Notes", "number"), ("Zephyr Key", "text area"), ("Catégorie", "combo box"),
                                         ("Release Date", "date"), ("Implemented", "check box")])
def test_existing_fields_of_a_fitting_type_are_used_as_they_are(typed, label, kind):
    changes = field_changes([entry(label, kind)], typed)
    assert (changes.create, changes.add_values, changes.problems) == ([], {}, [])


def test_an_inactive_choice_is_a_problem_not_a_value_to_add(typed):
    changes = field_changes([entry("Catégorie", "multi-select", ["Old"])], typed)
    assert changes.add_values == {} and changes.problems == ["the value 'Old' of qTest field 'Catégorie' is inactive"]


@pytest.mark.parametrize("kind, data_type, multiple", [
    ("text", 1, False), ("text area", 2, False), ("number", 7, False), ("check box", 8, True), ("date", 4, False),
    ("combo box", 3, False), ("multi-select", 17, True), ("user", 5, False)])
def test_fields_are_created_with_the_fitting_data_type(kind, data_type, multiple):
    body = field_body(entry("F", kind))
    assert (body["label"], body["data_type"], body["multiple"], body["required"]) == ("F", data_type, multiple, False)


def test_select_fields_are_created_with_their_choices_once_each():
    body = field_body(entry("Labels", "multi-select", ["Smoke", "テスト", "smoke", "R&D"]))
    assert body["allowed_values"] == [{"label": "Smoke"}, {"label": "テスト"}, {"label": "R&D"}]
    assert "allowed_values" not in field_body(entry("Notes", "text"))


def test_the_accounts_of_a_user_field_are_not_choices_to_add(typed):
    changes = field_changes([entry("Assigned To", "user", ["5b10a2844c20165700ede21a"])], typed)
    assert (changes.create, changes.add_values, changes.problems) == ([], {}, [])
    assert "allowed_values" not in field_body(entry("Tester", "user", ["5b10a2844c20165700ede21a"]))
