"""Validate: read every migrated object back from qTest and compare it with what was sent.

Checks per entity (exists, name, module, texts, properties, steps in order,
calls) and per project (as many cases in qTest as were extracted). Findings
become validation issues; a case without findings is marked confirmed.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import luigi

from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.db.entities import count_extracted, level_sizes, mapped, transformed
from ztoq_luigi.db.issues import ERROR, confirm, replace_issues
from ztoq_luigi.db.models import EntityMap
from ztoq_luigi.mapping.custom_fields import CHECK_BOX
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls, with_unticked
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.load import LoadTestDesign, test_case_fields
from ztoq_luigi.tasks.load_attachments import with_uploaded_files
from ztoq_luigi.tasks.transform import FIELD_PLAN
from ztoq_luigi.validation.compare import compare_test_case

LOADED = (EntityMap.CREATED, EntityMap.CONFIRMED)


class ValidateTestCases(BatchTask):
    phase = "validate"
    level = luigi.IntParameter(description="call level, as in the load")

    def marker_name(self):
        return f"validate/testcases/b{self.batch_size}/{self.level}/{self.batch_no}"

    def run(self):
        key, qtest = self.project_key, context.qtest()
        cases = transformed(key, "testcase", level=self.level, positions=self.ordinals)
        rows = mapped(key, "testcase", cases)
        modules = {sid: row.target_id for sid, row in mapped(key, "module").items() if row.target_id}
        called = {step["called"] for payload in cases.values() for step in payload["steps"] if step.get("called")}
        callee_ids = {sid: row.target_id for sid, row in mapped(key, "testcase", called).items() if row.target_id}
        catalog = test_case_fields(qtest)
        check_boxes = [entry["label"] for entry in transformed(key, FIELD_PLAN).values() if entry["kind"] == CHECK_BOX]
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
                payload = with_uploaded_files(key, case_key, row.target_id, payload)
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
            replace_issues(key, "testcase", list(cases), issues)
            confirm(key, "testcase", confirmed)
            self.mark_done(item_count=len(confirmed), failed_count=len(cases) - len(confirmed),
                           entity_type="testcase", batch_no=self.batch_no)


class ValidateCounts(PipelineTask):
    """Project level, read from qTest itself: every Zephyr key exactly once, as many cases as extracted.

    The test cases are listed module by module (the listing is not subject
    to search-index lag), so a duplicate created behind the tool's back, or
    by a bug, is found even when the local state looks perfect.
    """

    phase = "validate"

    def marker_name(self):
        return "validate/counts"

    def run(self):
        key, qtest, rules = self.project_key, context.qtest(), context.rules()
        modules = [row.target_id for row in mapped(key, "module").values() if row.state in LOADED and row.target_id]
        with ThreadPoolExecutor(max_workers=max(1, context.settings().max_workers)) as pool:
            listings = pool.map(lambda module_id: [property_value(case, rules.key_field)
                                                   for case in qtest.test_cases(module_id)], modules)
            seen = Counter(value for listing in listings for value in listing)
        expected = count_extracted(key, "testcase")
        issues = [validation_issue("duplicate", case_key, "1", str(count), f"{count} qTest test cases carry {case_key}")
                  for case_key, count in sorted(seen.items()) if case_key and count > 1]
        found = sum(count for case_key, count in seen.items() if case_key)
        if found != expected:
            issues.append(validation_issue("count", "testcases", str(expected), str(found),
                                 f"{expected} test cases extracted from Zephyr, {found} in the migrated modules"))
        folders = count_extracted(key, "folder:TEST_CASE")
        loaded = sum(1 for source_id, row in mapped(key, "module").items()
                     if row.state in LOADED and source_id != UNFILED)
        if loaded != folders:
            issues.append(validation_issue("count", "modules", str(folders), str(loaded),
                                 f"{folders} folders extracted from Zephyr, {loaded} modules created"))
        with self.atomic():
            replace_issues(key, "project", ["testcases", "modules"], [i for i in issues if i["rule"] == "count"])
            replace_issues(key, "testcase-duplicate", [k for k in seen if k], [i for i in issues if i["rule"] == "duplicate"])
            self.mark_done(failed_count=len(issues))


class ValidateTestDesign(PipelineTask):
    """Every test case read back and compared, and the keys counted in qTest."""

    phase = "validate"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return LoadTestDesign(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "group/validate/test-design"

    def run(self):
        key = self.project_key
        work = [ValidateCounts(project_key=key)]
        for level, total in sorted(level_sizes(key, "testcase").items()):
            size, count = batches(key, f"validate/{level}", total, self.batch_size)
            work += [ValidateTestCases(project_key=key, batch_size=size, level=level, batch_no=n) for n in range(count)]
        yield work
        with self.atomic():
            self.mark_done()


def validation_issue(rule, entity_key, expected, actual, message, severity=ERROR):
    return {"rule": rule, "severity": severity, "entity_key": entity_key, "expected": expected, "actual": actual,
            "message": message}
