"""What was deleted in Zephyr since it was loaded: reported, and deleted in qTest only when asked to.

Zephyr's listings of a sync round no longer return the entity, so its
extracted (or transformed) row is gone while the entity map still holds the
qTest object. Each is reported once, as a warning, in the round that first
misses it. With `--zephyr-deletions delete` the test cases are deleted in
qTest too (the API has no archive for them); the other types are reported
only, since deleting a module or a cycle takes whatever it still contains.
"""

import luigi

from ztoq_luigi.clients.errors import RequestRejectedError
from ztoq_luigi.db.entities import gone, mark_gone, missing_from
from ztoq_luigi.db.models import ExtractedEntity, TransformedEntity
from ztoq_luigi.kinds import Entity, Notice, Phase, WarningKind, ZephyrDeletions
from ztoq_luigi.services.writes import delete_once
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.tasks.load.execution import LoadTestExecution

# (type in the entity map, where the Zephyr entity lives, under which type, what it is called in a warning)
SOURCES = (
    (Entity.MODULE, TransformedEntity, Entity.MODULE, "test case folder"),
    (Entity.TEST_CASE, ExtractedEntity, Entity.TEST_CASE, "test case"),
    (Entity.RELEASE, TransformedEntity, Entity.RELEASE, "test plan"),
    (Entity.CYCLE, TransformedEntity, Entity.CYCLE, "test cycle or cycle folder"),
    (Entity.TEST_RUN, TransformedEntity, Entity.TEST_RUN, "test run (no execution left for its cycle and case)"),
    (Entity.TEST_LOG, ExtractedEntity, Entity.EXECUTION, "test execution"),
)
DELETABLE = {Entity.TEST_CASE: "delete_test_case"}


class SyncDeletions(PipelineTask):
    """Notice what Zephyr no longer has, then delete its qTest test cases if --zephyr-deletions says so."""

    phase = Phase.LOAD
    batch_size = luigi.IntParameter(description="entities per batch (of the load tasks it waits for)")

    def requires(self):
        return [self.clone(LoadTestDesign), self.clone(LoadTestExecution)]

    def marker_name(self):
        return "load/zephyr-deletions"

    def work(self, ctx):
        key, sync_round = self.project_key, ctx.sync_round()
        noticed = {source_type: missing_from(key, source_type, model, entity_type)
                   for source_type, model, entity_type, _ in SOURCES}
        with self.atomic():
            for source_type, source_ids in noticed.items():
                mark_gone(key, source_type, source_ids, sync_round)
        for source_type, _, _, label in SOURCES:
            for source_id in noticed[source_type]:
                self.warn(Notice(WarningKind.DELETED_IN_ZEPHYR, f"{source_id}: {label} deleted in Zephyr since it "
                                 "was migrated", subject=str(source_type)), entity_key=source_id)
        deleted = self._delete(ctx) if ctx.settings.zephyr_deletions == ZephyrDeletions.DELETE else 0
        with self.atomic():
            self.mark_done(item_count=sum(len(ids) for ids in noticed.values()))
        if deleted:
            self.event(f"deleted {deleted} qTest objects whose Zephyr entity was deleted")

    def _delete(self, ctx):
        key, qtest, deleted = self.project_key, ctx.qtest(), 0
        for source_type, method in DELETABLE.items():
            for source_id, row in sorted(gone(key, source_type).items()):
                try:
                    delete_once(key, source_type, row, ctx.sync_round(),
                                lambda: getattr(qtest, method)(row.target_id))
                    deleted += 1
                except RequestRejectedError as problem:
                    self.error(f"{source_type} deleted in Zephyr could not be deleted in qTest: {problem}",
                               entity_type=source_type, entity_key=source_id, http_status=problem.status,
                               excerpt=problem.excerpt)
        return deleted
