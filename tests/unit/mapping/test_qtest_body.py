"""Name-based payloads become qTest request bodies using the target project's own ids."""

import pytest

from ztoq_luigi.mapping.qtest_body import FieldCatalog, MappingProblem, unlink_calls
from ztoq_luigi.mapping.qtest_body import create_case_body as build_body  # a test_* name would be collected

FIELDS = [
    {"id": 8001, "label": "Priority", "data_type": 3, "allowed_values": [
        {"value": 711, "label": "High", "is_active": True},
        {"value": 712, "label": "Medium", "is_active": True},
        {"value": 713, "label": "Low", "is_active": True},
        {"value": 714, "label": "Urgent", "is_active": False},
        {"value": 715, "label": "medium", "is_active": True},
    ]},
    {"id": 8002, "label": "Status", "data_type": 3, "allowed_values": [
        {"value": 801, "label": "New"}, {"value": 802, "label": "Approved"}]},
    {"id": 8100, "label": "Zephyr Key", "data_type": 1, "allowed_values": None},
    {"id": 8101, "label": "Notes", "data_type": 2},
]


@pytest.fixture
def catalog():
    return FieldCatalog(FIELDS)


def payload(**overrides):
    base = {"name": "Check axial pump 轴流泵 🚀", "module": "100006", "description": "To ensure<br>it works",
            "precondition": "", "properties": {"Zephyr Key": "SA-T10", "Priority": "High", "Status": "New"},
            "steps": [{"description": "Open", "expected": "Opens", "called": None},
                      {"description": "Call to test SA-T2", "expected": "", "called": "SA-T2"},
                      {"description": "Close", "expected": "", "called": None}]}
    base.update(overrides)
    return base


# --- field catalog ------------------------------------------------------------------------------------

@pytest.mark.parametrize("label, expected", [("High", "711"), ("Low", "713"), ("Medium", "712")])
def test_select_values_resolve_to_the_string_id_of_the_allowed_value(catalog, label, expected):
    value = catalog.allowed_value_id("Priority", label)
    assert value == expected and isinstance(value, str)


def test_exact_label_wins_over_a_case_insensitive_match(catalog):
    assert catalog.allowed_value_id("Priority", "medium") == "715"
    assert catalog.allowed_value_id("Priority", "Medium") == "712"


@pytest.mark.parametrize("label", ["HIGH", "high", "hIgH"])
def test_select_values_fall_back_to_a_case_insensitive_match(catalog, label):
    assert catalog.allowed_value_id("Priority", label) == "711"


def test_inactive_values_are_never_chosen(catalog):
    with pytest.raises(MappingProblem) as caught:
        catalog.allowed_value_id("Priority", "Urgent")
    message = str(caught.value)
    assert "Priority" in message and "Urgent" in message
    assert "it has: High, Medium, Low, medium" in message


def test_a_value_without_is_active_counts_as_active(catalog):
    assert catalog.allowed_value_id("Status", "Approved") == "802"


def test_unknown_value_label_is_a_mapping_problem_listing_the_known_values(catalog):
    with pytest.raises(MappingProblem) as caught:
        catalog.allowed_value_id("Status", "Obsolete")
    message = str(caught.value)
    assert message == "qTest field 'Status' has no value 'Obsolete' (it has: New, Approved)"
    assert "\n" not in message


def test_a_select_field_with_only_inactive_values_says_it_has_none():
    catalog = FieldCatalog([{"id": 1, "label": "Type", "allowed_values": [{"value": 5, "label": "BDD",
                                                                          "is_active": False}]}])
    with pytest.raises(MappingProblem, match=r"has no value 'BDD' \(it has: none\)"):
        catalog.property("Type", "BDD")


def test_unknown_field_label_is_a_mapping_problem(catalog):
    assert "Priority" in catalog and "Severity" not in catalog
    with pytest.raises(MappingProblem, match="qTest has no test-case field 'Severity'"):
        catalog.property("Severity", "High")


def test_field_labels_are_matched_exactly(catalog):
    with pytest.raises(MappingProblem):
        catalog.field("priority")


def test_select_property_carries_field_id_and_string_value_id(catalog):
    assert catalog.property("Priority", "Low") == {"field_id": 8001, "field_value": "713"}


@pytest.mark.parametrize("label, value, expected", [("Zephyr Key", "SA-T10", "SA-T10"), ("Notes", "ÿ 轴 🚀", "ÿ 轴 🚀"),
                                                    ("Notes", 42, "42")])
def test_text_properties_carry_the_value_as_a_string(catalog, label, value, expected):
    prop = catalog.property(label, value)
    assert prop["field_value"] == expected and isinstance(prop["field_value"], str)


# --- test case body -----------------------------------------------------------------------------------

def test_body_has_the_qtest_shape_with_ids_resolved(catalog):
    body = build_body(payload(), catalog, "5001", {"SA-T2": "90002"})
    assert body == {
        "name": "Check axial pump 轴流泵 🚀",
        "parent_id": 5001,
        "description": "To ensure<br>it works",
        "precondition": "",
        "properties": [{"field_id": 8100, "field_value": "SA-T10"}, {"field_id": 8001, "field_value": "711"},
                       {"field_id": 8002, "field_value": "801"}],
        "test_steps": [
            {"description": "Open", "expected": "Opens", "order": 1},
            {"description": "Call to test SA-T2", "expected": "", "order": 2, "called_test_case_id": 90002},
            {"description": "Close", "expected": "", "order": 3},
        ],
    }


def test_steps_are_numbered_from_one_in_payload_order(catalog):
    steps = [{"description": f"step {n}", "expected": "", "called": None} for n in range(5)]
    body = build_body(payload(steps=steps), catalog, 1, {})
    assert [(s["order"], s["description"]) for s in body["test_steps"]] == [(n + 1, f"step {n}") for n in range(5)]


def test_a_case_without_steps_sends_an_empty_list(catalog):
    assert build_body(payload(steps=[]), catalog, 1, {})["test_steps"] == []


def test_a_call_to_a_case_not_yet_in_qtest_is_a_mapping_problem(catalog):
    with pytest.raises(MappingProblem, match="SA-T2"):
        build_body(payload(), catalog, 1, {})


def test_an_unknown_property_value_stops_the_body(catalog):
    properties = {"Zephyr Key": "SA-T10", "Priority": "Blocker"}
    with pytest.raises(MappingProblem, match="no value 'Blocker'"):
        build_body(payload(properties=properties), catalog, 1, {"SA-T2": 2})


def test_body_does_not_modify_the_payload(catalog):
    original = payload()
    before = repr(original)
    build_body(original, catalog, 1, {"SA-T2": 2})
    assert repr(original) == before


# --- unlink_calls -----------------------------------------------------------------------------------

def test_unlink_calls_keeps_linked_calls_and_returns_the_payload_unchanged():
    original = payload()
    result, unlinked = unlink_calls(original, {"SA-T2": 90002})
    assert result is original and unlinked == []


def test_unlink_calls_turns_calls_to_missing_cases_into_text_steps():
    steps = [{"description": "Call to test SA-T2", "expected": "", "called": "SA-T2"},
             {"description": "Call to test SA-T3", "expected": "", "called": "SA-T3"},
             {"description": "Call to test SA-T2<br><b>Parameters:</b> a = 1", "expected": "", "called": "SA-T2"},
             {"description": "Plain", "expected": "ok", "called": None}]
    original = payload(steps=steps)
    result, unlinked = unlink_calls(original, {"SA-T3": 3})
    assert unlinked == ["SA-T2"]
    assert [s["called"] for s in result["steps"]] == [None, "SA-T3", None, None]
    assert [s["description"] for s in result["steps"]] == [s["description"] for s in steps]
    assert original["steps"][0]["called"] == "SA-T2", "the input payload must not change"


def test_unlinked_keys_are_listed_once_in_step_order(catalog):
    steps = [{"description": "c", "expected": "", "called": key} for key in ("SA-T9", "SA-T4", "SA-T9")]
    result, unlinked = unlink_calls(payload(steps=steps), {})
    assert unlinked == ["SA-T9", "SA-T4"]
    body = build_body(result, catalog, 1, {})
    assert all("called_test_case_id" not in step for step in body["test_steps"])
