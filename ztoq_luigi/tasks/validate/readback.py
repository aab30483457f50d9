"""Validate, first: qTest read in bulk into the read-back table, page by page in parallel batches.

A paged listing is cut into one batch per page the migration explains (the
runs, logs or cases it loaded, a hundred a page); the last batch reads on
to the listing's end, so objects nobody expected (duplicates, strays) are
read too, and stored page by page. A finished batch is not read again on a
resume; one interrupted mid-way stores its pages again (rows are upserted). The module and
cycle trees are one request each.
"""

import luigi

from ztoq_luigi.clients.qtest import LIST_PAGE_SIZE
from ztoq_luigi.db.readback import save_read
from ztoq_luigi.kinds import Phase, Snapshot
from ztoq_luigi.services.readback import cycle_triples, module_triples, paged_listings, read_pages
from ztoq_luigi.tasks.base import BatchTask, PipelineTask


class ReadQTestPages(BatchTask):
    """Pages of one whole-project listing: batch n reads page n + 1; the last batch reads on to the end."""

    phase = Phase.VALIDATE
    retryable = False
    listing = luigi.EnumParameter(enum=Snapshot, description="what is read")
    last = luigi.BoolParameter(default=False, description="whether this batch reads on to the listing's end")

    def marker_name(self):
        return f"validate/read/{self.listing.value}/{self.batch_no}"

    def work(self, ctx):
        listing = paged_listings(ctx.rules.key_field)[self.listing]
        page = self.batch_no + 1
        read = 0
        for triples in read_pages(ctx.qtest(), listing, page, None if self.last else page):
            with self.atomic():
                save_read(self.project_key, self.listing, triples)
            read += len(triples)
        with self.atomic():
            self.mark_done(item_count=read, batch_no=self.batch_no)


class ReadQTestTrees(PipelineTask):
    """The module tree and the test cycle tree, each in one expanded listing."""

    phase = Phase.VALIDATE

    def marker_name(self):
        return "validate/read/trees"

    def work(self, ctx):
        qtest = ctx.qtest()
        modules, cycles = module_triples(qtest), cycle_triples(qtest)
        with self.atomic():
            save_read(self.project_key, Snapshot.QTEST_MODULE, modules)
            save_read(self.project_key, Snapshot.QTEST_CYCLE, cycles)
            self.mark_done(item_count=len(modules) + len(cycles))


def page_reads(group, listing, expected):
    """The batches that read `listing` when about `expected` objects are in qTest (one page each, at least one)."""
    pages = max(1, -(-expected // LIST_PAGE_SIZE))
    return [group.clone(ReadQTestPages, listing=listing, batch_size=1, batch_no=n, last=n == pages - 1)
            for n in range(pages)]
