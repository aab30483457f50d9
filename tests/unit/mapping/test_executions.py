"""Zephyr executions as qTest runs and logs: grouping, order, dates, statuses, notes, step logs."""

import pytest

from ztoq_luigi.kinds import WarningKind
from ztoq_luigi.mapping.executions import ExecutionContext, log_body, log_marker, map_log, map_runs, may_log
from ztoq_luigi.mapping.rules import MappingRules
from ztoq_luigi.mapping.run_steps import RunSteps, Slot, Unplaceable

STATUSES = {1: "Not Executed", 2: "In Progress", 3: "Pass", 4: "Fail", 5: "Blocked", 6: "Retest"}
QTEST_STATUSES = {"Passed": 601, "Failed": 602, "Incomplete": 603, "Blocked": 604, "Unexecuted": 605}
API = "https://api.zephyrscale.smartbear.com/v2"



def context(rules=None):
    return ExecutionContext(rules=rules or MappingRules(users={"acc-jane": "jane.doe"}), statuses=dict(STATUSES),
                            environments={70: "Chrome 120"}, cycles={900: "SBX-R40", 901: "SBX-R41"},
                            case_names={"SBX-T10": "Check axial pump", "SBX-T11": "Check radial pump"})


def execution(key="SBX-E10", status=3, end="2024-05-20T13:15:13Z", duration=120000, cycle=900, case="SBX-T10",
              version=1, **extra):
    body = {"id": int(key.split("-E")[1]) + 5000, "key": key,
            "testCase": {"id": 1, "self": f"{API}/testcases/{case}/versions/{version}"},
            "testExecutionStatus": {"id": status, "self": f"{API}/statuses/{status}"},
            "actualEndDate": end, "executionTime": duration,
            "testCycle": {"id": cycle, "self": f"{API}/testcycles/{cycle}"} if cycle else None}
    body.update(extra)
    return body


def result(status, actual=""):
    return {"inline": {"description": "d", "actualResult": actual, "status": {"id": status, "self": "x"}}}


def test_start_is_end_minus_the_duration_in_milliseconds():
    log, errors, notices = map_log(execution(end="2024-05-20T13:15:13Z", duration=120000), [], context())
    assert (log["exe_start_date"], log["exe_end_date"]) == ("2024-05-20T13:13:13+00:00", "2024-05-20T13:15:13+00:00")
    assert log["actual_exe_time"] == 120000 and errors == notices == []


def test_without_a_duration_the_start_is_the_end():
    for duration in (None, 0):
        log, _, _ = map_log(execution(duration=duration), [], context())
        assert log["exe_start_date"] == log["exe_end_date"] == "2024-05-20T13:15:13+00:00"
        assert log["actual_exe_time"] is None


def test_a_duration_across_midnight_and_an_offset_end_date():
    log, _, _ = map_log(execution(end="2024-05-21T01:00:00+02:00", duration=3_600_500), [], context())
    assert (log["exe_start_date"], log["exe_end_date"]) == ("2024-05-20T21:59:59+00:00", "2024-05-20T23:00:00+00:00")


def test_statuses_map_by_name_to_qtest():
    expected = {2: "Incomplete", 3: "Passed", 4: "Failed", 5: "Blocked"}
    for zephyr, qtest in expected.items():
        log, _, _ = map_log(execution(status=zephyr), [], context())
        assert log["status"] == qtest


def test_not_executed_gives_no_log_and_no_complaint():
    assert map_log(execution(status=1), [], context()) == (None, [], [])


def test_an_unmapped_status_is_reported_and_the_execution_skipped():
    log, errors, _ = map_log(execution(status=6), [], context())
    assert log is None
    assert errors[0][0] == "SBX-E10" and "'Retest'" in errors[0][1]
    log, errors, _ = map_log(execution(status=99), [], context())
    assert log is None and "99" in errors[0][1]


def test_a_status_added_to_the_mapping_is_migrated():
    rules = MappingRules(execution_statuses={**MappingRules().execution_statuses, "Retest": "Failed"})
    log, _, _ = map_log(execution(status=6), [], context(rules))
    assert log["status"] == "Failed"


def test_an_execution_without_end_date_is_a_warning_not_a_log():
    for end in (None, "", "yesterday"):
        log, errors, notices = map_log(execution(status=2, end=end), [], context())
        assert log is None and errors == [] and notices[0][1].kind == WarningKind.EXECUTION_WITHOUT_DATE


def test_the_note_keeps_the_comment_and_names_the_execution_environment_and_people():
    comment = "Ünïcode ✓ <b>bold</b><br>line two &amp; more"
    log, _, _ = map_log(execution(comment=comment, environment={"id": 70, "self": "e"}, executedById="acc-jane",
                               assignedToId="acc-bob", automated=True, version=2), [], context())
    assert log["note"] == (f"{comment}\n\nZephyr execution SBX-E10\nEnvironment: Chrome 120\n"
                           "Executed by: jane.doe (Zephyr account acc-jane)\nAssigned to: Zephyr account acc-bob\n"
                           "Executed on: SBX-T10 version 2\nAutomated: yes")


def test_empty_and_null_details_leave_no_empty_lines():
    log, _, _ = map_log(execution(comment=None, environment=None, executedById=None), [], context())
    assert log["note"] == "Zephyr execution SBX-E10\nExecuted on: SBX-T10 version 1"
    log, _, _ = map_log(execution(comment=""), [], context())
    assert log["note"].startswith("Zephyr execution SBX-E10")


def test_the_log_marker_is_found_exactly_even_after_a_comment_that_looks_alike():
    note = "see Zephyr execution SBX-E1 for details\n\nZephyr execution SBX-E10\nEnvironment: x"
    assert log_marker(note) == "SBX-E10"
    assert log_marker("Zephyr execution SBX-E1") == "SBX-E1"
    assert log_marker("") is None and log_marker(None) is None


def test_step_results_become_step_logs_in_position_with_mapped_statuses():
    steps = [result(3, "ok"), result(4, "Login failed <i>500</i>"), result(1)]
    log, errors, notices = map_log(execution(status=4), steps, context())
    assert log["steps"] == [{"order": 1, "status": "Passed", "actual_result": "ok"},
                            {"order": 2, "status": "Failed", "actual_result": "Login failed <i>500</i>"},
                            {"order": 3, "status": "Unexecuted", "actual_result": ""}]
    assert errors == notices == []


def test_a_step_with_an_unmapped_status_is_left_out_with_a_warning():
    log, _, notices = map_log(execution(), [result(3), result(6, "x")], context())
    assert [step["order"] for step in log["steps"]] == [1]
    assert notices[0][1].kind == WarningKind.STEP_STATUS and "step 2" in notices[0][1].message


def test_log_body_puts_each_step_result_on_the_step_run_at_its_position():
    log, _, _ = map_log(execution(status=4), [result(3, "a"), result(4, "b"), result(3, "c")], context())
    steps = RunSteps(190002, [Slot(7001), Slot(8001, 90002, 7002), Slot(7003)])
    body = log_body(log, steps, QTEST_STATUSES)
    assert body["test_case_version_id"] == 190002 and body["status"] == {"id": 602}
    assert body["test_step_logs"] == [
        {"test_step_id": 7001, "status": {"id": 601}, "actual_result": "a", "order": 1},
        {"test_step_id": 8001, "called_test_case_id": 90002, "parent_test_step_id": 7002, "status": {"id": 602},
         "actual_result": "b", "order": 2},
        {"test_step_id": 7003, "status": {"id": 601}, "actual_result": "c", "order": 3}]
    assert body["actual_exe_time"] == 120000


def test_a_step_result_left_out_for_its_status_keeps_the_others_on_their_own_steps():
    log, _, _ = map_log(execution(), [result(6, "x"), result(3, "y")], context())
    body = log_body(log, RunSteps(190002, [Slot(7001), Slot(7002)]), QTEST_STATUSES)
    assert [(s["test_step_id"], s["order"]) for s in body["test_step_logs"]] == [(7002, 2)]


@pytest.mark.parametrize("results", [2, 4])
def test_more_or_fewer_step_results_than_steps_cannot_be_placed(results):
    log, _, _ = map_log(execution(), [result(3)] * results, context())
    with pytest.raises(Unplaceable, match=f"{results} step results in Zephyr for 3 steps in qTest"):
        log_body(log, RunSteps(190002, [Slot(7001), Slot(7002), Slot(7003)]), QTEST_STATUSES)


def test_step_results_of_a_case_whose_steps_are_unknown_cannot_be_placed_but_a_log_without_any_can():
    steps = RunSteps(190002, problem="step 2 of SBX-T10 calls SBX-T99, which is not in qTest")
    with_results, _, _ = map_log(execution(), [result(3)], context())
    with pytest.raises(Unplaceable, match="SBX-T99, which is not in qTest"):
        log_body(with_results, steps, QTEST_STATUSES)
    without, _, _ = map_log(execution(), [], context())
    assert log_body(without, steps, QTEST_STATUSES)["test_step_logs"] == []


def test_one_run_per_cycle_and_case_with_logs_in_chronological_order():
    executions = [
        execution("SBX-E12", end="2024-05-22T10:00:00Z"),
        execution("SBX-E3", end="2024-05-20T10:00:00Z"),
        execution("SBX-E7", status=1, end=None),
        execution("SBX-E9", end="2024-05-20T10:00:00Z"),
        execution("SBX-E20", cycle=901, end="2024-05-19T00:00:00Z"),
        execution("SBX-E21", cycle=None, end="2024-05-19T00:00:00Z", case="SBX-T11"),
    ]
    runs, errors, notices = map_runs(executions, {}, context())
    assert errors == notices == []
    by_key = {run.source_id: run.payload for run in runs}
    assert sorted(by_key) == ["SBX-R40/SBX-T10", "SBX-R41/SBX-T10", "ad-hoc/SBX-T11"]
    assert [log["execution"] for log in by_key["SBX-R40/SBX-T10"]["logs"]] == ["SBX-E3", "SBX-E9", "SBX-E12"]
    assert by_key["SBX-R40/SBX-T10"]["name"] == "Check axial pump"
    assert (by_key["ad-hoc/SBX-T11"]["cycle"], by_key["ad-hoc/SBX-T11"]["name"]) == ("adhoc", "Check radial pump")


def test_a_pair_whose_executions_were_all_not_executed_still_gets_its_run():
    runs, _, _ = map_runs([execution("SBX-E1", status=1), execution("SBX-E2", status=1)], {}, context())
    assert [(run.source_id, run.payload["logs"]) for run in runs] == [("SBX-R40/SBX-T10", [])]


def test_old_case_versions_join_the_run_of_their_case_and_say_so():
    runs, _, _ = map_runs([execution("SBX-E1", version=1), execution("SBX-E2", version=3,
                                                                  end="2024-05-21T00:00:00Z")], {}, context())
    assert len(runs) == 1
    notes = [log["note"] for log in runs[0].payload["logs"]]
    assert "Executed on: SBX-T10 version 1" in notes[0] and "Executed on: SBX-T10 version 3" in notes[1]


def test_unreadable_case_links_and_unknown_cycles_are_reported():
    broken = execution("SBX-E1")
    broken["testCase"]["self"] = f"{API}/testcases/SBX-T10"
    runs, errors, _ = map_runs([broken, execution("SBX-E2", cycle=12345)], {}, context())
    assert runs == []
    assert [key for key, _ in errors] == ["SBX-E1", "SBX-E2"]


def test_an_execution_without_key_is_known_by_its_id():
    bare = execution("SBX-E10")
    bare["key"] = None
    runs, _, _ = map_runs([bare], {"5010": [result(3)]}, context())
    assert runs[0].payload["logs"][0]["execution"] == "5010"
    assert runs[0].payload["logs"][0]["steps"][0]["status"] == "Passed"


def test_executions_of_a_case_that_was_not_extracted_are_left_out_with_a_warning():
    runs, errors, notices = map_runs([execution("SBX-E1", case="SBX-T99"), execution("SBX-E2")], {}, context())
    assert [run.source_id for run in runs] == ["SBX-R40/SBX-T10"]
    assert errors == [] and [(key, notice.kind) for key, notice in notices] == [("SBX-E1", WarningKind.CASE_NOT_EXTRACTED)]


@pytest.mark.parametrize("status, end, expected", [
    (3, "2024-05-20T13:15:13Z", True),
    (4, "2024-05-20T13:15:13Z", True),
    (99, "2024-05-20T13:15:13Z", True),
    (1, "2024-05-20T13:15:13Z", False),
    (3, None, False),
    (3, "yesterday", False),
])
def test_only_an_execution_that_ran_and_has_an_end_date_may_become_a_log(status, end, expected):
    assert may_log(execution(status=status, end=end), STATUSES) is expected


def test_an_execution_that_may_not_log_makes_no_log_whatever_the_mapping():
    for status, end in ((1, "2024-05-20T13:15:13Z"), (3, None)):
        run = execution(status=status, end=end)
        assert not may_log(run, STATUSES)
        assert map_log(run, [], context())[0] is None
