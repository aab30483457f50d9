"""Validate the execution history: the rules judge every run and log against qTest as read in bulk.

The runs and logs of the whole project were read page by page
(tasks/validate/readback.py); a batch takes the runs of its units and the
logs of their executions from there, builds the log each execution should
have (its status, dates, note, and step logs on the steps of the case as
qTest holds it, called steps with their case and call step) and hands
both sides to the rules. The census counts cycles, runs and logs by key,
finds what is missing, duplicated or unexplained, and compares the cycle
tree with Zephyr's.
"""

from dataclasses import replace

from ztoq_luigi.clients.qtest import listed_run_name
from ztoq_luigi.db.entities import extracted, mapped, stream_extracted, target_ids, transformed_ids
from ztoq_luigi.db.executions import transformed_in, transformed_per_unit
from ztoq_luigi.db.issues import confirm, replace_issues
from ztoq_luigi.db.readback import ids_by_key, read_all, read_by_key
from ztoq_luigi.kinds import Entity, Phase, Snapshot
from ztoq_luigi.mapping.attachments import log_files, rewrite_log
from ztoq_luigi.mapping.executions import NOT_EXECUTED, execution_key, log_body
from ztoq_luigi.mapping.folders import module_paths
from ztoq_luigi.mapping.run_steps import Unplaceable
from ztoq_luigi.services.case_steps import CaseSteps
from ztoq_luigi.services.units import EXECUTION_UNITS, unit_count, window_limit, windows
from ztoq_luigi.services.uploads import uploaded_links
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.load.execution import LoadTestExecution
from ztoq_luigi.tasks.validate.design import census, reads, tree_view
from ztoq_luigi.tasks.validate.source import against_source
from ztoq_luigi.validation.rules import Census, Comparison, at_or_above


class ValidateRuns(BatchTask):
    phase = Phase.VALIDATE

    def marker_name(self):
        return f"validate/testruns/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key, rules = self.project_key, ctx.validation()
        expected = _ExpectedRuns(ctx, key)
        threshold = at_or_above(ctx.settings.fail_on)
        rows = transformed_per_unit(key, Entity.TEST_RUN, self.ordinals)
        progress = self.progress(sum(rows.values()), "test runs")
        issues, confirmed_runs, confirmed_logs, logs_found = [], [], [], 0
        for window in windows(self.ordinals, rows, window_limit(ctx.settings.max_workers)):
            runs = transformed_in(key, Entity.TEST_RUN, window)
            expected.know(runs)
            found_runs, found_logs = _read_back(key, runs)
            for run_key, payload in progress.over(runs.items()):
                logs_found += sum(len(found_logs.get(log["execution"], [])) for log in payload["logs"])
                run_issues = expected.check(rules, run_key, payload, found_runs.get(run_key, []), found_logs)
                if run_issues is None:
                    continue  # the census reports a run missing or duplicated
                issues += run_issues
                if not [issue for issue in run_issues if issue["severity"] in threshold]:
                    confirmed_runs.append(run_key)
                    confirmed_logs += [log["execution"] for log in payload["logs"]]
        with self.atomic():
            replace_issues(key, self.marker_name(), issues)
            confirm(key, Entity.TEST_RUN, confirmed_runs)
            confirm(key, Entity.TEST_LOG, confirmed_logs)
            self.mark_done(item_count=logs_found, failed_count=sum(rows.values()) - len(confirmed_runs),
                           entity_type=Entity.TEST_RUN, batch_no=self.batch_no)


class _ExpectedRuns:
    """What one batch's runs and logs should be in qTest, built for the batch and dropped with it.

    Not kept on the task: Luigi's worker holds every task it scheduled until
    the run ends, so whatever a batch kept on itself (the steps of its cases
    above all) would add up over every finished batch.
    """

    def __init__(self, ctx, project_key):
        self.ctx, self.project_key = ctx, project_key
        self.cycles = target_ids(project_key, Entity.CYCLE, loaded=True)
        self.statuses = {status["name"]: status["id"] for status in ctx.reference.execution_statuses()}
        self.steps, self.cases, self.updated, self.logged = None, {}, {}, {}

    def know(self, runs):
        """What a window's runs need from the map: their cases' ids and last sync update, when their logs were loaded."""
        case_keys = {run["case"] for run in runs.values()}
        case_rows = mapped(self.project_key, Entity.TEST_CASE, case_keys)
        self.cases = {sid: row.target_id for sid, row in case_rows.items()}
        self.updated = {sid: row.updated_round for sid, row in case_rows.items() if row.updated_round}
        self.logged = {sid: row.created_round for sid, row in mapped(
            self.project_key, Entity.TEST_LOG, [log["execution"] for run in runs.values() for log in run["logs"]]).items()}
        self.steps = CaseSteps(self.project_key, self.ctx.qtest, kept=Snapshot.QTEST_TEST_CASE, ask_qtest=False)
        self.steps.prepare(case_keys)  # a window's cases only: memory stays flat over the batch

    def check(self, rules, run_key, payload, found, found_logs):
        """The issues of one run and its logs, or None when it is missing or duplicated."""
        if len(found) != 1:
            return None
        issues = rules.check(self._run_view(run_key, payload, found[0]))
        for log in payload["logs"]:
            logs = found_logs.get(log["execution"], [])
            if len(logs) == 1:
                issues += rules.check(self._log_view(payload, log, logs[0], found[0]["id"]))
        return issues

    def _run_view(self, run_key, payload, run):
        expected = {"name": payload["name"], "test_case_id": self.cases.get(payload["case"]),
                    "parent_id": self.cycles.get(payload["cycle"])}
        actual = {"name": listed_run_name(run), "test_case_id": (run.get("test_case") or {}).get("id")
                  or run.get("testCaseId"), "parent_id": run.get("parentId")}
        return Comparison(Entity.TEST_RUN, run_key, expected, actual, source=payload)

    def _log_view(self, payload, log, actual, run_id):
        """The log the execution should have, built on the steps of its case as qTest holds them."""
        base = self.ctx.settings.zephyr_base_url
        if log_files(log, base):
            log = rewrite_log(log, uploaded_links(self.ctx.qtest(), self.project_key, log["execution"], "test-logs",
                                                  actual["id"]), base)
        steps = self.steps.of(payload["case"])
        logged_on = actual.get("test_case_version_id")
        if logged_on and logged_on != steps.version_id and self.logged.get(log["execution"], 0) < self.updated.get(
                payload["case"], 0):
            steps = self.steps.at(payload["case"], logged_on)  # logged before a sync updated its case: keeps its version
        version_id = steps.version_id
        steps = replace(steps, version_id=version_id or actual.get("test_case_version_id") or 0)
        problem = None
        try:
            body = log_body(log, steps, self.statuses)
        except Unplaceable as unplaceable:
            problem = str(unplaceable)
            body = log_body(dict(log, steps=[], step_results=0), steps, self.statuses)
        return Comparison(Entity.TEST_LOG, log["execution"], body, actual, source=log,
                          context={"status": log["status"], "version_id": version_id, "unplaceable": problem,
                                   "run_id": run_id})


def _read_back(project_key, runs):
    """What qTest holds for these runs and their logs, by key: a window of a batch, so memory stays flat."""
    return (read_by_key(project_key, Snapshot.QTEST_TEST_RUN, runs),
            read_by_key(project_key, Snapshot.QTEST_TEST_LOG,
                        [log["execution"] for run in runs.values() for log in run["logs"]]))


class ValidateExecutionCensus(PipelineTask):
    """Cycles, runs and logs in qTest by key: each Zephyr one exactly once, nothing unexplained; the cycle tree."""

    phase = Phase.VALIDATE
    retryable = True  # a rerun checks again what was found wrong

    def marker_name(self):
        return "validate/execution-census"

    def work(self, ctx):
        key, rules = self.project_key, ctx.validation()
        plan = sorted(transformed_in(key, Entity.CYCLE).values(), key=lambda entry: entry["depth"])
        cycles = target_ids(key, Entity.CYCLE, loaded=True)
        by_marker = {entry["marker"]: entry["source_id"] for entry in plan}
        found_cycles = {}
        for marker, ids in ids_by_key(key, Snapshot.QTEST_CYCLE).items():
            found_cycles.setdefault(by_marker.get(marker, marker), []).extend(ids)
        planned = frozenset(entry["source_id"] for entry in plan)
        issues = rules.check(Census(Entity.CYCLE, planned, found_cycles, planned - set(cycles)))
        nodes = {str(node["id"]): node for node in read_all(key, Snapshot.QTEST_CYCLE)}
        issues += rules.check(tree_view(Entity.CYCLE, module_paths(plan), cycles, nodes))
        runs = transformed_ids(key, Entity.TEST_RUN)
        issues += rules.check(census(key, Entity.TEST_RUN, Snapshot.QTEST_TEST_RUN, runs))
        issues += rules.check(census(key, Entity.TEST_LOG, Snapshot.QTEST_TEST_LOG, loggable(key, ctx.rules)))
        with self.atomic():
            replace_issues(key, self.marker_name(), issues)
            self.mark_done(failed_count=len(issues))


def loggable(project_key, rules):
    """The executions that must have a test log: executed, with a mapped status and an end date."""
    statuses = {s["id"]: s["name"] for s in extracted(project_key, Entity.EXECUTION_STATUS).values()}
    found = set()
    for execution in stream_extracted(project_key, Entity.EXECUTION):
        status = statuses.get((execution.get("testExecutionStatus") or {}).get("id"))
        if status != NOT_EXECUTED and rules.execution_status(status) and execution.get("actualEndDate"):
            found.add(execution_key(execution))
    return found


class ValidateTestExecution(Group):
    """qTest read in bulk (the same reads as the test design's), every run and log judged, then the census.

    The census comes last: every run and log key of a large project (50,000
    and 42,000) held beside eight batches' windows made the peak of a run's memory.
    """

    phase = Phase.VALIDATE
    area = "test-execution"

    def requires(self):
        return self.clone(LoadTestExecution)

    def work(self, ctx):
        self.against_source = against_source(ctx)
        return super().work(ctx)

    def first(self):
        return reads(self)

    def then(self):
        return self.cut(ValidateRuns, EXECUTION_UNITS, unit_count(self.project_key))

    def last(self):
        return [self.clone(ValidateExecutionCensus)]
