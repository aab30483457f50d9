"""Extract the test execution history: cycle folders, cycles, plans, executions and their step results.

Executions are read in one project-wide listing, which names each one's
cycle (ad-hoc executions belong to none, so only that listing finds them).
The unit of work is a cycle, or one of ADHOC_BUCKETS buckets of ad-hoc executions
(bucketed by test case, so a case's ad-hoc executions stay together); each
execution is stored with its unit's ordinal, and a batch is a range of
units, so a batch holds the executions of a bounded number of cycles.
Step results are read only for executions that can become test logs (run,
with an end date; mapping/executions.py may_log), several at a time; the
others are stored with none, which is all a log-less execution has to say.
"""


from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.db.chunked import chunks
from ztoq_luigi.db.entities import (content_hash, extracted, extracted_hashes, extracted_ids_in, forget_entities,
                                   save_extracted, unseen_ids)
from ztoq_luigi.kinds import Entity, Phase
from ztoq_luigi.mapping.executions import case_of, execution_key, may_log
from ztoq_luigi.schemas.base import check
from ztoq_luigi.schemas.zephyr import ExecutionSchema, FolderSchema, KeyedSchema, OptionValueSchema
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.units import EXECUTION_UNITS, adhoc_unit, unit_count
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask

STATUS_TYPES = ("TEST_EXECUTION", "TEST_CYCLE", "TEST_PLAN")
STEP_WINDOW = 100  # executions whose step results a batch reads (in threads) and stores at once


class ExtractExecutionReference(PipelineTask):
    """Execution, cycle and plan statuses, the TEST_CYCLE folders, every cycle and every plan."""

    phase = Phase.EXTRACT

    def marker_name(self):
        return "extract/execution-reference"

    def work(self, ctx):
        zephyr, key = ctx.zephyr(), self.project_key
        lists = {Entity.status(status_type): self._valid(zephyr.statuses(key, status_type), OptionValueSchema,
                                                      "status") for status_type in STATUS_TYPES}
        lists[Entity.TEST_CYCLE_FOLDER] = self._valid(zephyr.folders(key, "TEST_CYCLE"), FolderSchema, "folder")
        cycles = self._valid(zephyr.test_cycles(key), KeyedSchema, Entity.TEST_CYCLE)
        plans = self._valid(zephyr.test_plans(key), KeyedSchema, Entity.TEST_PLAN)
        lists[Entity.TEST_CYCLE] = cycles
        lists[Entity.TEST_PLAN] = plans
        sync_round = ctx.sync_round()
        with self.atomic():
            for entity_type, values in lists.items():
                save_extracted(key, entity_type, [(value.get("key") or value["id"], value, n)
                                                  for n, value in enumerate(values)], sync_round)
                forget_entities(key, [entity_type], unseen_ids(key, entity_type, sync_round))
            self.mark_done(item_count=len(cycles) + len(plans), entity_type=Entity.TEST_CYCLE)
        self.event(f"listed {len(cycles)} test cycles, {len(plans)} test plans, "
                   f"{len(lists[Entity.TEST_CYCLE_FOLDER])} test cycle folders")

    def _valid(self, values, schema, entity_type):
        kept = []
        for value in values:
            problems = check(schema, value)
            if problems:
                self.error(f"malformed {entity_type} skipped: {problems[0]}", entity_type=entity_type,
                           entity_key=str(value.get("key") or value.get("id")) if isinstance(value, dict) else None)
            else:
                kept.append(value)
        return kept


def save_listed(project_key, executions, sync_round):
    """Store listed executions; the step results of those new or changed since the last listing are
    forgotten with them, so that they are fetched (again) even if the task stops right after."""
    hashes = extracted_hashes(project_key, Entity.EXECUTION, [source_id for source_id, _, _ in executions])
    changed = [source_id for source_id, execution, _ in executions if hashes.get(source_id) != content_hash(execution)]
    save_extracted(project_key, Entity.EXECUTION, executions, sync_round)
    forget_entities(project_key, [Entity.EXECUTION_STEPS], changed)


def _checked(task, execution):
    """The execution if well formed, else None after recording why it is skipped."""
    problems = check(ExecutionSchema, execution)
    if not problems and case_of(execution)[0] is None:
        problems = [f"testCase.self: no test case key in '{execution['testCase']['self']}'"]
    if problems:
        task.error(f"malformed test execution skipped: {problems[0]}", entity_type=Entity.TEST_EXECUTION,
                   entity_key=str(execution.get("key") or execution.get("id")) if isinstance(execution, dict)
                   else None)
        return None
    return execution


class ExtractExecutionList(PipelineTask):
    """The project-wide listing: every execution, stored under its cycle's unit or its ad-hoc bucket.

    It carries each execution's cycle, so no cycle is listed on its own (77
    listings at 3,000 cases). An execution of a cycle that is not extracted
    (a malformed one, recorded as such) has no unit and is left out.
    """

    phase = Phase.EXTRACT

    def requires(self):
        return self.clone(ExtractExecutionReference)

    def marker_name(self):
        return "extract/execution-list"

    def work(self, ctx):
        key = self.project_key
        units = {cycle["id"]: n for n, cycle in enumerate(extracted(key, Entity.TEST_CYCLE).values())}
        page, kept, adhoc = [], 0, 0
        for execution in ctx.zephyr().test_executions(key):
            if _checked(self, execution) is None:
                continue
            cycle = (execution.get("testCycle") or {}).get("id")
            unit = adhoc_unit(len(units), case_of(execution)[0]) if cycle is None else units.get(cycle)
            if unit is None:
                continue
            page.append((execution_key(execution), execution, unit))
            kept += 1
            adhoc += cycle is None
            if len(page) >= 500:
                with self.atomic():
                    save_listed(key, page, ctx.sync_round())
                page = []
        with self.atomic():
            save_listed(key, page, ctx.sync_round())
            self.mark_done(item_count=kept, entity_type=Entity.TEST_EXECUTION)
        self.event(f"listed {kept} test executions, {adhoc} of them ad hoc (no test cycle)")


class ExtractExecutions(BatchTask):
    """The step results of the executions of a range of units (the executions are listed already)."""

    phase = Phase.EXTRACT

    def requires(self):
        return [self.clone(ExtractExecutionReference),
                self.clone(ExtractExecutionList)]

    def marker_name(self):
        return f"extract/executions/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key, sync_round = self.project_key, ctx.sync_round()
        statuses = {s["id"]: s["name"] for s in extracted(key, Entity.status("TEST_EXECUTION")).values()}
        stored = failed = 0
        for window in chunks(_executions_of(key, self.ordinals, sync_round), STEP_WINDOW):
            fetched = extracted_ids_in(key, Entity.EXECUTION_STEPS, [source_id for _, source_id, _ in window])
            window = [item for item in window if item[1] not in fetched]
            logged = [item for item in window if may_log(item[2], statuses)]
            answers = dict(zip((source_id for _, source_id, _ in logged),
                               map_in_threads(lambda item: _step_results(ctx, item[2]), logged,
                                              ctx.settings.max_workers, ctx.helpers)))
            results = []
            for unit, source_id, _ in window:
                answer = answers.get(source_id, [])
                if isinstance(answer, NotFoundError):
                    failed += 1
                    self.error(f"test execution vanished from Zephyr during extraction: {answer}",
                               entity_type=Entity.TEST_EXECUTION, entity_key=source_id, http_status=404)
                else:
                    results.append((source_id, answer, unit))
            with self.atomic():
                save_extracted(key, Entity.EXECUTION_STEPS, results, sync_round)
            stored += len(results)
        with self.atomic():
            self.mark_done(item_count=stored, failed_count=failed, entity_type=Entity.TEST_EXECUTION,
                           batch_no=self.batch_no)


def _executions_of(project_key, ordinals, seen_round):
    """(unit, source id, execution) of a range of units listed in `seen_round`, read one unit at a time."""
    for unit in range(*ordinals):
        for source_id, execution in extracted(project_key, Entity.EXECUTION, ordinals=(unit, unit + 1),
                                              seen_round=seen_round).items():
            yield unit, source_id, execution




def _step_results(ctx, execution):
    """An execution's step results, or the NotFoundError of one that vanished (recorded by the batch)."""
    try:
        return ctx.zephyr().execution_steps(execution["id"])
    except NotFoundError as error:
        return error


class ExtractTestExecution(Group):
    """Cycle folders, cycles, plans and ad-hoc executions, then the executions and step results batch by batch.

    Once every unit is listed, the executions no listing of this round
    returned are forgotten (deleted in Zephyr).
    """

    phase = Phase.EXTRACT
    area = "test-execution"

    def finish(self, ctx):
        gone = unseen_ids(self.project_key, Entity.EXECUTION, ctx.sync_round())
        forget_entities(self.project_key, [Entity.EXECUTION, Entity.EXECUTION_STEPS], gone)

    def first(self):
        return [self.clone(ExtractExecutionList)]

    def then(self):
        return self.cut(ExtractExecutions, EXECUTION_UNITS, unit_count(self.project_key))
