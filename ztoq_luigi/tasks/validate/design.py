"""Validate test design: the rules judge every test case and the module tree against qTest as read in bulk.

First qTest is read (ReadQTestPages: every case of the project, a page a
batch; ReadQTestTrees: the module and cycle trees) and, with `--against
source`, Zephyr's listings are read again (tasks/validate/source.py). Then
each batch builds, per case, what should be in qTest (what was sent, or
what Zephyr holds now, mapped the same way) and the case qTest holds under
its key, and hands both to the rules; the census task counts every key in
qTest and compares the module tree with the folder tree. No request is
made per case.
"""

import luigi

from ztoq_luigi.db.entities import (count_extracted, count_loaded, count_transformed, extracted, extracted_ids,
                                    level_sizes, not_loaded, target_ids, transformed)
from ztoq_luigi.db.issues import confirm, replace_issues
from ztoq_luigi.db.readback import ids_by_key, keys_read, read_all, read_by_key
from ztoq_luigi.kinds import Entity, Phase, Snapshot
from ztoq_luigi.mapping.custom_fields import CHECK_BOX
from ztoq_luigi.mapping.folders import module_paths, module_plan
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls, with_unticked
from ztoq_luigi.mapping.testcases import map_test_case
from ztoq_luigi.services.fields import test_case_fields
from ztoq_luigi.services.uploads import with_uploaded_files
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.tasks.transform.design import case_context
from ztoq_luigi.tasks.validate.readback import ReadQTestTrees, page_reads
from ztoq_luigi.tasks.validate.source import against_source, zephyr_reads
from ztoq_luigi.validation.coverage import fallbacks
from ztoq_luigi.validation.rules import Census, Comparison, Tree, at_or_above


class ValidateTestCases(BatchTask):
    phase = Phase.VALIDATE
    level = luigi.IntParameter(description="call level, as in the load")

    def marker_name(self):
        return f"validate/testcases/b{self.batch_size}/{self.level}/{self.batch_no}"

    def work(self, ctx):
        key, rules = self.project_key, ctx.validation()
        cases = transformed(key, Entity.TEST_CASE, level=self.level, positions=self.ordinals)
        sources = _sources(key, ctx, cases)
        found = read_by_key(key, Snapshot.QTEST_TEST_CASE, list(cases))
        expected = _Expected(key, ctx, cases)
        issues, confirmed = [], []
        for case_key, payload in self.tracked(cases.items(), "test cases"):
            if len(found.get(case_key, ())) != 1 or case_key not in sources:
                continue  # the census reports what is not in qTest once; drift what left Zephyr
            try:
                body = expected.body(case_key, payload, sources[case_key], found[case_key][0]["id"])
            except MappingProblem as problem:
                issues += _mapping_issue(rules, case_key, problem)
                continue
            view = Comparison(Entity.TEST_CASE, case_key, body, found[case_key][0], source=sources[case_key],
                              context={"id_lists": expected.catalog.id_list_fields(),
                                       "fallbacks": fallbacks(sources[case_key], expected.mapping)})
            found_issues = rules.check(view)
            issues += found_issues
            if not [issue for issue in found_issues if issue["severity"] in at_or_above(ctx.settings.fail_on)]:
                confirmed.append(case_key)
        with self.atomic():
            replace_issues(key, self.marker_name(), issues)
            confirm(key, Entity.TEST_CASE, confirmed)
            self.mark_done(item_count=len(confirmed), failed_count=len(cases) - len(confirmed),
                           entity_type=Entity.TEST_CASE, batch_no=self.batch_no)


def _mapping_issue(rules, case_key, problem):
    """A value qTest cannot hold (an option deleted since the load): a field difference, when that rule runs."""
    severity = rules.severity_of("test-case-fields")
    return [] if severity is None else [{
        "rule": "test-case-fields", "severity": severity, "entity_type": Entity.TEST_CASE.value,
        "entity_key": case_key, "expected": "a value qTest can hold", "actual": str(problem), "message": str(problem)}]


def _sources(key, ctx, cases):
    """{case key: the Zephyr case to compare with}: as extracted, or as Zephyr holds it now."""
    if against_source(ctx):
        return {case_key: found[0] for case_key, found in read_by_key(key, Snapshot.ZEPHYR_TEST_CASE, cases).items()}
    return extracted(key, Entity.TEST_CASE, source_ids=cases)


class _Expected:
    """What each case of a batch should be in qTest: the body the load sent, or Zephyr's case now mapped alike."""

    def __init__(self, key, ctx, cases):
        self.key, self.ctx = key, ctx
        self.source = against_source(ctx)
        self.modules = target_ids(key, Entity.MODULE)
        called = {step["called"] for payload in cases.values() for step in payload["steps"] if step.get("called")}
        self.callees = target_ids(key, Entity.TEST_CASE, called)
        self.catalog = test_case_fields(ctx.reference, ctx.rules)
        self.check_boxes = [entry["label"] for entry in transformed(key, Entity.FIELD_PLAN).values()
                            if entry["kind"] == CHECK_BOX]
        self.mapping = case_context(key, ctx.rules)
        if self.source:
            self.steps = extracted(key, Entity.TEST_STEPS, source_ids=cases)
            self.scripts = extracted(key, Entity.TEST_SCRIPT, source_ids=cases)

    def body(self, case_key, payload, source, case_id):
        if self.source:
            payload = map_test_case(source, self.steps.get(case_key), self.scripts.get(case_key),
                                    self.mapping).payload
        payload, _ = unlink_calls(payload, self.callees)
        payload = with_uploaded_files(self.ctx.qtest(), self.key, case_key, case_id, payload,
                                      self.ctx.settings.zephyr_base_url)
        body = create_case_body(payload, self.catalog, self.modules.get(payload["module"]) or 0, self.callees)
        return with_unticked(body, self.catalog, self.check_boxes)


class ValidateDesignCensus(PipelineTask):
    """Every Zephyr key among qTest's test cases exactly once, nothing unexplained, the module tree as the folders."""

    phase = Phase.VALIDATE
    retryable = True  # a rerun checks again what was found wrong

    def marker_name(self):
        return "validate/design-census"

    def work(self, ctx):
        key, rules = self.project_key, ctx.validation()
        expected = frozenset(keys_read(key, Snapshot.ZEPHYR_TEST_CASE) if against_source(ctx)
                             else extracted_ids(key, Entity.TEST_CASE))
        issues = rules.check(census(key, Entity.TEST_CASE, Snapshot.QTEST_TEST_CASE, expected))
        issues += rules.check(module_tree(key, ctx))
        with self.atomic():
            replace_issues(key, self.marker_name(), issues)
            self.mark_done(failed_count=len(issues))


def module_tree(key, ctx):
    """The Tree view of the modules: each folder's path as planned (or as Zephyr's folders are now) and in qTest."""
    if against_source(ctx):
        plan = module_plan(read_all(key, Snapshot.ZEPHYR_CASE_FOLDER), unfiled_name=ctx.rules.unfiled_module)
    else:
        plan = sorted(transformed(key, Entity.MODULE).values(), key=lambda module: module["depth"])
    modules = {str(node["id"]): node for node in read_all(key, Snapshot.QTEST_MODULE)}
    ids = target_ids(key, Entity.MODULE, loaded=True)
    return tree_view(Entity.MODULE, module_paths(plan), ids, modules)


def tree_view(entity_type, expected, ids, nodes):
    """Tree of `expected` {source id: path} against the qTest nodes read ({id: {path, parent_id}}) by mapped id."""
    found = {sid: nodes[str(ids[sid])]["path"] for sid in expected if sid in ids and str(ids[sid]) in nodes}
    ours_ids = {str(ids[sid]) for sid in ids}
    extra = tuple(node["path"] for node_id, node in nodes.items()
                  if node_id not in ours_ids and _under(node, ours_ids, nodes))
    return Tree(entity_type, expected, found, extra)


def _under(node, ours_ids, nodes):
    parent = node.get("parent_id")
    while parent is not None:
        if str(parent) in ours_ids:
            return True
        parent = (nodes.get(str(parent)) or {}).get("parent_id")
    return False


def census(project_key, entity_type, kind, expected):
    """The Census of one type: the `expected` keys against the qTest ids read back under this project's keys."""
    found = ids_by_key(project_key, kind, keep=lambda found_key: ours(found_key, project_key))
    return Census(entity_type, frozenset(expected), found, not_loaded(project_key, entity_type, expected))


def ours(zephyr_key, project_key):
    """Whether a key carried in qTest names an entity of this Zephyr project (SBX-T10, SBX-R4/SBX-T10, ad-hoc/...)."""
    return any(part.startswith(f"{project_key}-") for part in str(zephyr_key).split("/"))


class ValidateTestDesign(Group):
    """qTest read in bulk (and Zephyr again with --against source), then every case judged, then the census."""

    phase = Phase.VALIDATE
    area = "test-design"

    def requires(self):
        return self.clone(LoadTestDesign)

    def work(self, ctx):
        self.against_source = against_source(ctx)
        return super().work(ctx)

    def first(self):
        return reads(self)

    def then(self):
        work = []
        for level, total in sorted(level_sizes(self.project_key, Entity.TEST_CASE).items()):
            work += self.cut(ValidateTestCases, f"validate/{level}", total, level=level)
        return work

    def last(self):
        return [self.clone(ValidateDesignCensus)]


def reads(group):
    """Every bulk read the validation needs; the execution group yields the same tasks, so each runs once."""
    key = group.project_key
    work = [group.clone(ReadQTestTrees)]
    work += page_reads(group, Snapshot.QTEST_TEST_CASE, count_extracted(key, Entity.TEST_CASE))
    work += page_reads(group, Snapshot.QTEST_TEST_RUN, count_transformed(key, Entity.TEST_RUN))
    work += page_reads(group, Snapshot.QTEST_TEST_LOG, count_loaded(key, Entity.TEST_LOG))
    return work + zephyr_reads(group)

