"""Validate: read every migrated object back from qTest and compare it with what was sent.

Checks per entity (exists, name, module, texts, properties, steps in order,
calls) and per project (as many cases in qTest as were extracted). Findings
become validation issues; a case without findings is marked confirmed.
"""

from collections import Counter

import luigi

from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.db.entities import count_extracted, level_sizes, mapped, transformed
from ztoq_luigi.db.issues import ERROR, confirm, replace_issues
from ztoq_luigi.kinds import LOADED, Entity, Phase
from ztoq_luigi.mapping.custom_fields import CHECK_BOX
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls, with_unticked
from ztoq_luigi.services.fields import test_case_fields
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.uploads import with_uploaded_files
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.validation.compare import compare_test_case


class ValidateTestCases(BatchTask):
    phase = Phase.VALIDATE
    level = luigi.IntParameter(description="call level, as in the load")

    def marker_name(self):
        return f"validate/testcases/b{self.batch_size}/{self.level}/{self.batch_no}"

    def work(self, ctx):
        key, qtest = self.project_key, ctx.qtest()
        cases = transformed(key, Entity.TEST_CASE, level=self.level, positions=self.ordinals)
        rows = mapped(key, Entity.TEST_CASE, cases)
        modules = {sid: row.target_id for sid, row in mapped(key, Entity.MODULE).items() if row.target_id}
        called = {step["called"] for payload in cases.values() for step in payload["steps"] if step.get("called")}
        callee_ids = {sid: row.target_id for sid, row in mapped(key, Entity.TEST_CASE, called).items() if row.target_id}
        catalog = test_case_fields(qtest, ctx.rules)
        check_boxes = [entry["label"] for entry in transformed(key, Entity.FIELD_PLAN).values() if entry["kind"] == CHECK_BOX]
        issues, confirmed = [], []
        for case_key, payload in cases.items():
            row = rows.get(case_key)
            if row is None or row.state not in LOADED:
                issues.append(validation_issue("not-migrated", case_key, "in qTest", "missing",
                                     "the test case was not loaded into qTest"))
                continue
            try:
                actual = qtest.test_case(row.target_id)
            except NotFoundError:
                issues.append(validation_issue("missing-in-qtest", case_key, f"test case {row.target_id}", "not found",
                                     f"qTest test case {row.target_id} no longer exists"))
                continue
            try:
                payload, _ = unlink_calls(payload, callee_ids)
                payload = with_uploaded_files(qtest, key, case_key, row.target_id, payload,
                                              ctx.settings.zephyr_base_url)
                expected = with_unticked(create_case_body(payload, catalog, modules.get(payload["module"]) or 0,
                                                          callee_ids), catalog, check_boxes)
            except MappingProblem as problem:
                issues.append(validation_issue("mapping", case_key, "a value qTest can hold", str(problem), str(problem)))
                continue
            findings = compare_test_case(expected, actual, catalog.id_list_fields())
            issues += [validation_issue(f.rule, case_key, f.expected, f.actual, f"{f.field} differs in qTest")
                       for f in findings]
            if not findings:
                confirmed.append(case_key)
        with self.atomic():
            replace_issues(key, Entity.TEST_CASE, list(cases), issues)
            confirm(key, Entity.TEST_CASE, confirmed)
            self.mark_done(item_count=len(confirmed), failed_count=len(cases) - len(confirmed),
                           entity_type=Entity.TEST_CASE, batch_no=self.batch_no)


class ValidateCounts(PipelineTask):
    """Project level, read from qTest itself: every Zephyr key exactly once, as many cases as extracted.

    The test cases are listed module by module (the listing is not subject
    to search-index lag), so a duplicate created behind the tool's back, or
    by a bug, is found even when the local state looks perfect.
    """

    phase = Phase.VALIDATE
    retryable = True  # a rerun checks again what was found wrong

    def marker_name(self):
        return "validate/counts"

    def work(self, ctx):
        key, rules = self.project_key, ctx.rules
        modules = [row.target_id for row in mapped(key, Entity.MODULE).values() if row.state in LOADED and row.target_id]
        listings = map_in_threads(lambda module_id: [property_value(case, rules.key_field)
                                                     for case in ctx.qtest().test_cases(module_id)],
                                  modules, ctx.settings.max_workers)
        seen = Counter(value for listing in listings for value in listing)
        expected = count_extracted(key, Entity.TEST_CASE)
        issues = [validation_issue("duplicate", case_key, "1", str(count), f"{count} qTest test cases carry {case_key}")
                  for case_key, count in sorted(seen.items()) if case_key and count > 1]
        found = sum(count for case_key, count in seen.items() if case_key)
        if found != expected:
            issues.append(validation_issue("count", "testcases", str(expected), str(found),
                                 f"{expected} test cases extracted from Zephyr, {found} in the migrated modules"))
        folders = count_extracted(key, Entity.TEST_CASE_FOLDER)
        loaded = sum(1 for source_id, row in mapped(key, Entity.MODULE).items()
                     if row.state in LOADED and source_id != UNFILED)
        if loaded != folders:
            issues.append(validation_issue("count", "modules", str(folders), str(loaded),
                                 f"{folders} folders extracted from Zephyr, {loaded} modules created"))
        with self.atomic():
            replace_issues(key, Entity.PROJECT, ["testcases", "modules"], [i for i in issues if i["rule"] == "count"])
            replace_issues(key, "testcase-duplicate", [k for k in seen if k], [i for i in issues if i["rule"] == "duplicate"])
            self.mark_done(failed_count=len(issues))


class ValidateTestDesign(Group):
    """Every test case read back and compared, level by level as loaded, and the keys counted in qTest."""

    phase = Phase.VALIDATE
    area = "test-design"

    def requires(self):
        return self.clone(LoadTestDesign)

    def then(self):
        work = [self.clone(ValidateCounts)]
        for level, total in sorted(level_sizes(self.project_key, Entity.TEST_CASE).items()):
            work += self.cut(ValidateTestCases, f"validate/{level}", total, level=level)
        return work


def validation_issue(rule, entity_key, expected, actual, message, severity=ERROR):
    return {"rule": rule, "severity": severity, "entity_key": entity_key, "expected": expected, "actual": actual,
            "message": message}
