"""Zephyr checkbox fields into qTest check boxes, read back field by field from the qTest simulator.

A qTest check box is a multiple picklist (field_api.py): ticking it stores
the id of one of its options as "[id]", and `true`/`false` are not values of
it. Expectations come from the generated dataset and the options as qTest
holds them, never from the product's mapping code.
"""

import json

import pytest

from tests.e2e.oracle import qtest_cases_by_key

FIELD = "Implemented"  # the generator's test-case checkbox field (generator/fields.py)
ABSENT = object()


def migrate(run_cli, sandbox, tmp_path, db_args, mapping_text=None, command="run"):
    extra = []
    if mapping_text is not None:
        mapping = tmp_path / "mapping.yaml"
        mapping.write_text(mapping_text, encoding="utf-8")
        extra = ["--mapping", str(mapping)]
    return run_cli("workflow", command, *sandbox.workflow_args(tmp_path / "out"), *db_args, *extra,
                   environ=sandbox.environment())


def existing_check_box(sandbox, *options):
    """A check box a qTest admin made before the migration, with these options."""
    state = sandbox.qtest.state
    with state.lock:
        state.fields.create_field("test-cases", FIELD, 8, True, False, [{"label": option} for option in options])
    return {value.label: value.value for value in state.fields.find("test-cases", FIELD).allowed}


def stored_check_boxes(sandbox):
    """{Zephyr key: the check box's value exactly as qTest stores it, or ABSENT}."""
    state = sandbox.qtest.state
    found = {}
    for key, cases in qtest_cases_by_key(state).items():
        assert len(cases) == 1, key
        found[key] = state.stored_properties("test-cases", cases[0]["id"]).get(FIELD, ABSENT)
    return found


def check_arrival(sandbox, ticked_id):
    """Every case, field by field: true as "[ticked_id]", false, null and no value as an empty box."""
    stored, problems, seen = stored_check_boxes(sandbox), [], set()
    for case in sandbox.dataset.testcases:
        value = case["customFields"].get(FIELD, ABSENT)
        want = f"[{ticked_id}]" if value is True else ABSENT
        got = stored[case["key"]]
        if got != want and not (want is ABSENT and got == ""):
            problems.append(f"{case['key']}: Zephyr {value!r} arrived as {got!r}")
        seen.add("missing" if value is ABSENT else repr(value))
    assert not problems, "\n".join(problems[:20])
    return seen


@pytest.mark.sandbox_size("small")
def test_a_zephyr_checkbox_becomes_a_check_box_whose_option_id_marks_true(run_cli, sandbox, fresh_db_args,
                                                                           tmp_path):
    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args, "check_box_option: 'Done ✓'\n")
    assert result.code == 0, result

    field = sandbox.qtest.state.fields.find("test-cases", FIELD)
    assert (field.data_type, field.multiple) == (8, True)
    assert [(value.label, value.is_active) for value in field.allowed] == [("Done ✓", True)]
    seen = check_arrival(sandbox, field.allowed[0].value)
    assert seen == {"True", "False", "None", "missing"}, "the dataset lacks a kind of checkbox value"


@pytest.mark.sandbox_size("small")
def test_validation_reports_a_check_box_changed_in_qtest(run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, tmp_path, fresh_db_args).code == 0
    state = sandbox.qtest.state
    cases = {key: found[0] for key, found in qtest_cases_by_key(state).items()}
    values = {case["key"]: case["customFields"].get(FIELD) for case in sandbox.dataset.testcases}
    cleared = next(key for key, value in sorted(values.items()) if value is True)
    ticked = next(key for key, value in sorted(values.items()) if value is False)
    untouched = next(key for key, value in sorted(values.items()) if value is None)
    state.modify("test-case", cases[cleared]["id"], properties={FIELD: ""})
    state.modify("test-case", cases[ticked]["id"], properties={FIELD: "Yes"})

    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args, command="validate")
    assert result.code == 6, result
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json", *fresh_db_args)
    issues = {issue["entity_key"]: issue for issue in json.loads(report.stdout)["validation"]["issues"]
              if issue["severity"] != "info"}
    yes = f"[{state.allowed_value_id('test-cases', FIELD, 'Yes')}]"
    assert [issues[cleared][name] for name in ("rule", "severity", "expected", "actual")] == [
        "test-case-fields", "error", yes, ""]
    assert [issues[ticked][name] for name in ("rule", "severity", "expected", "actual")] == [
        "test-case-fields", "error", "", yes]
    assert set(issues) == {cleared, ticked} and untouched not in issues


def test_an_existing_check_box_takes_the_option_the_mapping_names(run_cli, sandbox, fresh_db_args, tmp_path):
    options = existing_check_box(sandbox, "Not done", "Done", "N/A")
    field_id = sandbox.qtest.state.field_id("test-cases", FIELD)
    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args, f"check_boxes:\n  {FIELD}: done\n")
    assert result.code == 0, result

    field = sandbox.qtest.state.fields.find("test-cases", FIELD)
    assert field.id == field_id and [value.label for value in field.allowed] == ["Not done", "Done", "N/A"]
    assert {"True", "False"} <= check_arrival(sandbox, options["Done"])


def test_an_existing_check_box_with_no_option_for_true_stops_before_anything_is_loaded(run_cli, sandbox,
                                                                                      fresh_db_args, tmp_path):
    existing_check_box(sandbox, "Green", "Red")
    plan = migrate(run_cli, sandbox, tmp_path, fresh_db_args, command="plan")
    assert plan.code == 2, plan
    assert (f"the qTest check box '{FIELD}' has the options 'Green', 'Red', none of them 'Yes' or 'True': "
            "name its option to tick under check_boxes in --mapping") in plan.stdout
    sandbox.qtest.counters.reset()

    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args)
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr + result.stdout
    assert f"the qTest check box '{FIELD}' has the options 'Green', 'Red'" in result.stderr
    assert "check_boxes in --mapping" in result.stderr
    assert sandbox.qtest.counters.writes() == 0, "nothing may have been written to qTest (a login only reads)"
    assert sandbox.qtest.state.counts() == dict.fromkeys(sandbox.qtest.state.counts(), 0)


def test_a_missing_option_named_by_the_mapping_stops_before_anything_is_loaded(run_cli, sandbox, fresh_db_args,
                                                                              tmp_path):
    existing_check_box(sandbox, "Yes", "No")
    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args, f"check_boxes:\n  {FIELD}: 'Done'\n")
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1
    assert (f"check_boxes names the option 'Done' of the qTest check box '{FIELD}', which has no such active option "
            "(it has: 'Yes', 'No')") in result.stderr
    assert sandbox.qtest.counters.writes() == 0
