"""Load the execution history: releases, the cycle tree, then runs and their logs, each exactly once.

Order matters twice. Releases come before cycles, so each cycle targets its
plan's release when it is created. Within a run, logs are submitted in
chronological order, since qTest sets the run's status from the last one.
Every object is looked up before it is created again after a crash: cycles
and releases by name and key line under their parent, runs by the Zephyr
Key field in their cycle, logs by the execution line of their note.
A log whose texts embed files gets them attached, then is rewritten by one
PUT to point at them (files can only be attached to a log that exists).
Step results are logged on the steps they ran, called steps on the called
case's steps (tasks/case_steps.py); a log whose results cannot all be placed
is an error of its execution, never a shortened log.
"""

import luigi

from ztoq_luigi.clients.errors import NotFoundError, RequestRejectedError
from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.db.entities import mapped, mark_created, mark_pending
from ztoq_luigi.db.executions import transformed_in
from ztoq_luigi.mapping.attachments import log_files, rewrite_log
from ztoq_luigi.mapping.cycles import marker_of
from ztoq_luigi.mapping.executions import log_body, log_marker, statuses_used
from ztoq_luigi.mapping.run_steps import Unplaceable
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.case_steps import CaseSteps
from ztoq_luigi.tasks.exactly_once import create_once
from ztoq_luigi.tasks.extract_execution import LAYOUT, unit_count
from ztoq_luigi.tasks.load import TEXT_FIELD, MappingConfigError, find_run_key_field
from ztoq_luigi.tasks.load_attachments import LoadEmbeddedFiles, upload_files
from ztoq_luigi.tasks.transform_execution import TransformCycles, TransformTestExecution

LOADED_STATES = ("created", "confirmed")
LOG_TEXTS = "embedded-file-log-texts"


def find_container(items, name, marker):
    """The id of the listed release or cycle with this name and key line, or None."""
    for item in items:
        if item.get("name") == name and marker_of(item.get("description")) == marker:
            return item["id"]
    return None


class PrepareRunFields(PipelineTask):
    """The Zephyr Key field on test runs (the mapped execution statuses were checked with the test-case fields)."""

    phase = "load"

    def marker_name(self):
        return "load/run-fields"

    def run(self):
        key, qtest, rules = self.project_key, context.qtest(), context.rules()
        if find_run_key_field(qtest, rules) is None:
            if context.settings().no_create_fields:
                raise MappingConfigError(f"qTest has no test-runs field '{rules.key_field}' and --no-create-fields "
                                         "forbids creating it; expected a text field of that name on test runs")
            source_id = f"test-runs/{rules.key_field}"
            create_once(key, "run-field", "field", source_id, mapped(key, "run-field", [source_id]).get(source_id),
                        create=lambda: qtest.create_field("test-runs", {"label": rules.key_field,
                                                                        "data_type": TEXT_FIELD,
                                                                        "required": False})["id"],
                        find=lambda: find_run_key_field(qtest, rules))
            self.event(f"created the qTest test-runs field '{rules.key_field}'")
        with self.atomic():
            self.mark_done()


class LoadReleases(PipelineTask):
    """One release per Zephyr test plan, at the project root."""

    phase = "load"

    def requires(self):
        return TransformCycles(project_key=self.project_key)

    def marker_name(self):
        return "load/releases"

    def run(self):
        key, qtest = self.project_key, context.qtest()
        releases = transformed_in(key, "release")
        existing = mapped(key, "release")
        for source_id, release in releases.items():
            create_once(key, "release", "release", source_id, existing.get(source_id),
                        create=lambda: qtest.create_release({"name": release["name"],
                                                             "description": release["description"],
                                                             "properties": []})["id"],
                        find=lambda: find_container(qtest.releases(), release["name"], release["marker"]))
        with self.atomic():
            self.mark_done(item_count=len(releases), entity_type="release")
        self.event(f"{len(releases)} releases (Zephyr test plans) in qTest")


class LoadCycles(PipelineTask):
    """The cycle tree, one depth at a time so every parent exists before its children."""

    phase = "load"

    def requires(self):
        return [TransformCycles(project_key=self.project_key), LoadReleases(project_key=self.project_key)]

    def marker_name(self):
        return "load/cycles"

    def run(self):
        key, qtest = self.project_key, context.qtest()
        plan = list(transformed_in(key, "cycle").values())
        releases = {source_id: row.target_id for source_id, row in mapped(key, "release").items()}
        for depth in sorted({entry["depth"] for entry in plan}):
            ids = {source_id: row.target_id for source_id, row in mapped(key, "cycle").items()}
            for entry in (e for e in plan if e["depth"] == depth):
                parent = (int(ids[entry["parent"]]), "test-cycle") if entry["parent"] else (0, "root")
                target = releases.get(entry["release"]) if entry["release"] else None
                existing = mapped(key, "cycle", [entry["source_id"]]).get(entry["source_id"])
                create_once(key, "cycle", "test-cycle", entry["source_id"], existing,
                            create=lambda: qtest.create_test_cycle(entry["name"], entry["description"], *parent,
                                                                   target_release_id=target)["id"],
                            find=lambda: find_container(qtest.test_cycles(*parent), entry["name"], entry["marker"]))
        with self.atomic():
            self.mark_done(item_count=len(plan), entity_type="cycle")
        self.event(f"{len(plan)} test cycles in qTest")


class LoadRuns(BatchTask):
    """The runs of a batch of units, each followed by its logs in chronological order."""

    phase = "load"

    def requires(self):
        key = self.project_key
        return [PrepareRunFields(project_key=key), LoadCycles(project_key=key)]

    def marker_name(self):
        return f"load/testruns/b{self.batch_size}/{self.batch_no}"

    def run(self):
        key, qtest, rules = self.project_key, context.qtest(), context.rules()
        runs = transformed_in(key, "testrun", self.ordinals)
        cycles = {sid: row.target_id for sid, row in mapped(key, "cycle").items() if row.state in LOADED_STATES}
        cases = {sid: row.target_id for sid, row in mapped(key, "testcase", {r["case"] for r in runs.values()}).items()
                 if row.state in LOADED_STATES}
        self._field = find_run_key_field(qtest, rules)
        self._statuses = {status["name"]: status["id"] for status in qtest.execution_statuses()}
        self._steps = CaseSteps(key, qtest)
        loaded = failed = 0
        for run_key, payload in runs.items():
            try:
                logs_failed = self._load_run(run_key, payload, cycles, cases)
                loaded += 1
                failed += logs_failed
            except (_NotLoadable, RequestRejectedError) as problem:
                failed += 1
                self.error(f"test run {run_key} and its {len(payload['logs'])} logs not loaded: {problem}",
                           entity_type="testrun", entity_key=run_key, http_status=getattr(problem, "status", None),
                           excerpt=getattr(problem, "excerpt", None))
        with self.atomic():
            self.mark_done(item_count=loaded, failed_count=failed, entity_type="testrun", batch_no=self.batch_no)

    def _load_run(self, run_key, payload, cycles, cases):
        """Create the run once, then its missing logs in order; returns how many logs failed."""
        key, qtest = self.project_key, context.qtest()
        cycle_id, case_id = cycles.get(payload["cycle"]), cases.get(payload["case"])
        if cycle_id is None:
            raise _NotLoadable(f"its test cycle ({payload['cycle']}) is not in qTest")
        if case_id is None:
            raise _NotLoadable(f"test case {payload['case']} is not in qTest")
        unknown = statuses_used(payload) - set(self._statuses)
        if unknown:
            raise _NotLoadable(f"qTest has no execution status {', '.join(sorted(unknown))}")
        steps = self._steps.of(payload["case"])
        if steps.version_id is None:
            raise _NotLoadable(steps.problem)
        body = {"name": payload["name"], "test_case": {"id": int(case_id)}, "test_case_version_id": steps.version_id,
                "properties": [{"field_id": self._field, "field_value": run_key}]}
        run_id = create_once(key, "testrun", "test-run", run_key, mapped(key, "testrun", [run_key]).get(run_key),
                             create=lambda: qtest.create_test_run(body, int(cycle_id))["id"],
                             find=lambda: self._find_run(int(cycle_id), run_key))
        existing = mapped(key, "testlog", [log["execution"] for log in payload["logs"]])
        failed = 0
        for log in payload["logs"]:
            try:
                log_request = log_body(log, steps, self._statuses)
            except Unplaceable as problem:
                failed += 1
                self.error(f"test log of {log['execution']} not loaded into run {run_key}: its step results cannot "
                           f"be placed on the steps of the migrated test case: {problem}",
                           entity_type="testexecution", entity_key=log["execution"])
                continue
            try:
                log_id = create_once(key, "testlog", "test-log", log["execution"], existing.get(log["execution"]),
                                     create=lambda: qtest.create_test_log(int(run_id), log_request)["id"],
                                     find=lambda: self._find_log(int(run_id), log["execution"]))
            except RequestRejectedError as problem:
                failed += 1
                self.error(f"test log of {log['execution']} not loaded into run {run_key}: {problem}",
                           entity_type="testexecution", entity_key=log["execution"], http_status=problem.status,
                           excerpt=problem.excerpt)
                continue
            try:
                self._attach_files(run_id, log_id, log, steps)
            except (NotFoundError, RequestRejectedError) as problem:
                failed += 1
                self.error(f"embedded files not attached to the test log of {log['execution']}: {problem}",
                           entity_type="testexecution", entity_key=log["execution"], http_status=problem.status,
                           excerpt=problem.excerpt)
        return failed

    def _attach_files(self, run_id, log_id, log, steps):
        """Attach the fetched files the log's texts embed to it, then PUT the log once with texts pointing at them.

        Uploads are exactly-once on their own; the PUT sets the same texts
        however often it is sent, so a resumed batch simply sends it again
        unless it is recorded as done.
        """
        key, execution, base = self.project_key, log["execution"], context.settings().zephyr_base_url
        urls = log_files(log, base)
        if not urls:
            return
        done = mapped(key, LOG_TEXTS, [execution]).get(execution)
        if done is not None and done.state in LOADED_STATES:
            return
        links = upload_files(key, "test-logs", log_id, execution, urls)
        if not links:
            return
        body = log_body(rewrite_log(log, links, base), steps, self._statuses)
        mark_pending(key, LOG_TEXTS, "test-log", [execution])
        context.qtest().update_test_log(int(run_id), int(log_id), body)
        mark_created(key, LOG_TEXTS, execution, log_id)

    def _find_run(self, cycle_id, run_key):
        for run in context.qtest().test_runs(cycle_id):
            if property_value(run, context.rules().key_field) == run_key:
                return run["id"]
        return None

    def _find_log(self, run_id, execution):
        for log in context.qtest().test_logs(run_id):
            if log_marker(log.get("note")) == execution:
                return log["id"]
        return None


class _NotLoadable(Exception):
    """A run whose container, test case or statuses are missing in qTest."""


class LoadTestExecution(PipelineTask):
    """Releases, the cycle tree, then runs and logs batch by batch, once the test cases are final in qTest.

    Final means with their embedded files: rewriting a case's texts makes a
    new version with new step ids, and runs bind to the version they find.
    """

    phase = "load"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        key = self.project_key
        return [TransformTestExecution(project_key=key, batch_size=self.batch_size),
                LoadEmbeddedFiles(project_key=key, batch_size=self.batch_size)]

    def marker_name(self):
        return "group/load/test-execution"

    def run(self):
        key = self.project_key
        yield [PrepareRunFields(project_key=key), LoadReleases(project_key=key), LoadCycles(project_key=key)]
        size, count = batches(key, LAYOUT, unit_count(key), self.batch_size)
        yield [LoadRuns(project_key=key, batch_size=size, batch_no=n) for n in range(count)]
        with self.atomic():
            self.mark_done()
