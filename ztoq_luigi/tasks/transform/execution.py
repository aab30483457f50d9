"""Transform the execution history: cycle tree and releases in one task, runs batch for batch as extracted.

A run batch covers the same units (cycles, ad-hoc buckets) as its extract
batch, so it needs exactly that batch's executions plus the reference data;
every pair's executions sit in one unit, so no run is split across batches.
"""

import luigi

from ztoq_luigi.db.entities import content_hash, count_extracted, extracted, save_transformed
from ztoq_luigi.db.executions import count_extracted_in, delete_transformed_in
from ztoq_luigi.mapping.cycles import ADHOC, cycle_plan, plan_targets, release_plan
from ztoq_luigi.mapping.executions import ExecutionContext, case_of, map_runs, user_label
from ztoq_luigi.services import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.extract.design import ExtractReference, ExtractTestCaseList
from ztoq_luigi.tasks.extract.execution import (
    ADHOC_BUCKETS, LAYOUT, ExtractAdhocExecutions, ExtractExecutionReference, ExtractExecutions,
    ExtractTestExecution, adhoc_unit, unit_count,
)


def _names(project_key, status_type):
    return {s["id"]: s["name"] for s in extracted(project_key, f"status:{status_type}").values()}


class TransformCycles(PipelineTask):
    """The qTest cycle tree (folders, cycles, the ad-hoc cycle when needed) and one release per plan."""

    phase = "transform"

    def requires(self):
        return [ExtractExecutionReference(project_key=self.project_key),
                ExtractAdhocExecutions(project_key=self.project_key)]

    def marker_name(self):
        return "transform/cycles"

    def run(self):
        key, rules = self.project_key, context.rules()
        cycles = list(extracted(key, "testcycle").values())
        plans = list(extracted(key, "testplan").values())
        folders = list(extracted(key, "folder:TEST_CYCLE").values())
        users = {"user": lambda account: user_label(rules, account)}
        first_bucket = len(cycles)
        has_adhoc = count_extracted_in(key, "execution", (first_bucket, first_bucket + ADHOC_BUCKETS)) > 0
        tree = cycle_plan(folders, cycles, plan_targets(plans, cycles), {"status": _names(key, "TEST_CYCLE"), **users},
                          adhoc_name=rules.adhoc_cycle if has_adhoc else None)
        releases = release_plan(plans, cycles, {"status": _names(key, "TEST_PLAN"), **users})
        with self.atomic():
            save_transformed(key, "cycle", [
                (entry["source_id"], entry, content_hash(entry),
                 [entry["parent"]] if entry["parent"] else [], n) for n, entry in enumerate(tree)])
            save_transformed(key, "release", [
                (entry["source_id"], entry, content_hash(entry), [], n) for n, entry in enumerate(releases)])
            self.mark_done(item_count=len(tree) + len(releases), entity_type="cycle")


class TransformRuns(BatchTask):
    """One run per (cycle, test case) pair of the batch's units, its logs in chronological order."""

    phase = "transform"

    def requires(self):
        key = self.project_key
        return [ExtractReference(project_key=key), ExtractTestCaseList(project_key=key),
                ExtractExecutions(project_key=key, batch_size=self.batch_size, batch_no=self.batch_no)]

    def marker_name(self):
        return f"transform/testruns/b{self.batch_size}/{self.batch_no}"

    def run(self):
        key = self.project_key
        executions = extracted(key, "execution", ordinals=self.ordinals)
        steps = extracted(key, "executionsteps", source_ids=executions)
        executions = [execution for source_id, execution in executions.items() if source_id in steps]
        cycles = extracted(key, "testcycle")
        units = {cycle["key"]: n for n, cycle in enumerate(cycles.values())}
        case_keys = {case_of(execution)[0] for execution in executions}
        mapping_context = ExecutionContext(
            rules=context.rules(), statuses=_names(key, "TEST_EXECUTION"),
            environments={e["id"]: e["name"] for e in extracted(key, "environment").values()},
            cycles={cycle["id"]: cycle["key"] for cycle in cycles.values()},
            case_names={k: case["name"] for k, case in extracted(key, "testcase", source_ids=case_keys).items()},
        )
        runs, orphans = map_runs(executions, steps, mapping_context)
        rows = [(run.source_id, run.payload, content_hash(run.payload), [run.payload["case"]],
                 units[run.payload["cycle"]] if run.payload["cycle"] != ADHOC
                 else adhoc_unit(len(cycles), run.payload["case"])) for run in runs]
        problems = orphans + [problem for run in runs for problem in run.problems]
        errors = [problem for problem in problems if problem[0] == "error"]
        with self.atomic():
            delete_transformed_in(key, "testrun", self.ordinals)
            save_transformed(key, "testrun", rows)
            for _, execution, message in errors:
                self.error(message, entity_type="testexecution", entity_key=execution)
            self.mark_done(item_count=len(rows), failed_count=len(errors), entity_type="testrun",
                           batch_no=self.batch_no)
        for severity, execution, message in problems:
            if severity != "error":
                self.event(message, level="WARNING", batch_no=self.batch_no, entity_key=execution)


class TransformTestExecution(PipelineTask):
    """The cycle tree, the releases, and every run with its logs."""

    phase = "transform"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return ExtractTestExecution(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "group/transform/test-execution"

    def run(self):
        key = self.project_key
        size, count = batches(key, LAYOUT, unit_count(key), self.batch_size)
        yield [TransformCycles(project_key=key)] + [
            TransformRuns(project_key=key, batch_size=size, batch_no=n) for n in range(count)]
        with self.atomic():
            self.mark_done(item_count=count_extracted(key, "execution"))
