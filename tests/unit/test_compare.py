"""Read-back validation: every difference between what was sent and what qTest holds is one finding."""

import pytest

from ztoq_luigi.validation.compare import Finding, compare_test_case, same_log


def expected_body(**overrides):
    body = {"name": "Check axial pump 轴流泵 🚀", "parent_id": 5001, "description": "To ensure<br>it works",
            "precondition": "",
            "properties": [{"field_id": 8100, "field_value": "SA-T10"}, {"field_id": 8001, "field_value": "711"}],
            "test_steps": [{"description": "Open", "expected": "Opens", "order": 1},
                           {"description": "Call to test SA-T2", "expected": "", "order": 2,
                            "called_test_case_id": 90002}]}
    body.update(overrides)
    return body


def read_back(**overrides):
    """What qTest answers for the same case: ids, names, reordered lists, None instead of ''."""
    case = {"id": 90010, "pid": "TC-10", "name": "Check axial pump 轴流泵 🚀", "parent_id": 5001,
            "description": "To ensure<br>it works", "precondition": None, "version": "0.1",
            "properties": [{"field_id": 8001, "field_name": "Priority", "field_value": "711",
                            "field_value_name": "High"},
                           {"field_id": 8100, "field_name": "Zephyr Key", "field_value": "SA-T10"},
                           {"field_id": 8002, "field_name": "Status", "field_value": "801"}],
            "test_steps": [{"id": 7002, "description": "Call to test SA-T2", "expected": None, "order": 2,
                            "called_test_case_id": 90002},
                           {"id": 7001, "description": "Open", "expected": "Opens", "order": 1}]}
    case.update(overrides)
    return case


def test_an_identical_case_has_no_findings():
    assert compare_test_case(expected_body(), read_back()) == []


@pytest.mark.parametrize("want, got", [("", None), (None, ""), (None, None), ("", "")])
def test_none_and_empty_text_are_equal(want, got):
    assert compare_test_case(expected_body(precondition=want), read_back(precondition=got)) == []


def test_ids_compare_equal_whether_sent_as_int_or_string():
    actual = read_back(parent_id="5001", properties=[{"field_id": 8100, "field_value": "SA-T10"},
                                                     {"field_id": 8001, "field_value": 711}])
    assert compare_test_case(expected_body(), actual) == []


def test_a_renamed_case_is_a_name_finding():
    findings = compare_test_case(expected_body(), read_back(name="Check axial pump"))
    assert findings == [Finding("name", "name", "Check axial pump 轴流泵 🚀", "Check axial pump")]


def test_a_case_in_another_module_is_a_module_finding():
    assert compare_test_case(expected_body(), read_back(parent_id=5002)) == [
        Finding("module", "parent_id", "5001", "5002")]


@pytest.mark.parametrize("field", ["description", "precondition"])
def test_changed_text_is_a_text_finding(field):
    findings = compare_test_case(expected_body(**{field: "<p>Ünïcødé</p>"}), read_back(**{field: "<p>Unicode</p>"}))
    assert findings == [Finding("text", field, "<p>Ünïcødé</p>", "<p>Unicode</p>")]


def test_lost_text_is_a_finding():
    findings = compare_test_case(expected_body(), read_back(description=None))
    assert findings == [Finding("text", "description", "To ensure<br>it works", "")]


def test_a_different_property_value_is_a_property_finding():
    actual = read_back(properties=[{"field_id": 8001, "field_value": "712"}, {"field_id": 8100, "field_value": "SA-T10"}])
    assert compare_test_case(expected_body(), actual) == [Finding("property", "field 8001", "711", "712")]


@pytest.mark.parametrize("properties", [None, [], [{"field_id": 8100, "field_value": "SA-T10"}]])
def test_a_missing_property_is_a_property_finding(properties):
    findings = compare_test_case(expected_body(), read_back(properties=properties))
    assert Finding("property", "field 8001", "711", "") in findings


def test_extra_properties_in_qtest_are_not_findings():
    actual = read_back()
    actual["properties"].append({"field_id": 9999, "field_value": "anything"})
    assert compare_test_case(expected_body(), actual) == []


def test_steps_are_matched_by_order_not_by_listing_position():
    assert compare_test_case(expected_body(), read_back()) == []


@pytest.mark.parametrize("steps", [None, []])
def test_missing_steps_are_one_count_finding(steps):
    assert compare_test_case(expected_body(), read_back(test_steps=steps)) == [
        Finding("steps", "step count", "2", "0")]


def test_an_extra_step_is_a_count_finding_only():
    actual = read_back()
    actual["test_steps"].append({"id": 7003, "description": "Extra", "expected": "", "order": 3})
    assert compare_test_case(expected_body(), actual) == [Finding("steps", "step count", "2", "3")]


def test_step_description_and_expected_differences_name_the_step():
    actual = read_back(test_steps=[{"description": "Open it", "expected": "Opened", "order": 1},
                                   {"description": "Call to test SA-T2", "expected": "", "order": 2,
                                    "called_test_case_id": 90002}])
    assert compare_test_case(expected_body(), actual) == [
        Finding("steps", "step 1 description", "Open", "Open it"),
        Finding("steps", "step 1 expected", "Opens", "Opened"),
    ]


@pytest.mark.parametrize("called, shown", [(None, ""), (90003, "90003")])
def test_a_lost_or_wrong_call_link_is_a_step_finding(called, shown):
    actual = read_back()
    actual["test_steps"][0]["called_test_case_id"] = called
    assert compare_test_case(expected_body(), actual) == [
        Finding("steps", "step 2 called test case", "90002", shown)]


def test_an_unexpected_call_link_is_a_step_finding():
    actual = read_back()
    actual["test_steps"][1]["called_test_case_id"] = 90009
    assert compare_test_case(expected_body(), actual) == [
        Finding("steps", "step 1 called test case", "", "90009")]


def test_every_difference_is_reported_at_once():
    actual = read_back(name="x", parent_id=1, description="y", precondition="z", properties=[], test_steps=[])
    rules = [finding.rule for finding in compare_test_case(expected_body(), actual)]
    assert rules == ["name", "module", "text", "text", "property", "property", "steps"]


def test_long_values_are_shortened_in_findings():
    long_text = "α" * 500
    [finding] = compare_test_case(expected_body(description=long_text), read_back(description="short"))
    assert len(finding.expected) == 200 and finding.expected.endswith("...")
    assert finding.expected.startswith("α" * 197)
    assert finding.actual == "short"


def test_values_differing_only_after_the_shown_prefix_are_still_findings():
    base = "x" * 300
    assert len(compare_test_case(expected_body(description=base + "a"), read_back(description=base + "b"))) == 1


def test_option_id_lists_compare_as_sets_and_a_changed_check_box_is_a_finding():
    """Check boxes and multi-selects hold "[801,802]": the order and an empty "[]" mean nothing."""
    sent = expected_body(properties=[{"field_id": 8300, "field_value": "[801,802]"},
                                     {"field_id": 8301, "field_value": ""},
                                     {"field_id": 8302, "field_value": "[901]"}])

    def held(multi, unticked, ticked):
        return read_back(properties=[{"field_id": 8300, "field_value": multi},
                                     {"field_id": 8301, "field_value": unticked},
                                     {"field_id": 8302, "field_value": ticked}])

    ids = {8300, 8301, 8302}
    assert compare_test_case(sent, held("[802, 801]", "[]", "[901]"), ids) == []
    assert compare_test_case(sent, held("[801,802]", "[905]", ""), ids) == [
        Finding("property", "field 8301", "", "[905]"), Finding("property", "field 8302", "[901]", "")]
    assert compare_test_case(sent, held("[802,801]", "", "[901]")) == [
        Finding("property", "field 8300", "[801,802]", "[802,801]")], "without the ids, values compare as text"


def log_put(**overrides):
    body = {"status": {"id": 601}, "exe_start_date": "2026-11-30T09:58:00Z", "exe_end_date": "2026-11-30T10:00:00Z",
            "note": "Passed on staging\n\nZephyr execution SA-E1", "test_case_version_id": 190002,
            "actual_exe_time": 120000,
            "test_step_logs": [{"test_step_id": 7001, "status": {"id": 601}, "actual_result": "ok", "order": 1},
                               {"test_step_id": 8001, "called_test_case_id": 90002, "parent_test_step_id": 7002,
                                "status": {"id": 602}, "actual_result": "<p>bad</p>", "order": 2}]}
    body.update(overrides)
    return body


def listed_log(**overrides):
    """The same log as qTest lists it: its own date spelling, statuses with names, step logs with ids and users."""
    log = {"id": 3001, "test_run_id": 4001, "status": {"id": 601, "name": "Passed"},
           "exe_start_date": "2026-11-30T09:58:00+00:00", "exe_end_date": "2026-11-30T10:00:00+00:00",
           "note": "Passed on staging\n\nZephyr execution SA-E1", "test_case_version_id": 190002,
           "actual_exe_time": 120000, "result_number": 1,
           "test_step_logs": [{"test_step_id": 8001, "test_step_log_id": 9, "called_test_case_id": 90002,
                               "parent_test_step_id": 7002, "status": {"id": 602, "name": "Failed"},
                               "actual_result": "<P>bad</P>", "order": 2, "user_id": 3},
                              {"test_step_id": 7001, "test_step_log_id": 8, "status": {"id": 601, "name": "Passed"},
                               "actual_result": "ok", "order": 1, "user_id": 3}]}
    log.update(overrides)
    return log


def test_a_log_holding_what_the_put_would_set_needs_no_put():
    assert same_log(log_put(), listed_log())


@pytest.mark.parametrize("change", [
    {"status": {"id": 602, "name": "Failed"}}, {"exe_end_date": "2026-11-30T10:01:00+00:00"},
    {"note": "Another comment\n\nZephyr execution SA-E1"}, {"test_case_version_id": 190003},
    {"actual_exe_time": 60000}, {"test_step_logs": listed_log()["test_step_logs"][:1]},
    {"test_step_logs": [dict(row, status={"id": 601}) for row in listed_log()["test_step_logs"]]},
    {"test_step_logs": [dict(row, actual_result="changed") for row in listed_log()["test_step_logs"]]},
    {"test_step_logs": [dict(row, test_step_id=row["test_step_id"] + 1) for row in listed_log()["test_step_logs"]]},
], ids=["status", "date", "note", "version", "time", "a step log less", "step status", "actual result", "step"])
def test_any_difference_a_user_would_see_needs_the_put(change):
    assert not same_log(log_put(), listed_log(**change))
