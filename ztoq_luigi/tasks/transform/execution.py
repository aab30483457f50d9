"""Transform the execution history: cycle tree and releases in one task, runs batch for batch as extracted.

A run batch covers the same units (cycles, ad-hoc buckets) as its extract
batch, so it needs exactly that batch's executions plus the reference data;
every pair's executions sit in one unit, so no run is split across batches
(nor across the windows of units a batch is mapped in, to keep memory flat).
"""

from dataclasses import replace

from ztoq_luigi.db.entities import listed_in_round, content_hash, extracted, save_transformed
from ztoq_luigi.db.fields import keep_only_transformed
from ztoq_luigi.db.executions import count_extracted_in, cycle_units, delete_transformed_in, extracted_per_unit
from ztoq_luigi.kinds import Entity, Phase
from ztoq_luigi.mapping.cycles import ADHOC, cycle_plan, plan_targets, release_plan
from ztoq_luigi.mapping.executions import ExecutionContext, case_of, map_runs, user_label
from ztoq_luigi.services.units import ADHOC_BUCKETS, EXECUTION_UNITS, adhoc_unit, unit_count, window_limit, windows
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.extract.design import ExtractReference, ExtractTestCaseList
from ztoq_luigi.tasks.extract.execution import (
    ExtractExecutionList, ExtractExecutionReference, ExtractExecutions, ExtractTestExecution,
)


def _names(project_key, status_type):
    return {s["id"]: s["name"] for s in extracted(project_key, Entity.status(status_type)).values()}


class TransformCycles(PipelineTask):
    """The qTest cycle tree (folders, cycles, the ad-hoc cycle when needed) and one release per plan."""

    phase = Phase.TRANSFORM

    def requires(self):
        return [self.clone(ExtractExecutionReference),
                self.clone(ExtractExecutionList)]

    def marker_name(self):
        return "transform/cycles"

    def work(self, ctx):
        key, rules = self.project_key, ctx.rules
        cycles = list(extracted(key, Entity.TEST_CYCLE).values())
        plans = list(extracted(key, Entity.TEST_PLAN).values())
        folders = list(extracted(key, Entity.TEST_CYCLE_FOLDER).values())
        users = {"user": lambda account: user_label(rules, account)}
        first_bucket = len(cycles)
        has_adhoc = count_extracted_in(key, Entity.EXECUTION, (first_bucket, first_bucket + ADHOC_BUCKETS)) > 0
        tree = cycle_plan(folders, cycles, plan_targets(plans, cycles), {"status": _names(key, "TEST_CYCLE"), **users},
                          adhoc_name=rules.adhoc_cycle if has_adhoc else None)
        releases = release_plan(plans, cycles, {"status": _names(key, "TEST_PLAN"), **users})
        with self.atomic():
            keep_only_transformed(key, Entity.CYCLE, [entry["source_id"] for entry in tree])
            keep_only_transformed(key, Entity.RELEASE, [entry["source_id"] for entry in releases])
            save_transformed(key, Entity.CYCLE, [
                (entry["source_id"], entry, content_hash(entry),
                 [entry["parent"]] if entry["parent"] else [], n) for n, entry in enumerate(tree)])
            save_transformed(key, Entity.RELEASE, [
                (entry["source_id"], entry, content_hash(entry), [], n) for n, entry in enumerate(releases)])
            self.mark_done(item_count=len(tree) + len(releases), entity_type=Entity.CYCLE)


class TransformRuns(BatchTask):
    """One run per (cycle, test case) pair of the batch's units, its logs in chronological order.

    Not retryable: an execution that cannot be mapped fails the same way
    until its Zephyr content or the mapping changes.
    """

    phase = Phase.TRANSFORM
    retryable = False

    def requires(self):
        return [self.clone(ExtractReference), self.clone(ExtractTestCaseList), self.clone(ExtractExecutions)]

    def marker_name(self):
        return f"transform/testruns/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key = self.project_key
        cycles, units = cycle_units(key)
        context = ExecutionContext(
            rules=ctx.rules, statuses=_names(key, "TEST_EXECUTION"),
            environments={e["id"]: e["name"] for e in extracted(key, Entity.ENVIRONMENT).values()},
            cycles=cycles, case_names={})
        with self.atomic():
            delete_transformed_in(key, Entity.TEST_RUN, self.ordinals)
        saved, errors, notices = 0, [], []
        for window in windows(self.ordinals, extracted_per_unit(key, Entity.EXECUTION, self.ordinals),
                              window_limit(ctx.settings.max_workers)):
            runs, window_errors, window_notices = self._map_window(window, context)
            rows = [(run.source_id, run.payload, content_hash(run.payload), [run.payload["case"]],
                     units[run.payload["cycle"]] if run.payload["cycle"] != ADHOC
                     else adhoc_unit(len(units), run.payload["case"])) for run in runs]
            with self.atomic():
                save_transformed(key, Entity.TEST_RUN, rows)
            saved += len(rows)
            errors += window_errors + [error for run in runs for error in run.errors]
            notices += window_notices + [notice for run in runs for notice in run.notices]
        with self.atomic():
            for execution, message in errors:
                self.error(message, entity_type=Entity.TEST_EXECUTION, entity_key=execution)
            self.mark_done(item_count=saved, failed_count=len(errors), entity_type=Entity.TEST_RUN,
                           batch_no=self.batch_no)
        if ctx.sync_round() > 1:  # said when they were first mapped: only executions new or changed this round
            fresh = listed_in_round(key, Entity.EXECUTION_STEPS, {execution for execution, _ in notices},
                                    ctx.sync_round())
            notices = [(execution, notice) for execution, notice in notices if execution in fresh]
        self.warn_all(notices, batch_no=self.batch_no)

    def _map_window(self, window, context):
        """The runs of the executions of a window of units (each window saved before the next is read)."""
        key = self.project_key
        executions = extracted(key, Entity.EXECUTION, ordinals=window)
        steps = extracted(key, Entity.EXECUTION_STEPS, source_ids=executions)
        executions = [execution for source_id, execution in executions.items() if source_id in steps]
        case_keys = {case_of(execution)[0] for execution in executions}
        names = {k: case["name"] for k, case in extracted(key, Entity.TEST_CASE, source_ids=case_keys).items()}
        return map_runs(executions, steps, replace(context, case_names=names))


class TransformTestExecution(Group):
    """The cycle tree, the releases, and every run with its logs batch for batch as extracted."""

    phase = Phase.TRANSFORM
    area = "test-execution"

    def requires(self):
        return self.clone(ExtractTestExecution)

    def then(self):
        return [self.clone(TransformCycles)] + self.cut(TransformRuns, EXECUTION_UNITS, unit_count(self.project_key))
