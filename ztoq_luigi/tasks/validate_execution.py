"""Validate the execution history by reading qTest back: runs and logs per batch, counts per project.

A batch reads the runs of its cycles and the logs of its runs and compares
them with what was sent: each run once in its cycle, with its name and test
case; each execution's log once (found by its note's execution line), with
its status, dates, note and step logs (the called steps' with their case and
call step, in order); no log qTest holds that Zephyr does
not explain; every executed Zephyr execution accounted for. The project
task counts cycles and runs in qTest against the transformed plan.
"""

from collections import Counter
from dataclasses import replace

import luigi

from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.db.entities import extracted, mapped
from ztoq_luigi.db.executions import marker_total, transformed_in
from ztoq_luigi.db.issues import confirm, replace_issues
from ztoq_luigi.mapping.attachments import log_files, rewrite_log
from ztoq_luigi.mapping.cycles import marker_of
from ztoq_luigi.mapping.executions import NOT_EXECUTED, execution_key, log_body, log_marker
from ztoq_luigi.mapping.run_steps import Unplaceable
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.case_steps import CaseSteps
from ztoq_luigi.tasks.extract_execution import LAYOUT, unit_count
from ztoq_luigi.tasks.load_attachments import uploaded_links
from ztoq_luigi.tasks.load_execution import LOADED_STATES, LoadTestExecution
from ztoq_luigi.tasks.validate import validation_issue

BATCH_MARKERS = "validate/testruns/"


class ValidateRuns(BatchTask):
    phase = "validate"

    def marker_name(self):
        return f"{BATCH_MARKERS}b{self.batch_size}/{self.batch_no}"

    def run(self):
        key, qtest = self.project_key, context.qtest()
        runs = transformed_in(key, "testrun", self.ordinals)
        rows = mapped(key, "testrun", runs)
        cycles = {sid: row.target_id for sid, row in mapped(key, "cycle").items() if row.state in LOADED_STATES}
        cases = {sid: row.target_id for sid, row in mapped(key, "testcase", {r["case"] for r in runs.values()}).items()}
        statuses = {status["name"]: status["id"] for status in qtest.execution_statuses()}
        self._listings, self._steps = {}, CaseSteps(key, qtest)
        issues, confirmed, logs_found = [], [], 0
        for run_key, payload in runs.items():
            row = rows.get(run_key)
            if row is None or row.state not in LOADED_STATES or payload["cycle"] not in cycles:
                issues.append(validation_issue("not-migrated", run_key, "in qTest", "missing", "the test run was not loaded"))
                continue
            found = [run for run in self._runs(cycles[payload["cycle"]])
                     if property_value(run, context.rules().key_field) == run_key]
            if len(found) != 1:
                issues.append(validation_issue("duplicate" if found else "missing-in-qtest", run_key, "1 run", str(len(found)),
                                     f"{len(found)} qTest runs carry {run_key} in their test cycle"))
                continue
            run_issues, count = self._check_run(run_key, payload, found[0], cases.get(payload["case"]), statuses)
            logs_found += count
            issues += run_issues
            if not run_issues:
                confirmed.append(run_key)
        issues += self._unaccounted(runs)
        with self.atomic():
            replace_issues(key, "testrun", list(runs), [i for i in issues if i["rule"] != "unaccounted"])
            replace_issues(key, "testexecution", list(extracted(key, "execution", ordinals=self.ordinals)),
                           [i for i in issues if i["rule"] == "unaccounted"])
            confirm(key, "testrun", confirmed)
            confirm(key, "testlog", [log["execution"] for run_key in confirmed for log in runs[run_key]["logs"]])
            self.mark_done(item_count=logs_found, failed_count=len(issues), entity_type="testrun",
                           batch_no=self.batch_no)

    def _runs(self, cycle_id):
        if cycle_id not in self._listings:
            self._listings[cycle_id] = list(context.qtest().test_runs(int(cycle_id)))
        return self._listings[cycle_id]

    def _check_run(self, run_key, payload, run, case_id, statuses):
        """(issues, number of logs qTest holds) for one run found in its cycle."""
        issues = []
        if run.get("name") != payload["name"]:
            issues.append(validation_issue("name", run_key, payload["name"], run.get("name"), "the run's name differs"))
        actual_case = (run.get("test_case") or {}).get("id") or run.get("testCaseId")
        if str(actual_case) != str(case_id):
            issues.append(validation_issue("test-case", run_key, str(case_id), str(actual_case), "the run tests another case"))
        logs = list(context.qtest().test_logs(run["id"]))
        by_execution = {}
        for log in logs:
            by_execution.setdefault(log_marker(log.get("note")), []).append(log)
        expected = {log["execution"]: log for log in payload["logs"]}
        for stranger in sorted(set(by_execution) - set(expected), key=str):
            issues.append(validation_issue("unexpected-log", run_key, "no such log", str(stranger),
                                 f"qTest run {run['id']} holds {len(by_execution[stranger])} logs of no migrated "
                                 f"execution ({stranger})"))
        steps, base = self._steps.of(payload["case"]), context.settings().zephyr_base_url
        for execution, log in expected.items():
            actual = by_execution.get(execution, [])
            if len(actual) != 1:
                issues.append(validation_issue("duplicate-log" if actual else "missing-log", execution, "1 log",
                                     str(len(actual)), f"{len(actual)} qTest logs of {execution} in run {run_key}"))
                continue
            if log_files(log, base):
                log = rewrite_log(log, uploaded_links(self.project_key, execution, "test-logs", actual[0]["id"]), base)
            issues += _compare_log(execution, log, actual[0], steps, statuses)
        order = [log_marker(log.get("note")) for log in logs if log_marker(log.get("note")) in expected]
        if order != [log["execution"] for log in payload["logs"]] and len(order) == len(payload["logs"]):
            issues.append(validation_issue("log-order", run_key, ", ".join(log["execution"] for log in payload["logs"]),
                                 ", ".join(order), "the logs were not submitted in chronological order"))
        return issues, len(logs)

    def _unaccounted(self, runs):
        """Executions that ran, have a date and a mapped status, yet have no log in the plan: a lost execution."""
        planned = {log["execution"] for payload in runs.values() for log in payload["logs"]}
        statuses = {s["id"]: s["name"] for s in extracted(self.project_key, "status:TEST_EXECUTION").values()}
        rules = context.rules()
        issues = []
        for source_id, execution in extracted(self.project_key, "execution", ordinals=self.ordinals).items():
            status = statuses.get((execution.get("testExecutionStatus") or {}).get("id"))
            loggable = status != NOT_EXECUTED and rules.execution_status(status) and execution.get("actualEndDate")
            if loggable and execution_key(execution) not in planned:
                issues.append(validation_issue("unaccounted", source_id, "a test log", "none",
                                     f"Zephyr execution {source_id} ('{status}') has no test log in the plan; "
                                     "see the errors and warnings of the transform phase"))
        return issues


def _compare_log(execution, expected, actual, steps, statuses):
    version_id = steps.version_id
    steps = replace(steps, version_id=version_id or actual.get("test_case_version_id") or 0)
    issues = []
    try:
        body = log_body(expected, steps, statuses)
        step_logs = [_step_log_row(step) for step in body["test_step_logs"]]
    except Unplaceable as problem:
        body = log_body(dict(expected, steps=[], step_results=0), steps, statuses)
        step_logs = None
        issues.append(validation_issue("step-logs", execution, "every step result on its step", "cannot be placed",
                                       f"the step results cannot be placed on the qTest steps: {problem}"))
    checks = [
        ("status", expected["status"], (actual.get("status") or {}).get("name")),
        ("exe_start_date", body["exe_start_date"], actual.get("exe_start_date")),
        ("exe_end_date", body["exe_end_date"], actual.get("exe_end_date")),
        ("note", body["note"], actual.get("note")),
    ]
    if step_logs is not None:
        found = sorted((_step_log_row(step) for step in actual.get("test_step_logs") or []), key=lambda row: row[0] or 0)
        checks.append(("step logs", step_logs, found))
    if version_id is not None:
        checks.append(("test case version", version_id, actual.get("test_case_version_id")))
    for label, wanted, got in checks:
        if wanted != got:
            issues.append(validation_issue(label.replace(" ", "-"), execution, str(wanted)[:500], str(got)[:500],
                                 f"the test log's {label} differs in qTest"))
    return issues


def _step_log_row(step):
    """A step log as compared: order, the step (with its case and call step when called), status, actual result."""
    return (step.get("order"), step.get("test_step_id"), step.get("called_test_case_id"),
            step.get("parent_test_step_id"), (step.get("status") or {}).get("id"), step.get("actual_result") or "")


class ValidateExecutionCounts(PipelineTask):
    """Cycles, runs and logs: as many in qTest as planned, each Zephyr key once, names as in Zephyr."""

    phase = "validate"

    def marker_name(self):
        return "validate/execution-counts"

    def run(self):
        key, qtest, rules = self.project_key, context.qtest(), context.rules()
        plan = transformed_in(key, "cycle")
        ids = {sid: row.target_id for sid, row in mapped(key, "cycle").items() if row.state in LOADED_STATES}
        parents = [(0, "root")] + [(int(target), "test-cycle") for target in ids.values()]
        listed = {parent: qtest.test_cycles(*parent) for parent in parents}
        markers = Counter(marker_of(c.get("description")) for cycles in listed.values() for c in cycles)
        issues = []
        for source_id, entry in plan.items():
            parent = (int(ids[entry["parent"]]), "test-cycle") if entry["parent"] in ids else (0, "root")
            here = [c for c in listed.get(parent, []) if marker_of(c.get("description")) == entry["marker"]]
            if markers[entry["marker"]] != 1 or len(here) != 1:
                issues.append(validation_issue("cycle-count", source_id, "1 cycle in its place",
                                     f"{markers[entry['marker']]} in qTest, {len(here)} in its place",
                                     f"'{entry['marker']}' should be on exactly one qTest cycle, under its parent"))
            elif here[0]["name"] != entry["name"]:
                issues.append(validation_issue("cycle-name", source_id, entry["name"], here[0]["name"],
                                     "the cycle's name differs in qTest"))
        runs = transformed_in(key, "testrun")
        found = Counter(property_value(run, rules.key_field) for cycle_id in ids.values()
                        for run in qtest.test_runs(int(cycle_id)))
        found_runs = sum(count for run_key, count in found.items() if run_key)
        expected_logs = sum(len(payload["logs"]) for payload in runs.values())
        found_logs = marker_total(key, BATCH_MARKERS)
        ours = sum(1 for c in listed.values() for cycle in c if marker_of(cycle.get("description")))
        for label, wanted, got in (("cycles", len(plan), ours), ("runs", len(runs), found_runs),
                                   ("logs", expected_logs, found_logs)):
            if wanted != got:
                issues.append(validation_issue("count", f"test {label}", str(wanted), str(got),
                                     f"{wanted} test {label} expected from Zephyr, {got} in qTest"))
        with self.atomic():
            replace_issues(key, "execution-project", ["test cycles", "test runs", "test logs"] + list(plan), issues)
            self.mark_done(failed_count=len(issues))


class ValidateTestExecution(PipelineTask):
    """Every run and log read back and compared; cycles, runs and logs counted in qTest."""

    phase = "validate"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return LoadTestExecution(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "group/validate/test-execution"

    def run(self):
        key = self.project_key
        size, count = batches(key, LAYOUT, unit_count(key), self.batch_size)
        yield [ValidateRuns(project_key=key, batch_size=size, batch_no=n) for n in range(count)]
        yield ValidateExecutionCounts(project_key=key)
        with self.atomic():
            self.mark_done()
