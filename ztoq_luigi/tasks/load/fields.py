"""The target's fields, made to fit before anything else is loaded: test-case fields, the test-run key field.

A mapped value that the target lacks, a field of an unfitting type, a
check box with no option for "ticked": each stops the load here, in one
line, before anything is created in qTest.
"""


from ztoq_luigi.db.entities import extracted, mapped, mark_created, mark_pending, transformed
from ztoq_luigi.kinds import Entity, Phase, WriteState
from ztoq_luigi.mapping.qtest_body import MappingProblem, field_body, field_changes
from ztoq_luigi.services.fields import (
    TEXT_FIELD, MappingConfigError, field_id, find_run_key_field, missing_run_fields, refuse, test_case_fields,
    unmapped_execution_statuses,
)
from ztoq_luigi.services.writes import create_once, reconcile
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.extract.execution import ExtractExecutionReference
from ztoq_luigi.tasks.transform.design import TransformFieldPlan


CHECK_BOXES_EXAMPLE = "(e.g. check_boxes: {Implemented: Done})"


class PrepareTestCaseFields(PipelineTask):
    """Make the target's test-case fields fit the field plan, or refuse to load anything.

    Missing fields are created with their choices and missing choices added
    to existing fields, unless --no-create-fields: then everything missing is
    named in one line. A mapped Priority or Status value is never created:
    the mapping names it, so it must exist; so must an option of an existing
    check box that a ticked Zephyr checkbox can become. Every field of the
    plan ends up in the entity map, next to the id it has in qTest.
    """

    phase = Phase.LOAD

    def requires(self):
        return [self.clone(TransformFieldPlan), self.clone(ExtractExecutionReference)]  # statuses of both areas

    def marker_name(self):
        return "load/fields"

    def work(self, ctx):
        key = self.project_key
        plan = list(transformed(key, Entity.FIELD_PLAN).values())
        catalog = test_case_fields(ctx.reference, ctx.rules)
        refuse("the mapping names qTest values that do not exist", self._unmapped_values(ctx.rules, catalog),
                "expected values of the target project (see --mapping)")
        statuses = ctx.reference.execution_statuses()
        refuse("the mapping names qTest execution statuses that do not exist",
                unmapped_execution_statuses(key, ctx.rules, statuses),
                f"expected one of {', '.join(sorted(status['name'] for status in statuses))} "
                "(execution_statuses in --mapping)")
        changes = field_changes(plan, catalog)
        refuse("qTest test-case fields cannot hold what Zephyr has", changes.problems,
                "expected fields of a fitting type (rename or change the qTest field)")
        refuse("no option of a qTest check box can stand for a ticked Zephyr checkbox", changes.unticked,
                f"expected the option to tick named under check_boxes in --mapping {CHECK_BOXES_EXAMPLE}")
        if ctx.settings.no_create_fields:
            refuse("--no-create-fields: the qTest project lacks fields or values the migration needs",
                    changes.missing() + missing_run_fields(ctx.reference, ctx.rules),
                    "expected them in the target project (create them, or run without --no-create-fields)",
                    every=True)
        for entry in changes.create:
            self._create(ctx, entry)
        for label, values in changes.add_values.items():
            self._add_values(ctx, next(entry for entry in plan if entry["label"] == label), values)
        if changes.create or changes.add_values:
            ctx.reference.forget("test-cases")
        catalog = test_case_fields(ctx.reference, ctx.rules)
        with self.atomic():
            mark_pending(key, Entity.FIELD_PLAN, "field", [entry["label"] for entry in plan])
            for entry in plan:
                mark_created(key, Entity.FIELD_PLAN, entry["label"], catalog.field(entry["label"])["id"])
            self.mark_done(item_count=len(plan), entity_type=Entity.FIELD_PLAN)

    def _unmapped_values(self, rules, catalog):
        key = self.project_key
        wanted = [("Priority", rules.priority(p["name"])) for p in extracted(key, Entity.PRIORITY).values()]
        wanted += [("Status", rules.status(s["name"])) for s in extracted(key, Entity.TEST_CASE_STATUS).values()]
        problems = []
        for label, value in wanted:
            try:
                catalog.allowed_value_id(label, value)
            except MappingProblem as problem:
                problems.append(str(problem))
        return problems

    def _create(self, ctx, entry):
        qtest, label = ctx.qtest(), entry["label"]
        row = mapped(self.project_key, Entity.FIELD_PLAN, [label]).get(label)
        create_once(self.project_key, Entity.FIELD_PLAN, "field", label,
                    row if row is not None and row.state == WriteState.PENDING else None,
                    create=lambda: qtest.create_field("test-cases", field_body(entry))["id"],
                    find=lambda: field_id(qtest, label))
        self.event(f"created the qTest test-case field '{label}' ({entry['kind']}"
                   + (f", {len(entry['values'])} values" if entry["values"] else "") + ")")

    def _add_values(self, ctx, entry, values):
        """Add choices; after a write whose outcome is unknown, add only those still missing."""
        qtest, label, missing = ctx.qtest(), entry["label"], {"values": values}

        def send():
            qtest.add_allowed_values("test-cases", field_id(qtest, label), [{"label": v} for v in missing["values"]])
            return True

        def settle():
            missing["values"] = field_changes([dict(entry, values=missing["values"])],
                                              test_case_fields(qtest, ctx.rules)).add_values.get(label)
            return None if missing["values"] else True

        reconcile(send, settle)
        self.event(f"added {len(values)} values to the qTest test-case field '{label}'")


class PrepareRunFields(PipelineTask):
    """The Zephyr Key field on test runs (the mapped execution statuses were checked with the test-case fields)."""

    phase = Phase.LOAD

    def marker_name(self):
        return "load/run-fields"

    def work(self, ctx):
        key, qtest, rules = self.project_key, ctx.qtest(), ctx.rules
        if find_run_key_field(ctx.reference, rules) is None:
            if ctx.settings.no_create_fields:
                raise MappingConfigError(f"qTest has no test-runs field '{rules.key_field}' and --no-create-fields "
                                         "forbids creating it; expected a text field of that name on test runs")
            source_id = f"test-runs/{rules.key_field}"
            create_once(key, Entity.RUN_FIELD, "field", source_id, mapped(key, Entity.RUN_FIELD, [source_id]).get(source_id),
                        create=lambda: qtest.create_field("test-runs", {"label": rules.key_field,
                                                                        "data_type": TEXT_FIELD,
                                                                        "required": False})["id"],
                        find=lambda: find_run_key_field(qtest, rules))
            ctx.reference.forget("test-runs")
            self.event(f"created the qTest test-runs field '{rules.key_field}'")
        with self.atomic():
            self.mark_done()
