"""The built-in rules, each on plain views: what they find, at which entity, and what they leave alone."""

import pytest

from ztoq_luigi.kinds import Entity
from ztoq_luigi.mapping.rules import MappingRules
from ztoq_luigi.mapping.testcases import CaseContext
from ztoq_luigi.validation.builtin import BUILTIN_RULES
from ztoq_luigi.validation.coverage import fallbacks
from ztoq_luigi.validation.html import _Canonical, normalise_html
from ztoq_luigi.validation.rules import Census, Comparison, Drift, RuleSet, Tree

RULES = RuleSet(BUILTIN_RULES)


def found(view):
    return [(row["rule"], row["severity"], row["entity_key"]) for row in RULES.check(view)]


def census(found_ids, expected=("SBX-T1", "SBX-T2"), not_loaded=()):
    return Census(Entity.TEST_CASE, frozenset(expected), found_ids, frozenset(not_loaded))


def test_a_complete_census_has_no_issue():
    assert found(census({"SBX-T1": ["11"], "SBX-T2": ["12"]})) == []


def test_a_lost_case_is_critical_and_the_count_an_error():
    assert found(census({"SBX-T1": ["11"]})) == [("counts", "error", "test cases"),
                                                 ("exactly-once", "critical", "SBX-T2")]


def test_a_duplicate_is_critical_and_names_both_qtest_ids():
    [count, twice] = RULES.check(census({"SBX-T1": ["11", "13"], "SBX-T2": ["12"]}))
    assert (count["rule"], twice["rule"], twice["entity_key"], twice["actual"]) == (
        "counts", "exactly-once", "SBX-T1", "2: 11, 13")


def test_a_case_never_loaded_says_so_and_a_stray_is_a_warning():
    rows = RULES.check(census({"SBX-T1": ["11"], "SBX-T9": ["19"]}, not_loaded={"SBX-T2"}))
    assert [(row["rule"], row["severity"], row["entity_key"], row["message"]) for row in rows] == [
        ("counts", "error", "test cases", "2 test cases expected from Zephyr, 1 in qTest"),
        ("exactly-once", "critical", "SBX-T2", "the test case was not loaded into qTest"),
        ("strays", "warning", "SBX-T9", "qTest test case 19 carries SBX-T9, which maps to nothing in Zephyr")]


def test_a_renamed_or_missing_module_and_an_unexplained_one_break_the_tree():
    view = Tree(Entity.MODULE, {"1": "Root", "2": "Root/Child", "3": "Root/Gone"},
                {"1": "Root", "2": "Root/Renamed"}, ("Root/Made by hand",))
    assert [(row["entity_key"], row["actual"]) for row in RULES.check(view)] == [
        ("2", "Root/Renamed"), ("3", "missing"), ("Root/Made by hand", "1 in qTest")]
    assert {row["rule"] for row in RULES.check(view)} == {"trees"}


def case(**overrides):
    body = {"name": "Pump", "parent_id": 5, "description": "a<br>b", "precondition": "",
            "properties": [{"field_id": 1, "field_value": "[7]"}],
            "test_steps": [{"description": "Open", "expected": "Opens", "order": 1}]}
    return dict(body, **overrides)


def test_fields_and_steps_are_separate_rules_and_html_spelling_is_no_difference():
    view = Comparison(Entity.TEST_CASE, "SBX-T1", case(), case(description="a<BR/>b"), context={"id_lists": {1}})
    assert found(view) == []
    changed = case(properties=[{"field_id": 1, "field_value": ""}],
                   test_steps=[{"description": "Close", "expected": "Opens", "order": 1}])
    view = Comparison(Entity.TEST_CASE, "SBX-T1", case(), changed, context={"id_lists": {1}})
    assert found(view) == [("test-case-fields", "error", "SBX-T1"), ("test-case-steps", "error", "SBX-T1")]


def log(**overrides):
    body = {"status": {"id": 601}, "exe_start_date": "2024-01-01T10:00:00+00:00",
            "exe_end_date": "2024-01-01T10:05:00+00:00", "note": "Fine\nZephyr execution SBX-E1",
            "test_case_version_id": 3, "test_run_id": 40,
            "test_step_logs": [{"order": 1, "test_step_id": 70, "status": {"id": 601}, "actual_result": "ok"},
                               {"order": 2, "test_step_id": 80, "called_test_case_id": 9, "parent_test_step_id": 71,
                                "status": {"id": 601}, "actual_result": ""}]}
    return dict(body, **overrides)


def log_view(actual, **context):
    read = dict(actual, status={"id": actual["status"]["id"], "name": "Passed" if actual["status"]["id"] == 601
                                else "Failed"})
    return Comparison(Entity.TEST_LOG, "SBX-E1", log(), read,
                      context=dict({"status": "Passed", "version_id": 3, "run_id": 40}, **context))


def test_a_log_as_sent_has_no_issue_and_each_change_is_one():
    assert found(log_view(log())) == []
    assert [row["message"] for row in RULES.check(log_view(log(status={"id": 602})))] == [
        "the test log's status differs in qTest"]
    shortened = log(test_step_logs=log()["test_step_logs"][:1])
    assert [row["message"] for row in RULES.check(log_view(shortened))] == [
        "the test log's step logs differs in qTest"]
    moved = log(test_run_id=41)
    assert [row["message"] for row in RULES.check(log_view(moved))] == ["the test log's test run differs in qTest"]


def test_step_results_that_cannot_be_placed_are_one_issue_naming_why():
    rows = RULES.check(log_view(log(), unplaceable="3 step results in Zephyr for 2 steps in qTest"))
    assert [row["actual"] for row in rows] == ["cannot be placed"]


def test_a_run_in_another_cycle_or_on_another_case_is_a_run_issue():
    want = {"name": "Pump", "test_case_id": "9", "parent_id": "4"}
    assert found(Comparison(Entity.TEST_RUN, "SBX-R1/SBX-T1", want, dict(want, parent_id=4))) == []
    rows = RULES.check(Comparison(Entity.TEST_RUN, "SBX-R1/SBX-T1", want, dict(want, test_case_id=8, parent_id=5)))
    assert [row["message"] for row in rows] == ["the run's test case differs in qTest",
                                                "the run's test cycle differs in qTest"]


def test_an_attachment_changed_or_gone():
    context = {"where": "test-cases/1 attachment 5", "name": "a.png", "url": "https://x/a.png"}
    same = Comparison(Entity.FILE, "SBX-T1", {"sha256": "aa"}, {"sha256": "aa"}, context=context)
    assert found(same) == []
    changed = Comparison(Entity.FILE, "SBX-T1", {"sha256": "aa"}, {"sha256": "bb"}, context=context)
    gone = Comparison(Entity.FILE, "SBX-T1", {"sha256": "aa"}, {"sha256": None}, context=context)
    assert [row["actual"] for row in RULES.check(changed) + RULES.check(gone)] == ["sha256 bb", "not found"]


def test_values_that_fell_back_to_a_default_are_information():
    context = CaseContext(rules=MappingRules(users={"acc-1": "7"}), priorities={1: "Normal", 2: "Urgent"},
                          statuses={3: "Draft"})
    source = {"key": "SBX-T1", "priority": {"id": 2}, "status": {"id": 3}, "owner": {"accountId": "acc-2"}}
    falls = fallbacks(source, context)
    assert falls == [("priority", "Urgent", "passed through as 'Urgent'"), ("owner", "acc-2", "left empty")]
    view = Comparison(Entity.TEST_CASE, "SBX-T1", case(), case(), source=source, context={"fallbacks": falls})
    assert found(view) == [("mapping-coverage", "info", "SBX-T1")] * 2


def test_drift_tells_what_changed_was_added_or_deleted_in_zephyr():
    changed = RULES.check(Drift(Entity.TEST_CASE, "SBX-T1", {"name": "a", "x": 1}, {"name": "b", "x": 1}))
    assert [(row["rule"], row["severity"], row["message"]) for row in changed] == [
        ("source-drift", "warning", "changed in Zephyr after the migration: name")]
    assert found(Drift(Entity.TEST_CASE, "SBX-T1", {"name": "a"}, {"name": "a"})) == []
    assert [row["actual"] for row in RULES.check(Drift(Entity.EXECUTION, "SBX-E1", None, {}))
            + RULES.check(Drift(Entity.EXECUTION, "SBX-E2", {}, None))] == ["added", "deleted"]


def test_rules_judge_only_the_views_and_types_they_declare():
    assert found(Census(Entity.MODULE, frozenset({"1"}), {})) == []
    assert RULES.wants(Entity.FILE, Comparison) and not RULES.wants(Entity.FILE, Census)


def test_html_normalisation_keeps_what_a_reader_sees():
    assert normalise_html("<P CLASS='x'>it&#39;s  <br/>ok</P>") == normalise_html('<p class="x">it\'s <br>ok</p>')
    assert normalise_html("<p>a</p>") != normalise_html("<p>b</p>")
    assert normalise_html(None) == normalise_html("") == ""


@pytest.mark.parametrize("text", ["plain words", "  runs of\n\twhite   space ", "a > b, \"quoted\" and 'single'",
                                  "ünïcödé → ✓", "1 < 2", "fish &amp; chips", "x &#39;y&#39;"])
def test_a_text_without_markup_is_canonical_as_the_parser_would_make_it(text):
    parser = _Canonical()
    parser.feed(text)
    parser.close()
    assert normalise_html(text) == " ".join("".join(parser.parts).split())
