"""Validate against Zephyr as it is now (`--against source`): Zephyr's listings read again, and the drift.

Zephyr is read the way the extract phase lists it, page by page: the test
cases, both folder trees, the test cycles and the executions (their step
results and test steps are not listed, so the extracted ones stand). The
comparisons of test cases and of the module tree then expect what Zephyr's
current data maps to, and ValidateDrift tells, entity by entity, what
changed in Zephyr since the migration extracted it.
"""

import luigi

from ztoq_luigi.db.chunked import chunks
from ztoq_luigi.db.entities import extracted, extracted_ids
from ztoq_luigi.db.issues import replace_issues
from ztoq_luigi.db.readback import forget_kind, keys_read, read_by_key, save_read
from ztoq_luigi.kinds import Entity, Phase, Snapshot
from ztoq_luigi.mapping.executions import execution_key
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.validation.rules import Drift

SOURCE = "source"

# What is read again, how Zephyr lists it, its key, and the extracted entity type it is compared with.
LISTINGS = {
    Snapshot.ZEPHYR_TEST_CASE: (lambda zephyr, key: zephyr.test_cases(key), lambda item: item["key"],
                                Entity.TEST_CASE),
    Snapshot.ZEPHYR_CASE_FOLDER: (lambda zephyr, key: zephyr.folders(key, "TEST_CASE"), lambda item: item["id"],
                                  Entity.TEST_CASE_FOLDER),
    Snapshot.ZEPHYR_CYCLE_FOLDER: (lambda zephyr, key: zephyr.folders(key, "TEST_CYCLE"), lambda item: item["id"],
                                   Entity.TEST_CYCLE_FOLDER),
    Snapshot.ZEPHYR_TEST_CYCLE: (lambda zephyr, key: zephyr.test_cycles(key), lambda item: item["key"],
                                 Entity.TEST_CYCLE),
    Snapshot.ZEPHYR_EXECUTION: (lambda zephyr, key: zephyr.test_executions(key), execution_key, Entity.EXECUTION),
}


def against_source(ctx):
    return ctx.settings.validate_against == SOURCE


def zephyr_reads(group):
    """The listings to read again when the group validates against the source, else none."""
    if not group.against_source:
        return []
    return [group.clone(ReadZephyr, listing=listing) for listing in LISTINGS] + [group.clone(ValidateDrift)]


class ReadZephyr(PipelineTask):
    """One of Zephyr's listings, every page, into the read-back table."""

    phase = Phase.VALIDATE
    listing = luigi.EnumParameter(enum=Snapshot, description="what is read")

    def marker_name(self):
        return f"validate/read/{self.listing.value}"

    def work(self, ctx):
        """Stored a chunk at a time as the pages come (the executions of a large project are 50,000)."""
        read, keyed, _ = LISTINGS[self.listing]
        with self.atomic():
            forget_kind(self.project_key, self.listing)  # what an attempt cut short stored, gone since perhaps
        stored = 0
        for chunk in chunks((keyed(item), keyed(item), item) for item in read(ctx.zephyr(), self.project_key)):
            with self.atomic():
                save_read(self.project_key, self.listing, chunk)
            stored += len(chunk)
        with self.atomic():
            self.mark_done(item_count=stored)


class ValidateDrift(PipelineTask):
    """Each Zephyr entity as extracted against Zephyr now: changed, added or deleted since the migration."""

    phase = Phase.VALIDATE
    retryable = True

    def requires(self):
        return [self.clone(ReadZephyr, listing=listing) for listing in LISTINGS]

    def marker_name(self):
        return "validate/drift"

    def work(self, ctx):
        key, rules, issues = self.project_key, ctx.validation(), []
        for listing, (_, _, entity_type) in LISTINGS.items():
            issues += drift(key, rules, listing, entity_type)
        with self.atomic():
            replace_issues(key, self.marker_name(), issues)
            self.mark_done(failed_count=len(issues))


def drift(project_key, rules, listing, entity_type):
    """The Drift issues of one listing, its entities compared a chunk at a time.

    Only the keys of both sides are held at once: the payloads of every
    execution as extracted and as read again held hundreds of MB at large.
    """
    issues = []
    for chunk in chunks(sorted(extracted_ids(project_key, entity_type) | keys_read(project_key, listing))):
        migrated = extracted(project_key, entity_type, source_ids=chunk)
        current = {found_key: found[-1] for found_key, found in read_by_key(project_key, listing, chunk).items()}
        for source_id in chunk:
            issues += rules.check(Drift(entity_type, source_id, migrated.get(source_id), current.get(source_id)))
    return issues
