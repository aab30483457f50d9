"""Custom fields, labels, owners and the other test-case attributes, checked field by field in qTest.

Expectations come from the generated dataset and the generator's own field
definitions (which kind of Zephyr field each name is), never from the
product's mapping code.
"""

import pytest
import html
import json
import re

from ztoq_luigi.sandbox.generator.fields import CASE_FIELDS

from tests.e2e.oracle import qtest_cases_by_key

pytestmark = pytest.mark.sandbox_size("small")

QTEST_TYPES = {"number": 7, "decimal": 7, "date": 4, "checkbox": 8, "single": 3, "multi": 17, "user": 5, "text": 1,
               "multiline": 2}
EMPTY = object()
OTHER_PROJECT = "557058:00000000-0000-4000-8000-00000000000f"  # in the mapping, but no case of SBX holds it


def migrate(run_cli, sandbox, db_args, tmp_path, *extra):
    args = ["workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args, *extra]
    return run_cli(*args, environ=sandbox.environment())


def user_mapping(sandbox, tmp_path):
    """Three accountIds mapped (by id, by login, by login in other case); the others left unmapped.

    The file also maps an account of another project to a user this qTest
    project does not have: one mapping file may serve several projects.
    """
    qtest_users = {user["username"]: user for user in sandbox.qtest.state.users.values()}
    jane, john, ana = (qtest_users[f"{name}@example.com"] for name in ("jane.roe", "john.doe", "ana.lima"))
    accounts = sandbox.dataset.users
    mapped = {accounts[0]: jane, accounts[1]: john, accounts[2]: ana}
    path = tmp_path / "mapping.yaml"
    path.write_text("users:\n" + "".join(
        f"  '{accounts[0]}': {jane['id']}\n  '{accounts[1]}': john.doe@example.com\n"
        f"  '{accounts[2]}': ANA.LIMA@example.com\n"
        f"  '{OTHER_PROJECT}': somebody.elsewhere@example.com\n"), encoding="utf-8")
    return path, {account: f"{user['first_name']} {user['last_name']}" for account, user in mapped.items()}


def expected_custom(kind, value, names):
    """What the qTest simulator shows for a Zephyr value of a field of this kind (EMPTY: nothing)."""
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        return EMPTY
    if kind == "checkbox":
        return "Yes" if value else EMPTY  # the label of the option ticked (test_check_boxes.py checks its id)
    if kind == "date":
        return f"{value}T00:00:00+00:00"
    if kind == "multi":
        return ", ".join(dict.fromkeys(value))
    if kind == "user":
        return names.get(value, EMPTY)
    if kind == "multiline":
        return html.unescape(value.replace("<br>", "\n"))
    return value


def test_custom_fields_labels_users_and_attributes_reach_qtest(run_cli, sandbox, fresh_db_args, tmp_path):
    mapping, names = user_mapping(sandbox, tmp_path)
    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path, "--mapping", str(mapping))
    assert result.code == 0, result

    state = sandbox.qtest.state
    by_key = qtest_cases_by_key(state)
    problems = []
    for name, kind in CASE_FIELDS.items():
        field = state.fields.find("test-cases", name)
        if field is None or field.data_type != QTEST_TYPES[kind]:
            problems.append(f"field {name}: {field and field.data_type}, expected data type {QTEST_TYPES[kind]}")
    for label, data_type in (("Labels", 17), ("Assigned To", 5), ("Estimated Time (minutes)", 7),
                             ("Jira Component ID", 1), ("Jira Issue Links", 2), ("Web Links", 2)):
        field = state.fields.find("test-cases", label)
        if field is None or field.data_type != data_type:
            problems.append(f"field {label}: {field and field.data_type}, expected data type {data_type}")

    seen_kinds = set()
    for case in sandbox.dataset.testcases:
        key = case["key"]
        got = by_key[key][0]["properties"]
        for name, kind in CASE_FIELDS.items():
            want = expected_custom(kind, case["customFields"].get(name), names)
            actual = got.get(name, EMPTY)
            if kind in ("number", "decimal") and want is not EMPTY:
                fits = actual is not EMPTY and float(actual) == float(want)
            else:
                fits = actual == want
            if not fits:
                problems.append(f"{key} {name} ({kind}): {actual!r}, expected {want!r}")
            elif want is not EMPTY:
                seen_kinds.add(kind)
        labels = ", ".join(dict.fromkeys(case["labels"])) or EMPTY
        owner = names.get(case["ownerId"], EMPTY)
        estimate = case["estimatedTime"]
        checks = [("Labels", labels, got.get("Labels", EMPTY)), ("Assigned To", owner, got.get("Assigned To", EMPTY)),
                  ("Jira Component ID", str(case["componentId"]) if case["componentId"] else EMPTY,
                   got.get("Jira Component ID", EMPTY))]
        problems += [f"{key} {what}: {actual!r}, expected {want!r}" for what, want, actual in checks if want != actual]
        minutes = got.get("Estimated Time (minutes)")
        if (estimate is None) != (minutes is None) or (minutes and abs(float(minutes) - estimate / 60000) > 0.005):
            problems.append(f"{key} estimate: {minutes!r} minutes, expected {estimate} ms")
        issues = got.get("Jira Issue Links", "")
        problems += [f"{key}: issue {link['issueId']} missing" for link in case["issueLinks"]
                     if not re.search(rf"\b{link['issueId']}\b.*{link['type']}", issues)]
        problems += [f"{key}: web link {link['url']} missing" for link in case["webLinks"]
                     if link["url"] not in got.get("Web Links", "")]
    assert not problems, "\n".join(problems[:40])
    assert seen_kinds == set(CASE_FIELDS.values()), "the dataset lacks a value of some field kind"


def test_unmapped_owners_are_reported_with_case_key_and_account_id(run_cli, sandbox, fresh_db_args, tmp_path):
    mapping, names = user_mapping(sandbox, tmp_path)
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path, "--mapping", str(mapping)).code == 0
    events = run_cli("workflow", "events", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--level", "warning", "--format", "json", *fresh_db_args)
    warnings = {(e["context"].get("entity_key"), e["message"]) for e in json.loads(events.stdout)["events"]}
    unmapped = [case for case in sandbox.dataset.testcases if case["ownerId"] and case["ownerId"] not in names]
    mapped = [case for case in sandbox.dataset.testcases if case["ownerId"] in names]
    assert unmapped and mapped
    for case in unmapped:
        assert any(key == case["key"] and case["ownerId"] in message and "owner" in message
                   for key, message in warnings), f"{case['key']}: unmapped owner not reported"
    for case in mapped:
        assert not any(key == case["key"] and case["ownerId"] in message for key, message in warnings)


def test_no_create_fields_stops_before_any_test_case_naming_what_is_missing(run_cli, sandbox, fresh_db_args,
                                                                           tmp_path):
    fields_before = [field.label for field in sandbox.qtest.state.fields.fields("test-cases")]
    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path, "--no-create-fields")
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr + result.stdout
    line = result.stderr
    assert "--no-create-fields" in line
    for missing in ["field 'Zephyr Key' (text)", "field 'Labels' (multi-select)", "field 'Build Number' (number)",
                    "field 'Catégorie' (multi-select)", "field 'Component Area' (combo box)",
                    "field 'Pre-Condition(s)' (text area)", "field 'Release Date' (date)",
                    "field 'Implemented' (check box)", "field 'Notes' (text)", "field 'Web Links' (text area)",
                    "test-run field 'Zephyr Key' (text)"]:
        assert missing in line, missing
    assert not sandbox.qtest.state.test_cases()
    assert [field.label for field in sandbox.qtest.state.fields.fields("test-cases")] == fields_before


def test_the_field_survey_streams_every_case_page_by_page_and_users_are_replaced(database):
    from ztoq_luigi.db.entities import save_extracted, stream_extracted
    from ztoq_luigi.db.fields import save_user_directory, user_directory

    save_extracted("FLD", "testcase", [(f"FLD-T{n}", {"key": f"FLD-T{n}"}, n) for n in (5, 0, 3, 1, 4, 2, 6)])
    save_extracted("FLD", "priority", [("1", {"key": "not a case"}, 0)])
    assert [case["key"] for case in stream_extracted("FLD", "testcase", page=2)] == [f"FLD-T{n}" for n in range(7)]
    save_extracted("FLD", "testexecution", [(f"FLD-E{n}", {"key": f"FLD-E{n}"}, n // 3) for n in range(7)])
    streamed = [execution["key"] for execution in stream_extracted("FLD", "testexecution", page=2)]
    assert sorted(streamed) == [f"FLD-E{n}" for n in range(7)], "executions share their unit's ordinal"

    save_user_directory("FLD", {"acc-1": "42", "acc-2": "43"})
    save_user_directory("FLD", {"acc-2": "44"})
    assert user_directory("FLD") == {"acc-2": "44"}
    save_user_directory("FLD", {})
    assert user_directory("FLD") == {}


def test_a_mapped_user_that_qtest_does_not_have_stops_before_anything_is_written(run_cli, sandbox, fresh_db_args,
                                                                                 tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(f"users:\n  '{sandbox.dataset.users[0]}': nobody@example.com\n", encoding="utf-8")
    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path, "--mapping", str(mapping))
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr + result.stdout
    assert "the user mapping names qTest users that do not exist: 'nobody@example.com'" in result.stderr
    assert sandbox.dataset.users[0] in result.stderr
    assert sandbox.qtest.counters.writes() == 0, "nothing may have been written to qTest (a login only reads)"
