"""Extract: Zephyr Scale v2 into the state database, payloads stored exactly as received.

The plan: reference data (project, statuses, priorities, environments,
folders), then the test case listing, which fixes each case's ordinal and so
the batches, then one task per batch for the steps and scripts of its cases
(the N+1 part, run in parallel by Luigi's workers).
"""


from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.db.entities import count_extracted, extracted, forget_entities, save_extracted, unseen_ids
from ztoq_luigi.kinds import Entity, Phase
from ztoq_luigi.schemas.base import check
from ztoq_luigi.schemas.zephyr import FolderSchema, OptionValueSchema, TestCaseSchema, TestScriptSchema, TestStepSchema
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.units import TEST_CASE_BATCHES
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask

REFERENCE_TYPES = (Entity.PRIORITY, Entity.TEST_CASE_STATUS, Entity.ENVIRONMENT, Entity.TEST_CASE_FOLDER)
CASE_CONTENT = (Entity.TEST_CASE, Entity.TEST_STEPS, Entity.TEST_SCRIPT)


class ExtractReference(PipelineTask):
    """The small lists every later step resolves `{id, self}` links against."""

    phase = Phase.EXTRACT

    def marker_name(self):
        return "extract/reference"

    def work(self, ctx):
        zephyr, key = ctx.zephyr(), self.project_key
        project = ctx.reference.zephyr_project(key)
        lists = {
            Entity.PRIORITY: (zephyr.priorities(key), OptionValueSchema),
            Entity.TEST_CASE_STATUS: (zephyr.statuses(key, "TEST_CASE"), OptionValueSchema),
            Entity.ENVIRONMENT: (zephyr.environments(key), OptionValueSchema),
            Entity.TEST_CASE_FOLDER: (zephyr.folders(key, "TEST_CASE"), FolderSchema),
        }
        valid = {entity_type: self._valid(entity_type, values, schema)
                 for entity_type, (values, schema) in lists.items()}
        sync_round = ctx.sync_round()
        with self.atomic():
            save_extracted(key, Entity.PROJECT, [(project["key"], project, 0)], sync_round)
            for entity_type, values in valid.items():
                save_extracted(key, entity_type, [(value["id"], value, n) for n, value in enumerate(values)],
                               sync_round)
                forget_entities(key, [entity_type], unseen_ids(key, entity_type, sync_round))
            self.mark_done(item_count=sum(len(values) for values in valid.values()))
        self.event("extracted reference data: " + ", ".join(f"{len(v)} {t}" for t, v in valid.items()))

    def _valid(self, entity_type, values, schema):
        kept = []
        for value in values:
            problems = check(schema, value)
            if problems:
                self.error(f"malformed {entity_type} skipped: {problems[0]}", entity_type=entity_type,
                           entity_key=str(value.get("id")) if isinstance(value, dict) else None)
            else:
                kept.append(value)
        return kept


class ExtractTestCaseList(PipelineTask):
    """Every test case of the project, in listing order; each page stored as it arrives.

    In a sync round the cases the listing no longer returns are forgotten
    with their steps and scripts (the load reports them as deleted in
    Zephyr); ordinals follow the new listing, so batches stay contiguous.
    """

    phase = Phase.EXTRACT

    def marker_name(self):
        return "extract/testcases"

    def work(self, ctx):
        page, ordinal, skipped = [], 0, 0
        self._round = ctx.sync_round()
        for case in ctx.zephyr().test_cases(self.project_key):
            problems = check(TestCaseSchema, case)
            if problems:
                skipped += 1
                self.error(f"malformed test case skipped: {problems[0]}", entity_type=Entity.TEST_CASE,
                           entity_key=case.get("key") if isinstance(case, dict) else None)
                continue
            page.append((case["key"], case, ordinal))
            ordinal += 1
            if len(page) >= 500:
                self._store(page)
                page = []
        with self.atomic():
            self._store(page)
            gone = unseen_ids(self.project_key, Entity.TEST_CASE, self._round)
            forget_entities(self.project_key, CASE_CONTENT, gone)
            self.mark_done(item_count=ordinal, failed_count=skipped, entity_type=Entity.TEST_CASE)
        self.event(f"listed {ordinal} test cases" + (f", skipped {skipped} malformed" if skipped else "")
                   + (f", {len(gone)} no longer in Zephyr" if gone else ""))

    def _store(self, page):
        with self.atomic():
            save_extracted(self.project_key, Entity.TEST_CASE, page, self._round)


class ExtractTestCaseContent(BatchTask):
    """Steps (all pages) or the plain/BDD script of each test case in one batch."""

    phase = Phase.EXTRACT

    def requires(self):
        return self.clone(ExtractTestCaseList)

    def marker_name(self):
        return f"extract/testcase-content/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        cases = extracted(self.project_key, Entity.TEST_CASE, ordinals=self.ordinals)
        contents = map_in_threads(lambda case: _content(ctx, case), list(cases.values()),
                                  ctx.settings.max_workers, ctx.helpers)
        steps, scripts, failed = [], [], 0
        for ordinal, (key, content) in enumerate(zip(cases, contents), start=self.ordinals[0]):
            if isinstance(content, NotFoundError):
                failed += 1
                self.error(f"test case vanished from Zephyr during extraction: {content}", entity_type=Entity.TEST_CASE,
                           entity_key=key, http_status=404)
                continue
            case_steps, script = content
            problem = self._problem(case_steps, script)
            if problem:
                failed += 1
                self.error(f"malformed steps or script, test case skipped: {problem}", entity_type=Entity.TEST_CASE,
                           entity_key=key)
                continue
            steps.append((key, case_steps, ordinal))
            if script is not None:
                scripts.append((key, script, ordinal))
        with self.atomic():
            save_extracted(self.project_key, Entity.TEST_STEPS, steps, ctx.sync_round())
            save_extracted(self.project_key, Entity.TEST_SCRIPT, scripts, ctx.sync_round())
            forget_entities(self.project_key, [Entity.TEST_SCRIPT],
                            {key for key, _, _ in steps} - {key for key, _, _ in scripts})
            self.mark_done(item_count=len(steps), failed_count=failed, entity_type=Entity.TEST_CASE,
                           batch_no=self.batch_no)

    @staticmethod
    def _problem(steps, script):
        for number, step in enumerate(steps, start=1):
            problems = check(TestStepSchema, step)
            if problems:
                return f"step {number}: {problems[0]}"
        if script is not None:
            problems = check(TestScriptSchema, script)
            if problems:
                return f"script: {problems[0]}"
        return None


def _content(ctx, case):
    """(steps, script) of a case, or the NotFoundError of one that vanished; the cases of a batch are read at once."""
    try:
        return ctx.zephyr().steps_and_script(case)
    except NotFoundError as error:
        return error


class ExtractTestDesign(Group):
    """The reference data and the test case listing, then the steps and scripts batch by batch."""

    phase = Phase.EXTRACT
    area = "test-design"

    def first(self):
        return [self.clone(ExtractReference), self.clone(ExtractTestCaseList)]

    def then(self):
        return self.cut(ExtractTestCaseContent, TEST_CASE_BATCHES, count_extracted(self.project_key, Entity.TEST_CASE))
