"""Load the test design: the module tree parents first, then the test cases, callees before their callers.

Once the target's fields fit (load/fields.py), the modules are created one
depth at a time, the test cases are placed on call levels (a case calls
only cases of lower levels), and each level is loaded in batches that run
in parallel.
"""

import json
from dataclasses import dataclass, field

import luigi

from ztoq_luigi.clients.errors import RequestRejectedError
from ztoq_luigi.db.entities import (assign_load_order, content_hash, dependency_graph, level_sizes, loaded_ids, mapped,
                                    target_ids, transformed)
from ztoq_luigi.db.models import TransformedEntity
from ztoq_luigi.kinds import Entity, Notice, Phase, WarningKind
from ztoq_luigi.mapping.attachments import payload_files, rewrite_payload
from ztoq_luigi.mapping.changes import Action, action
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.load_order import load_order
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls
from ztoq_luigi.services.case_steps import forget_case, keep_cases, kept_case, remember_case
from ztoq_luigi.services.fields import test_case_fields
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.uploads import upload_files
from ztoq_luigi.services.writes import Ledger, create_once, update_once
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.load.fields import PrepareTestCaseFields
from ztoq_luigi.tasks.load.survey import SurveyTestDesign
from ztoq_luigi.tasks.transform.design import TransformModules, TransformTestDesign
from ztoq_luigi.validation.compare import compare_test_case


class LoadModules(PipelineTask):
    """The module tree, one depth at a time so every parent exists before its children.

    It waits for the field check, which may stop the load: nothing is
    created in qTest before the mapping is known to fit the target; and for
    the survey, which adopts what qTest already holds.
    """

    phase = Phase.LOAD

    def requires(self):
        return [self.clone(TransformModules), self.clone(PrepareTestCaseFields), self.clone(SurveyTestDesign)]

    def marker_name(self):
        return "load/modules"

    def work(self, ctx):
        key = self.project_key
        plan = list(transformed(key, Entity.MODULE).values())
        if not TransformedEntity.select().where(
                (TransformedEntity.project_key == key) & (TransformedEntity.entity_type == Entity.TEST_CASE)
                & TransformedEntity.payload.contains(json.dumps({"module": UNFILED})[1:-1])).exists():
            plan = [module for module in plan if module["source_id"] != UNFILED]
        for depth in sorted({module["depth"] for module in plan}):
            ids = target_ids(key, Entity.MODULE)
            level = [module for module in plan if module["depth"] == depth]
            map_in_threads(lambda module: self._load(ctx, module, ids), level, ctx.settings.max_workers, ctx.helpers)
        with self.atomic():
            self.mark_done(item_count=len(plan), entity_type=Entity.MODULE)
        self.event(f"{len(plan)} modules in qTest")

    def _load(self, ctx, module, ids):
        """Create the module once, or bring a renamed or moved folder's module up to date once."""
        qtest, key = ctx.qtest(), self.project_key
        parent = ids.get(module["parent"]) if module["parent"] else None
        existing = mapped(key, Entity.MODULE, [module["source_id"]]).get(module["source_id"])
        new_hash = content_hash(module)
        todo = action(existing and existing.state, existing and existing.content_hash, new_hash, ctx.sync_round() > 1)
        if todo == Action.UPDATE:
            module_id = existing.target_id
            update_once(key, Entity.MODULE, existing, new_hash, ctx.sync_round(),
                        update=lambda: _update_module(qtest, module_id, module, parent),
                        applied=lambda: _module_is(qtest.module(module_id), module, parent))
            return module_id
        return create_once(
            key, Entity.MODULE, Entity.MODULE, module["source_id"], existing,
            create=lambda: qtest.create_module(module["name"], parent, module["description"])["id"],
            find=lambda: qtest.find_module(parent, module["name"], module["description"]),
            content_hash=new_hash, sync_round=ctx.sync_round(),
        )


def _module_is(found, module, parent):
    return (found["name"], found.get("description") or "", found.get("parent_id")) == (
        module["name"], module["description"] or "", int(parent) if parent else None)


def _update_module(qtest, module_id, module, parent):
    """Move it if its folder moved (a root module stays where it is: qTest has no move to the root), then rename."""
    found = qtest.module(module_id)
    if parent and found.get("parent_id") != int(parent):
        qtest.move_module(module_id, parent)
    if (found["name"], found.get("description") or "") != (module["name"], module["description"] or ""):
        qtest.update_module(module_id, module["name"], module["description"])


class PlanTestCaseLoad(PipelineTask):
    """Place each test case on a call level: callees are always loaded before their callers."""

    phase = Phase.LOAD
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return self.clone(TransformTestDesign)

    def marker_name(self):
        return "load/plan"

    def work(self, ctx):
        placement, unlinked = load_order(dependency_graph(self.project_key, Entity.TEST_CASE))
        with self.atomic():
            assign_load_order(self.project_key, Entity.TEST_CASE, placement)
            self.mark_done(item_count=len(placement), entity_type=Entity.TEST_CASE)
        said = loaded_ids(self.project_key, Entity.TEST_CASE)  # warned about when they were loaded
        for source_id, callees in sorted((key, callees) for key, callees in unlinked.items() if key not in said):
            for callee in sorted(callees):
                self.warn(Notice(WarningKind.CALL_AS_TEXT, f"{source_id}: call to {callee} cannot be linked in qTest "
                                 "(outside the project or in a call cycle); kept as text", subject=callee),
                          entity_key=source_id)


class LoadTestCases(BatchTask):
    """One batch of one level, created in order; callers of these cases wait for the next level.

    A case qTest already holds is updated in place (a PUT, which qTest
    keeps as a new version) when its payload differs from what was loaded,
    and left alone otherwise: a sync writes only what changed in Zephyr. An
    update carries its texts already pointed at the case's attachments (a
    file embedded anew is uploaded first), so it is one PUT, one version.
    """

    phase = Phase.LOAD
    level = luigi.IntParameter(description="call level: 0 calls no other migrated case")

    def marker_name(self):
        return f"load/testcases/b{self.batch_size}/{self.level}/{self.batch_no}"

    def work(self, ctx):
        key = self.project_key
        cases = transformed(key, Entity.TEST_CASE, level=self.level, positions=self.ordinals)
        called = {step["called"] for payload in cases.values() for step in payload["steps"] if step.get("called")}
        batch = _Cases(existing=mapped(key, Entity.TEST_CASE, cases), modules=target_ids(key, Entity.MODULE),
                       callee_ids=target_ids(key, Entity.TEST_CASE, called),
                       catalog=test_case_fields(ctx.reference, ctx.rules),
                       ledger=Ledger(key, {Entity.TEST_CASE: "test-case"}, ctx.sync_round()))
        batch.ledger.intend(Entity.TEST_CASE, [case_key for case_key in cases if case_key not in batch.existing])
        try:
            outcomes = map_in_threads(lambda item: self._try_load(ctx, batch, *item), list(cases.items()),
                                      ctx.settings.max_workers, ctx.helpers)
        finally:
            batch.ledger.flush()
            keep_cases(key, batch.kept)
        loaded = sum(self.tracked(outcomes, "test cases"))
        failed = len(outcomes) - loaded
        with self.atomic():
            self.mark_done(item_count=loaded, failed_count=failed, entity_type=Entity.TEST_CASE,
                           batch_no=self.batch_no)

    def _try_load(self, ctx, batch, case_key, payload):
        """1 if the case is in qTest, else 0 with its error recorded; a batch's cases load side by side.

        The cases of one call level are independent (their callees are on a
        lower level, loaded already), so a batch keeps --max-workers requests
        in flight instead of one: a case sent one after another spent a third
        of its time between requests.
        """
        try:
            self._load(ctx, batch, case_key, payload, batch.existing.get(case_key))
            return 1
        except (MappingProblem, RequestRejectedError) as problem:
            self.error(f"test case not loaded: {problem}", entity_type=Entity.TEST_CASE, entity_key=case_key,
                       http_status=getattr(problem, "status", None), excerpt=getattr(problem, "excerpt", None))
            return 0

    def _load(self, ctx, batch, case_key, payload, row):
        """Create the case once, or update it once when its payload changed since it was loaded."""
        key, qtest, catalog = self.project_key, ctx.qtest(), batch.catalog
        new_hash = content_hash(payload)
        todo = action(row and row.state, row and row.content_hash, new_hash, ctx.sync_round() > 1)
        if todo == Action.KEEP:
            return
        payload, unlinked = unlink_calls(payload, batch.callee_ids)
        module_id = batch.modules.get(payload["module"])
        if module_id is None:
            raise MappingProblem(f"its module (Zephyr folder {payload['module']}) is not in qTest")
        if todo == Action.UPDATE:
            case_id, base = row.target_id, ctx.settings.zephyr_base_url
            links = upload_files(qtest, key, "test-cases", case_id, case_key, payload_files(payload, base))
            body = create_case_body(rewrite_payload(payload, links, base), catalog, module_id, batch.callee_ids)
            forget_case(key, case_id)
            update_once(key, Entity.TEST_CASE, row, new_hash, ctx.sync_round(),
                        update=lambda: remember_case(key, case_key, qtest.update_test_case(case_id, body),
                                                     len(body["test_steps"])),
                        applied=lambda: not compare_test_case(body, qtest.test_case(case_id),
                                                              catalog.id_list_fields()))
        else:
            body = create_case_body(payload, catalog, module_id, batch.callee_ids)
            create_once(key, Entity.TEST_CASE, "test-case", case_key, row,
                        create=lambda: self._create(qtest, case_key, body, batch.kept),
                        find=lambda: qtest.find_test_case(ctx.rules.key_field, case_key, module_id),
                        content_hash=new_hash, sync_round=ctx.sync_round(), ledger=batch.ledger)
        for callee in unlinked:
            self.warn(Notice(WarningKind.CALL_AS_TEXT, f"{case_key}: call to {callee} kept as text: {callee} is "
                             "not in qTest", subject=callee), batch_no=self.batch_no, entity_key=case_key)

    def _create(self, qtest, case_key, body, kept):
        """Create the case; its answer (version, step ids) is kept, when the batch ends, for the logs of its runs."""
        answer = qtest.create_test_case(body)
        kept.append(kept_case(case_key, answer, len(body.get("test_steps") or [])))
        return answer["id"]


@dataclass
class _Cases:
    """What a batch's cases are loaded with, dropped with the batch (Luigi holds every task until the run ends)."""

    existing: dict
    modules: dict
    callee_ids: dict
    catalog: object
    ledger: Ledger
    kept: list = field(default_factory=list)  # kept_case rows of the answers, saved when the batch ends


class LoadLevel(Group):
    """All test cases of one call level, in batches; the level below is loaded first."""

    phase = Phase.LOAD
    level = luigi.IntParameter(description="call level: 0 calls no other migrated case")

    def marker_name(self):
        return f"group/load/level/b{self.batch_size}/{self.level}"

    def requires(self):
        needed = [self.clone(PrepareTestCaseFields), self.clone(LoadModules), self.clone(PlanTestCaseLoad)]
        if self.level > 0:
            needed.append(self.clone(LoadLevel, level=self.level - 1))
        return needed

    def then(self):
        total = level_sizes(self.project_key, Entity.TEST_CASE).get(self.level, 0)
        return self.cut(LoadTestCases, f"load/{self.level}", total, level=self.level)


class LoadTestDesign(Group):
    """Fields, modules and the call levels, then the test cases level by level (the top level requires the rest)."""

    phase = Phase.LOAD
    area = "test-design"

    def requires(self):
        return self.clone(TransformTestDesign)

    def first(self):
        return [self.clone(PrepareTestCaseFields), self.clone(LoadModules), self.clone(PlanTestCaseLoad)]

    def then(self):
        levels = sorted(level_sizes(self.project_key, Entity.TEST_CASE))
        return [self.clone(LoadLevel, level=levels[-1])] if levels else []
