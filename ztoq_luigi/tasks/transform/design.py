"""Transform: stored Zephyr payloads to qTest payloads, through the pure functions of mapping/.

Each transform batch covers the same ordinals as its extract batch, so it
needs exactly that batch's content plus the reference data, the field plan
(which must have seen every case to know each custom field's type) and the
user directory.
"""


from ztoq_luigi.db.entities import (content_hash, count_extracted, extracted, save_transformed, source_hashes,
                                   stream_extracted, transformed)
from ztoq_luigi.db.fields import keep_only_transformed, save_user_directory, user_directory
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.kinds import Entity, Phase
from ztoq_luigi.mapping.custom_fields import USER, FieldSurvey
from ztoq_luigi.mapping.folders import module_plan
from ztoq_luigi.mapping.testcases import CaseContext, map_test_case
from ztoq_luigi.mapping.users import UnknownUsers, resolve_users
from ztoq_luigi.services.units import TEST_CASE_BATCHES
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.extract.design import (
    ExtractReference, ExtractTestCaseContent, ExtractTestCaseList, ExtractTestDesign,
)


class UserMappingError(ConfigError):
    """The user mapping names a qTest user the target does not have."""


class TransformModules(PipelineTask):
    phase = Phase.TRANSFORM

    def requires(self):
        return self.clone(ExtractReference)

    def marker_name(self):
        return "transform/modules"

    def work(self, ctx):
        folders = list(extracted(self.project_key, Entity.TEST_CASE_FOLDER).values())
        plan = module_plan(folders, unfiled_name=ctx.rules.unfiled_module)
        with self.atomic():
            keep_only_transformed(self.project_key, Entity.MODULE, [module["source_id"] for module in plan])
            save_transformed(self.project_key, Entity.MODULE, [
                (module["source_id"], module, content_hash(module), [module["parent"]] if module["parent"] else [], n)
                for n, module in enumerate(plan)])
            self.mark_done(item_count=len(plan), entity_type=Entity.MODULE)


class TransformFieldPlan(PipelineTask):
    """Which qTest field each custom field, the labels and the other attributes become, from every case.

    Zephyr does not describe its custom fields, so their types are inferred
    from all values of the project, streamed a page at a time.
    """

    phase = Phase.TRANSFORM

    def requires(self):
        return self.clone(ExtractTestCaseList)

    def marker_name(self):
        return "transform/fields"

    def work(self, ctx):
        key = self.project_key
        survey = FieldSurvey(ctx.rules)
        for case in stream_extracted(key, Entity.TEST_CASE):
            survey.add(case)
        entries, notes = survey.plan()
        before = transformed(key, Entity.FIELD_PLAN)
        if ctx.sync_round() > 1 and {entry["label"]: entry for entry in entries} == before:
            notes = []  # said in an earlier round, and nothing about the fields changed since
        with self.atomic():
            keep_only_transformed(key, Entity.FIELD_PLAN, [entry["label"] for entry in entries])
            save_transformed(key, Entity.FIELD_PLAN, [(entry["label"], entry, content_hash(entry), [], n)
                                               for n, entry in enumerate(entries)])
            self.mark_done(item_count=len(entries), entity_type=Entity.FIELD_PLAN)
        for name, notice in notes:
            self.warn(notice, entity_key=name)


class TransformUsers(PipelineTask):
    """The user mapping resolved to qTest user ids; logins are looked up among the target's users.

    Done once, before the cases, so that a case carries the same user id at
    load and at validation; a mapping entry in use that names a user qTest
    does not have stops the migration here, before anything is written.
    Only entries for accountIds the project holds are looked up.
    """

    phase = Phase.TRANSFORM

    def requires(self):
        return self.clone(TransformFieldPlan)

    def marker_name(self):
        return "transform/users"

    def work(self, ctx):
        key = self.project_key
        used = {account for entry in transformed(key, Entity.FIELD_PLAN).values() if entry["kind"] == USER
                for account in entry["values"]}
        directory = {}
        if used:
            try:
                directory = resolve_users(ctx.rules.users, ctx.qtest().users(), used)
            except UnknownUsers as unknown:
                raise UserMappingError(
                    f"the user mapping names qTest users that do not exist: {unknown}; expected the numeric id or "
                    f"the login of a user of qTest project {ctx.settings.qtest_project_id} (see --mapping)")
        with self.atomic():
            save_user_directory(key, directory)
            self.mark_done(item_count=len(directory), entity_type=Entity.USER)


class TransformTestCases(BatchTask):
    """The test cases of one extract batch as qTest payloads.

    Not retryable: a case that cannot be mapped fails the same way until
    its Zephyr content or the mapping changes. In a sync round a case whose
    Zephyr content is unchanged keeps its payload (and is not warned about
    again).
    """

    phase = Phase.TRANSFORM
    retryable = False

    def requires(self):
        return [self.clone(ExtractReference), self.clone(ExtractTestCaseContent), self.clone(TransformFieldPlan),
                self.clone(TransformUsers)]

    def marker_name(self):
        return f"transform/testcases/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key = self.project_key
        mapping_context = case_context(key, ctx.rules)
        cases = extracted(key, Entity.TEST_CASE, ordinals=self.ordinals)
        steps = extracted(key, Entity.TEST_STEPS, source_ids=cases)
        scripts = extracted(key, Entity.TEST_SCRIPT, source_ids=cases)
        known = source_hashes(key, Entity.TEST_CASE, cases)
        rows, warnings, unchanged = [], [], 0
        for ordinal, (case_key, case) in enumerate(cases.items(), start=self.ordinals[0]):
            if case_key not in steps:
                continue
            source_hash = content_hash([case, steps[case_key], scripts.get(case_key)])
            if known.get(case_key) == source_hash:
                unchanged += 1
                continue
            mapped = map_test_case(case, steps[case_key], scripts.get(case_key), mapping_context)
            rows.append((case_key, mapped.payload, source_hash, mapped.depends_on, ordinal))
            warnings.extend((case_key, warning) for warning in mapped.warnings)
        with self.atomic():
            save_transformed(key, Entity.TEST_CASE, rows)
            self.mark_done(item_count=len(rows) + unchanged, entity_type=Entity.TEST_CASE, batch_no=self.batch_no)
        self.warn_all(warnings, batch_no=self.batch_no)


def case_context(key, rules):
    """What mapping a test case needs besides the case: reference names, the field plan, the user directory."""
    return CaseContext(
        rules=rules,
        priorities={p["id"]: p["name"] for p in extracted(key, Entity.PRIORITY).values()},
        statuses={s["id"]: s["name"] for s in extracted(key, Entity.TEST_CASE_STATUS).values()},
        fields={entry["zephyr_name"]: entry for entry in transformed(key, Entity.FIELD_PLAN).values()
                if entry.get("zephyr_name")},
        users=user_directory(key),
    )


class TransformTestDesign(Group):
    """The module tree, the field plan, the users, and every test case batch for batch as extracted."""

    phase = Phase.TRANSFORM
    area = "test-design"

    def requires(self):
        return self.clone(ExtractTestDesign)

    def then(self):
        return [self.clone(TransformModules), self.clone(TransformFieldPlan), self.clone(TransformUsers)] + self.cut(
            TransformTestCases, TEST_CASE_BATCHES, count_extracted(self.project_key, Entity.TEST_CASE))
