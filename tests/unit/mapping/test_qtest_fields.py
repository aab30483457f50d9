"""qTest fields: values written per data type, and what the target lacks before the field plan fits."""

import pytest

from ztoq_luigi.mapping.custom_fields import CheckBoxOptions
from ztoq_luigi.mapping.qtest_body import FieldCatalog, MappingProblem, field_body, field_changes, with_unticked

TYPED = [
    {"id": 8100, "label": "Zephyr Key", "data_type": 1, "allowed_values": None},
    {"id": 8101, "label": "Notes", "data_type": 2},
    {"id": 9001, "label": "Catégorie", "data_type": 17, "multiple": True, "allowed_values": [
        {"value": 31, "label": "Sécurité"}, {"value": 32, "label": "UX"},
        {"value": 33, "label": "Old", "is_active": False}]},
    {"id": 9002, "label": "Assigned To", "data_type": 5, "allowed_values": [{"value": 42, "label": "Jane Roe"}]},
    {"id": 9003, "label": "Area", "data_type": 3, "allowed_values": [{"value": 51, "label": "Data & Analytics"}]},
    {"id": 9004, "label": "Implemented", "data_type": 8, "multiple": True, "allowed_values": [{"value": 61, "label": "Yes"}]},
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
    ("Implemented", True, "[61]"),
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


# --- check boxes: a qTest check box is a multiple picklist, ticked by choosing its option ----------------

def check_box(*options, label="Done?"):
    """A qTest check box; an option written '~Label' is inactive."""
    return {"id": 9100, "label": label, "data_type": 8, "multiple": True,
            "allowed_values": [{"value": 70 + n, "label": option.lstrip("~"), "is_active": not option.startswith("~")}
                               for n, option in enumerate(options)]}


@pytest.mark.parametrize("options, named, ticked", [
    (["Erledigt"], {}, "[70]"),
    (["No", "yes"], {}, "[71]"),
    (["False", "TRUE", "N/A"], {}, "[71]"),
    (["Yes", "True"], {}, "[70]"),
    (["Done", "Not done"], {"Done?": "done"}, "[70]"),
    (["~Yes", "Ticked"], {}, "[71]"),
])
def test_a_ticked_checkbox_becomes_the_id_of_the_option_that_means_ticked(options, named, ticked):
    catalog = FieldCatalog([check_box(*options)], CheckBoxOptions(named=named))
    assert catalog.property("Done?", True) == {"field_id": 9100, "field_value": ticked}


def test_the_mapping_default_option_is_preferred_for_existing_check_boxes_too():
    catalog = FieldCatalog([check_box("Yes", "Done")], CheckBoxOptions(created="Done"))
    assert catalog.property("Done?", True)["field_value"] == "[71]"


@pytest.mark.parametrize("value", [False, "true", "false", None])
def test_only_true_is_a_check_box_value(value):
    with pytest.raises(MappingProblem, match="is not a value of the qTest check box 'Done\\?'"):
        FieldCatalog([check_box("Yes")]).property("Done?", value)


def test_a_check_box_without_an_option_for_ticked_is_reported_before_loading():
    catalog = FieldCatalog([check_box("Green", "Red")])
    changes = field_changes([entry("Done?", "check box")], catalog)
    assert changes.unticked == ["the qTest check box 'Done?' has the options 'Green', 'Red', none of them 'Yes' "
                                "or 'True'"]
    assert (changes.create, changes.add_values, changes.problems) == ([], {}, [])


def test_an_option_named_by_the_mapping_must_exist():
    catalog = FieldCatalog([check_box("Yes", "~Done")], CheckBoxOptions(named={"Done?": "Done"}))
    changes = field_changes([entry("Done?", "check box")], catalog)
    assert changes.unticked == ["check_boxes names the option 'Done' of the qTest check box 'Done?', which has no "
                                "such active option (it has: 'Yes')"]


def test_new_check_boxes_are_created_with_the_one_option_the_mapping_names():
    catalog = FieldCatalog(TYPED, CheckBoxOptions(created="Ticked", named={"Reviewed": "Signed off"}))
    changes = field_changes([entry("Verified", "check box"), entry("Reviewed", "check box")], catalog)
    bodies = [field_body(created) for created in changes.create]
    assert bodies == [
        {"label": "Verified", "data_type": 8, "required": False, "multiple": True, "allowed_values": [{"label": "Ticked"}]},
        {"label": "Reviewed", "data_type": 8, "required": False, "multiple": True,
         "allowed_values": [{"label": "Signed off"}]}]
    assert changes.missing() == ["field 'Verified' (check box)", "field 'Reviewed' (check box)"]


def test_an_existing_check_box_without_options_gets_one():
    catalog = FieldCatalog([check_box(), check_box("~Yes", label="Legacy")])
    changes = field_changes([entry("Done?", "check box"), entry("Legacy", "check box")], catalog)
    assert changes.add_values == {"Done?": ["Yes"]}
    assert changes.problems == ["the value 'Yes' of qTest field 'Legacy' is inactive"]


def test_unticked_check_boxes_are_expected_empty_and_listed_fields_compare_as_ids():
    catalog = FieldCatalog([check_box("Yes"), dict(check_box("Yes", label="Other"), id=9101)] + TYPED)
    body = {"properties": [{"field_id": 9101, "field_value": "[70]"}]}
    expected = with_unticked(body, catalog, ["Done?", "Other", "Not in qTest"])
    assert expected["properties"] == [{"field_id": 9101, "field_value": "[70]"},
                                      {"field_id": 9100, "field_value": ""}]
    assert body["properties"] == [{"field_id": 9101, "field_value": "[70]"}]
    assert catalog.id_list_fields() == {9100, 9101, 9001, 9004}
