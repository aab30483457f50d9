"""Step results of called steps after `ztoq workflow run`, log by log, checked against the generated dataset.

Zephyr reports a call to test as the called case's step results where the
call stands, nested calls included. qTest must show each of them on the
called case's own step, with `called_test_case_id` (the case the step
belongs to) and `parent_test_step_id` (the executed case's call step through
which it runs, however deep), in order, none left out. Expectations come from
the dataset and the qTest state alone, never from the product's mapping code.
"""

import json
import re

from tests.e2e.oracle import qtest_cases_by_key
from tests.e2e.test_attachments import embedded, execution_texts, expected_text
from tests.e2e.test_executions import expected_log

MARKER = re.compile(r"^Zephyr execution (\S+)$", re.MULTILINE)


def run(run_cli, sandbox, tmp_path, command="run"):
    return run_cli("workflow", command, *sandbox.workflow_args(tmp_path / "out"), environ=sandbox.environment())


def call_depth(cases, key):
    calls = [step["testCase"]["testCaseKey"] for step in cases[key]["steps"] if "testCase" in step]
    return 1 + max(call_depth(cases, callee) for callee in calls) if calls else 0


def executed(sandbox):
    """The executions that must have a test log, with the call depth of their case."""
    names = {status["id"]: status["name"] for status in sandbox.dataset.statuses}
    cases = {case["key"]: case for case in sandbox.dataset.testcases}
    return [(execution, call_depth(cases, execution["testCaseKey"])) for execution in sandbox.dataset.testexecutions
            if names[execution["statusId"]] != "Not Executed" and execution["actualEndDate"]]


def steps_run(sandbox, case_key):
    """(qTest step id, called case id, parent step id) of each step an execution of the case runs, in order."""
    cases = {case["key"]: case for case in sandbox.dataset.testcases}
    qtest = {key: found[0] for key, found in qtest_cases_by_key(sandbox.qtest.state).items()}
    found = []

    def walk(key, parent):
        zephyr_steps, qtest_steps = cases[key]["steps"], sorted(qtest[key]["steps"], key=lambda s: s["order"])
        assert len(zephyr_steps) == len(qtest_steps), key
        for zephyr_step, qtest_step in zip(zephyr_steps, qtest_steps):
            if "testCase" in zephyr_step:
                callee = zephyr_step["testCase"]["testCaseKey"]
                assert qtest_step["called_test_case_id"] == qtest[callee]["id"], key
                walk(callee, qtest_step["id"] if parent is None else parent)
            else:
                found.append((qtest_step["id"], None if parent is None else qtest[key]["id"], parent))

    walk(case_key, None)
    return found


def logs_by_execution(state):
    found = {}
    for log in state.logs():
        found.setdefault(MARKER.findall(log["note"])[-1], []).append(log)
    return found


def test_called_steps_are_logged_on_the_called_cases_steps_through_nested_calls(run_cli, sandbox, tmp_path):
    result = run(run_cli, sandbox, tmp_path)
    assert result.code == 0, result
    state, logs = sandbox.qtest.state, logs_by_execution(sandbox.qtest.state)
    executions = executed(sandbox)
    assert any(depth >= 2 for execution, depth in executions if execution["stepResults"]), \
        "the dataset should execute a case whose called case calls another"
    called_results = 0
    for execution, _ in executions:
        assert len(logs.get(execution["key"], [])) == 1, execution["key"]
        log = logs[execution["key"]][0]
        _, _, _, results = expected_log(sandbox, execution)
        files = embedded(sandbox, None, execution, texts=execution_texts)
        attachments = state.attachment_files("test-logs", log["id"])
        slots = steps_run(sandbox, execution["testCaseKey"]) if results else []
        assert len(slots) == len(results), execution["key"]
        wanted = [(order, *slot, status, expected_text(sandbox, text, files, attachments, log["id"], "test-logs"))
                  for slot, (order, status, text) in zip(slots, results)]
        shown = [(s["order"], s["test_step_id"], s["called_test_case_id"], s["parent_test_step_id"], s["status"],
                  s["actual_result"]) for s in log["step_logs"]]
        assert shown == wanted, execution["key"]
        called_results += sum(1 for row in shown if row[3] is not None)
    assert called_results, "no step result of a called step was checked"
    assert len(state.logs()) == len(executions)


def test_a_called_case_missing_from_qtest_makes_the_executions_errors_not_shortened_logs(run_cli, sandbox,
                                                                                            tmp_path):
    cases = {case["key"]: case for case in sandbox.dataset.testcases}
    callers = [(execution, depth) for execution, depth in executed(sandbox) if depth and execution["stepResults"]]
    caller = cases[callers[0][0]["testCaseKey"]]
    callee = next(step["testCase"]["testCaseKey"] for step in caller["steps"] if "testCase" in step)
    cases[callee]["name"] = None
    blocked = {execution["key"] for execution, _ in executed(sandbox) if execution["stepResults"]
               and callee in called_anywhere(cases, execution["testCaseKey"])}
    assert blocked

    result = run(run_cli, sandbox, tmp_path)
    assert result.code == 1 and "could not be migrated" in result.stderr
    for attempt, command in enumerate(("run", "resume"), start=1):
        if command == "resume":
            assert run(run_cli, sandbox, tmp_path, command="resume").code == 1
        logs = logs_by_execution(sandbox.qtest.state)
        assert not blocked & set(logs), "a log of an execution whose called steps cannot be placed was loaded"
        report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                         "--report-format", "json")
        errors = [error for error in json.loads(report.stdout)["errors"] if error["entity_key"] in blocked]
        assert sorted(error["entity_key"] for error in errors) == sorted(list(blocked) * attempt), command
        assert all("cannot be placed" in error["message"] and f"calls {callee}, which is not in qTest"
                   in error["message"] for error in errors)
    status = run_cli("workflow", "status", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"))
    assert "cannot be placed" in status.stdout


def called_anywhere(cases, key):
    """Every case an execution of `key` runs steps of through calls, as deep as they go."""
    found = set()
    for step in cases[key]["steps"]:
        if "testCase" in step:
            callee = step["testCase"]["testCaseKey"]
            found |= {callee} | called_anywhere(cases, callee)
    return found


def test_validation_finds_a_called_step_log_whose_call_step_changed(run_cli, sandbox, tmp_path):
    assert run(run_cli, sandbox, tmp_path).code == 0
    state = sandbox.qtest.state
    with state.lock:
        log = next(log for log in state.execution.logs.values()
                   if any(step.parent_test_step_id for step in log.step_logs))
        called = next(step for step in log.step_logs if step.parent_test_step_id)
        called.parent_test_step_id += 1
    execution = MARKER.findall(log.note)[-1]

    result = run(run_cli, sandbox, tmp_path, command="validate")
    assert result.code == 6, result
    report = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"),
                     "--report-format", "json")
    issues = json.loads(report.stdout)["validation"]["issues"]
    assert [(issue["entity_key"], issue["rule"], issue["severity"], issue["message"]) for issue in issues
            if issue["severity"] != "info"] == [(execution, "test-logs", "error", "the test log's step logs differs in qTest")]
