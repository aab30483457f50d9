"""Load: transformed payloads into qTest, every object created exactly once.

The plan: make sure the target's fields can hold what is coming (the field
plan: Zephyr Key, labels, custom fields and the other attributes; the mapped
priority and status values), create the module tree
parents first, order the test cases so that called cases exist before their
callers, then load the test cases level by level in batches, which Luigi's
workers run in parallel.
"""

import json
from concurrent.futures import ThreadPoolExecutor

import luigi

from ztoq_luigi.clients.errors import RequestRejectedError
from ztoq_luigi.db.entities import assign_load_order, dependency_graph, level_sizes, mapped, transformed
from ztoq_luigi.db.models import TransformedEntity
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.load_order import load_order
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls
from ztoq_luigi.services import context
from ztoq_luigi.services.fields import test_case_fields
from ztoq_luigi.services.writes import create_once
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.load.fields import PrepareTestCaseFields
from ztoq_luigi.tasks.transform.design import TransformModules, TransformTestDesign

class LoadModules(PipelineTask):
    """The module tree, one depth at a time so every parent exists before its children.

    It waits for the field check, which may stop the load: nothing is
    created in qTest before the mapping is known to fit the target.
    """

    phase = "load"

    def requires(self):
        return [TransformModules(project_key=self.project_key), PrepareTestCaseFields(project_key=self.project_key)]

    def marker_name(self):
        return "load/modules"

    def run(self):
        key = self.project_key
        plan = list(transformed(key, "module").values())
        if not TransformedEntity.select().where(
                (TransformedEntity.project_key == key) & (TransformedEntity.entity_type == "testcase")
                & TransformedEntity.payload.contains(json.dumps({"module": UNFILED})[1:-1])).exists():
            plan = [module for module in plan if module["source_id"] != UNFILED]
        depths = sorted({module["depth"] for module in plan})
        workers = max(1, context.settings().max_workers)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for depth in depths:
                ids = {source_id: row.target_id for source_id, row in mapped(key, "module").items()}
                level = [module for module in plan if module["depth"] == depth]
                list(pool.map(lambda module: self._create(module, ids), level))
        with self.atomic():
            self.mark_done(item_count=len(plan), entity_type="module")
        self.event(f"{len(plan)} modules in qTest")

    def _create(self, module, ids):
        qtest = context.qtest()
        parent = ids.get(module["parent"]) if module["parent"] else None
        existing = mapped(self.project_key, "module", [module["source_id"]]).get(module["source_id"])
        return create_once(
            self.project_key, "module", "module", module["source_id"], existing,
            create=lambda: qtest.create_module(module["name"], parent, module["description"])["id"],
            find=lambda: qtest.find_module(parent, module["name"], module["description"]),
        )


class PlanTestCaseLoad(PipelineTask):
    """Place each test case on a call level: callees are always loaded before their callers."""

    phase = "load"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return TransformTestDesign(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "load/plan"

    def run(self):
        placement, unlinked = load_order(dependency_graph(self.project_key, "testcase"))
        with self.atomic():
            assign_load_order(self.project_key, "testcase", placement)
            self.mark_done(item_count=len(placement), entity_type="testcase")
        for source_id, callees in sorted(unlinked.items()):
            self.event(f"{source_id}: calls to {', '.join(sorted(callees))} cannot be linked in qTest "
                       "(outside the project or in a call cycle); kept as text", level="WARNING",
                       entity_key=source_id)


class LoadLevel(PipelineTask):
    """All test cases of one call level; the level below must be loaded first."""

    phase = "load"
    batch_size = luigi.IntParameter(description="entities per batch")
    level = luigi.IntParameter(description="call level: 0 calls no other migrated case")

    def requires(self):
        key = self.project_key
        needed = [PrepareTestCaseFields(project_key=key), LoadModules(project_key=key),
                  PlanTestCaseLoad(project_key=key, batch_size=self.batch_size)]
        if self.level > 0:
            needed.append(LoadLevel(project_key=key, batch_size=self.batch_size, level=self.level - 1))
        return needed

    def marker_name(self):
        return f"group/load/level/b{self.batch_size}/{self.level}"

    def run(self):
        total = level_sizes(self.project_key, "testcase").get(self.level, 0)
        size, count = batches(self.project_key, f"load/{self.level}", total, self.batch_size)
        yield [LoadTestCases(project_key=self.project_key, batch_size=size, level=self.level, batch_no=n)
               for n in range(count)]
        with self.atomic():
            self.mark_done(entity_type="testcase")


class LoadTestCases(BatchTask):
    """One batch of one level, created in order; callers of these cases wait for the next level."""

    phase = "load"
    level = luigi.IntParameter(description="call level: 0 calls no other migrated case")

    def marker_name(self):
        return f"load/testcases/b{self.batch_size}/{self.level}/{self.batch_no}"

    def run(self):
        key, qtest, rules = self.project_key, context.qtest(), context.rules()
        cases = transformed(key, "testcase", level=self.level, positions=self.ordinals)
        existing = mapped(key, "testcase", cases)
        modules = {sid: row.target_id for sid, row in mapped(key, "module").items() if row.target_id}
        called = {step["called"] for payload in cases.values() for step in payload["steps"] if step.get("called")}
        callee_ids = {sid: row.target_id for sid, row in mapped(key, "testcase", called).items() if row.target_id}
        catalog = test_case_fields(qtest, context.rules())
        loaded = failed = 0
        for case_key, payload in cases.items():
            payload, unlinked = unlink_calls(payload, callee_ids)
            for callee in unlinked:
                self.event(f"{case_key}: call to {callee} kept as text: {callee} is not in qTest",
                           level="WARNING", batch_no=self.batch_no, entity_key=case_key)
            try:
                module_id = modules.get(payload["module"])
                if module_id is None:
                    raise MappingProblem(f"its module (Zephyr folder {payload['module']}) is not in qTest")
                body = create_case_body(payload, catalog, module_id, callee_ids)
                create_once(key, "testcase", "test-case", case_key, existing.get(case_key),
                            create=lambda: qtest.create_test_case(body)["id"],
                            find=lambda: qtest.find_test_case(rules.key_field, case_key, module_id))
                loaded += 1
            except (MappingProblem, RequestRejectedError) as problem:
                failed += 1
                self.error(f"test case not loaded: {problem}", entity_type="testcase", entity_key=case_key,
                           http_status=getattr(problem, "status", None), excerpt=getattr(problem, "excerpt", None))
        with self.atomic():
            self.mark_done(item_count=loaded, failed_count=failed, entity_type="testcase", batch_no=self.batch_no)


class LoadTestDesign(PipelineTask):
    """Fields, modules, then the test cases level by level."""

    phase = "load"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return TransformTestDesign(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "group/load/test-design"

    def run(self):
        key, size = self.project_key, self.batch_size
        yield [PrepareTestCaseFields(project_key=key), LoadModules(project_key=key),
               PlanTestCaseLoad(project_key=key, batch_size=size)]
        levels = sorted(level_sizes(key, "testcase"))
        if levels:
            yield LoadLevel(project_key=key, batch_size=size, level=levels[-1])
        with self.atomic():
            self.mark_done()
