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

from ztoq_luigi.clients.errors import AmbiguousWriteError, RequestRejectedError
from ztoq_luigi.db.entities import (
    assign_load_order, dependency_graph, extracted, level_sizes, mapped, mark_created, mark_pending, transformed,
)
from ztoq_luigi.db.models import EntityMap, TransformedEntity
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.load_order import load_order
from ztoq_luigi.mapping.qtest_body import (
    TEXT_BOX, FieldCatalog, MappingProblem, create_case_body, field_body, field_changes, unlink_calls,
)
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.exactly_once import WRITE_ATTEMPTS, create_once
from ztoq_luigi.tasks.transform import FIELD_PLAN, TransformFieldPlan, TransformModules, TransformTestDesign

TEXT_FIELD = TEXT_BOX  # the data type of the key fields other areas create (runs, cycles)
CHECK_BOXES_EXAMPLE = "(e.g. check_boxes: {Implemented: Done})"


class MappingConfigError(ConfigError):
    """The mapping names a qTest value the target project does not have."""


class PrepareTestCaseFields(PipelineTask):
    """Make the target's test-case fields fit the field plan, or refuse to load anything.

    Missing fields are created with their choices and missing choices added
    to existing fields, unless --no-create-fields: then everything missing is
    named in one line. A mapped Priority or Status value is never created:
    the mapping names it, so it must exist; so must an option of an existing
    check box that a ticked Zephyr checkbox can become. Every field of the
    plan ends up in the entity map, next to the id it has in qTest.
    """

    phase = "load"

    def requires(self):
        return TransformFieldPlan(project_key=self.project_key)

    def marker_name(self):
        return "load/fields"

    def run(self):
        qtest, key = context.qtest(), self.project_key
        plan = list(transformed(key, FIELD_PLAN).values())
        catalog = test_case_fields(qtest)
        _refuse("the mapping names qTest values that do not exist", self._unmapped_values(catalog),
                "expected values of the target project (see --mapping)")
        statuses = qtest.execution_statuses()
        _refuse("the mapping names qTest execution statuses that do not exist",
                unmapped_execution_statuses(key, context.rules(), statuses),
                f"expected one of {', '.join(sorted(status['name'] for status in statuses))} "
                "(execution_statuses in --mapping)")
        changes = field_changes(plan, catalog)
        _refuse("qTest test-case fields cannot hold what Zephyr has", changes.problems,
                "expected fields of a fitting type (rename or change the qTest field)")
        _refuse("no option of a qTest check box can stand for a ticked Zephyr checkbox", changes.unticked,
                f"expected the option to tick named under check_boxes in --mapping {CHECK_BOXES_EXAMPLE}")
        if context.settings().no_create_fields:
            _refuse("--no-create-fields: the qTest project lacks fields or values the migration needs",
                    changes.missing() + missing_run_fields(qtest, context.rules()),
                    "expected them in the target project (create them, or run without --no-create-fields)",
                    every=True)
        for entry in changes.create:
            self._create(entry)
        for label, values in changes.add_values.items():
            self._add_values(next(entry for entry in plan if entry["label"] == label), values)
        catalog = test_case_fields(qtest)
        with self.atomic():
            mark_pending(key, FIELD_PLAN, "field", [entry["label"] for entry in plan])
            for entry in plan:
                mark_created(key, FIELD_PLAN, entry["label"], catalog.field(entry["label"])["id"])
            self.mark_done(item_count=len(plan), entity_type=FIELD_PLAN)

    def _unmapped_values(self, catalog):
        rules, key = context.rules(), self.project_key
        wanted = [("Priority", rules.priority(p["name"])) for p in extracted(key, "priority").values()]
        wanted += [("Status", rules.status(s["name"])) for s in extracted(key, "status:TEST_CASE").values()]
        problems = []
        for label, value in wanted:
            try:
                catalog.allowed_value_id(label, value)
            except MappingProblem as problem:
                problems.append(str(problem))
        return problems

    def _create(self, entry):
        qtest, label = context.qtest(), entry["label"]
        row = mapped(self.project_key, FIELD_PLAN, [label]).get(label)
        create_once(self.project_key, FIELD_PLAN, "field", label,
                    row if row is not None and row.state == EntityMap.PENDING else None,
                    create=lambda: qtest.create_field("test-cases", field_body(entry))["id"],
                    find=lambda: _field_id(qtest, label))
        self.event(f"created the qTest test-case field '{label}' ({entry['kind']}"
                   + (f", {len(entry['values'])} values" if entry["values"] else "") + ")")

    def _add_values(self, entry, values):
        """Add choices; after a write whose outcome is unknown, add only those still missing."""
        qtest, label, wanted = context.qtest(), entry["label"], len(values)
        for _ in range(WRITE_ATTEMPTS):
            try:
                qtest.add_allowed_values("test-cases", _field_id(qtest, label), [{"label": v} for v in values])
                break
            except AmbiguousWriteError as error:
                unconfirmed = error
                catalog = test_case_fields(qtest)
                values = field_changes([dict(entry, values=values)], catalog).add_values.get(label)
                if not values:
                    break
        else:
            raise unconfirmed
        self.event(f"added {wanted} values to the qTest test-case field '{label}'")


def test_case_fields(qtest):
    """The target's test-case fields, with the mapping's choice of check-box options."""
    return FieldCatalog(qtest.fields("test-cases"), context.rules().check_boxes)


def find_run_key_field(qtest, rules):
    """The id of the test-runs text field that holds each run's Zephyr key, or None."""
    return next((field["id"] for field in qtest.fields("test-runs") if field["label"] == rules.key_field), None)


def missing_run_fields(qtest, rules):
    """The test-run field that carries each run's Zephyr key, as one phrase, when qTest lacks it."""
    return [] if find_run_key_field(qtest, rules) is not None else [f"test-run field '{rules.key_field}' (text)"]


def unmapped_execution_statuses(project_key, rules, statuses):
    """Zephyr execution statuses whose mapped qTest status is not among `statuses` (the target's), one phrase each."""
    known = {status["name"] for status in statuses}
    problems = []
    for status in extracted(project_key, "status:TEST_EXECUTION").values():
        target = rules.execution_status(status["name"])
        if target is not None and target not in known:
            problems.append(f"Zephyr execution status '{status['name']}' maps to '{target}': qTest has no such "
                            "execution status")
    return problems


def _field_id(qtest, label):
    for field in qtest.fields("test-cases"):
        if field["label"] == label:
            return field["id"]
    return None


def _refuse(what, problems, expected, every=False):
    """Stop the load with one line: the first problem (or all of them) and what was expected."""
    if not problems:
        return
    shown = ", ".join(problems) if every else problems[0] + (
        f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
    raise MappingConfigError(f"{what}: {shown}; {expected}")


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
        catalog = test_case_fields(qtest)
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
