"""Extract: Zephyr Scale v2 into the state database, payloads stored exactly as received.

The plan: reference data (project, statuses, priorities, environments,
folders), then the test case listing, which fixes each case's ordinal and so
the batches, then one task per batch for the steps and scripts of its cases
(the N+1 part, run in parallel by Luigi's workers).
"""

import luigi

from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.db.entities import count_extracted, extracted, save_extracted
from ztoq_luigi.schemas.base import check
from ztoq_luigi.schemas.zephyr import FolderSchema, OptionValueSchema, TestCaseSchema, TestScriptSchema, TestStepSchema
from ztoq_luigi.services import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches

REFERENCE_TYPES = ("priority", "status:TEST_CASE", "environment", "folder:TEST_CASE")


class ExtractReference(PipelineTask):
    """The small lists every later step resolves `{id, self}` links against."""

    phase = "extract"

    def marker_name(self):
        return "extract/reference"

    def run(self):
        zephyr, key = context.zephyr(), self.project_key
        project = zephyr.project(key)
        lists = {
            "priority": (zephyr.priorities(key), OptionValueSchema()),
            "status:TEST_CASE": (zephyr.statuses(key, "TEST_CASE"), OptionValueSchema()),
            "environment": (zephyr.environments(key), OptionValueSchema()),
            "folder:TEST_CASE": (zephyr.folders(key, "TEST_CASE"), FolderSchema()),
        }
        valid = {entity_type: self._valid(entity_type, values, schema)
                 for entity_type, (values, schema) in lists.items()}
        with self.atomic():
            save_extracted(key, "project", [(project["key"], project, 0)])
            for entity_type, values in valid.items():
                save_extracted(key, entity_type, [(value["id"], value, n) for n, value in enumerate(values)])
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
    """Every test case of the project, in listing order; each page stored as it arrives."""

    phase = "extract"

    def marker_name(self):
        return "extract/testcases"

    def run(self):
        page, ordinal, skipped = [], 0, 0
        for case in context.zephyr().test_cases(self.project_key):
            problems = check(TestCaseSchema(), case)
            if problems:
                skipped += 1
                self.error(f"malformed test case skipped: {problems[0]}", entity_type="testcase",
                           entity_key=case.get("key") if isinstance(case, dict) else None)
                continue
            page.append((case["key"], case, ordinal))
            ordinal += 1
            if len(page) >= 500:
                self._store(page)
                page = []
        with self.atomic():
            self._store(page)
            self.mark_done(item_count=ordinal, failed_count=skipped, entity_type="testcase")
        self.event(f"listed {ordinal} test cases" + (f", skipped {skipped} malformed" if skipped else ""))

    def _store(self, page):
        with self.atomic():
            save_extracted(self.project_key, "testcase", page)


class ExtractTestCaseContent(BatchTask):
    """Steps (all pages) or the plain/BDD script of each test case in one batch."""

    phase = "extract"

    def requires(self):
        return ExtractTestCaseList(project_key=self.project_key)

    def marker_name(self):
        return f"extract/testcase-content/b{self.batch_size}/{self.batch_no}"

    def run(self):
        zephyr = context.zephyr()
        cases = extracted(self.project_key, "testcase", ordinals=self.ordinals)
        steps, scripts, failed = [], [], 0
        for ordinal, (key, case) in enumerate(cases.items(), start=self.ordinals[0]):
            try:
                case_steps, script = zephyr.steps_and_script(case)
            except NotFoundError as error:
                failed += 1
                self.error(f"test case vanished from Zephyr during extraction: {error}", entity_type="testcase",
                           entity_key=key, http_status=404)
                continue
            problem = self._problem(case_steps, script)
            if problem:
                failed += 1
                self.error(f"malformed steps or script, test case skipped: {problem}", entity_type="testcase",
                           entity_key=key)
                continue
            steps.append((key, case_steps, ordinal))
            if script is not None:
                scripts.append((key, script, ordinal))
        with self.atomic():
            save_extracted(self.project_key, "teststeps", steps)
            save_extracted(self.project_key, "testscript", scripts)
            self.mark_done(item_count=len(steps), failed_count=failed, entity_type="testcase",
                           batch_no=self.batch_no)

    @staticmethod
    def _problem(steps, script):
        for number, step in enumerate(steps, start=1):
            problems = check(TestStepSchema(), step)
            if problems:
                return f"step {number}: {problems[0]}"
        if script is not None:
            problems = check(TestScriptSchema(), script)
            if problems:
                return f"script: {problems[0]}"
        return None


class ExtractTestDesign(PipelineTask):
    """Folders, test cases, their steps and scripts."""

    phase = "extract"
    batch_size = luigi.IntParameter(description="entities per batch")

    def marker_name(self):
        return "group/extract/test-design"

    def run(self):
        key = self.project_key
        yield [ExtractReference(project_key=key), ExtractTestCaseList(project_key=key)]
        size, count = batches(key, "extract", count_extracted(key, "testcase"), self.batch_size)
        yield [ExtractTestCaseContent(project_key=key, batch_size=size, batch_no=n) for n in range(count)]
        with self.atomic():
            self.mark_done(item_count=count_extracted(key, "testcase"))
