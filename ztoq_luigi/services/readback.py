"""Reading qTest in bulk for validation: whole-project listings page by page, never one GET per entity.

Each reader turns what a listing answers into (object id, key, payload)
triples for db/readback.py: test cases and runs carry their `Zephyr Key`,
logs the execution named in their note, modules and cycles their path in
the tree (cycles also their Zephyr marker). Test cases come from GET
test-cases without a module (every case of the project, steps expanded),
runs from GET test-runs under the root with `expand=descendants`, logs
from a Data Query, modules and cycles from one expanded tree each.
"""

from dataclasses import dataclass
from typing import Callable

from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.kinds import Snapshot
from ztoq_luigi.mapping.cycles import marker_of
from ztoq_luigi.mapping.executions import log_marker

LOG_QUERY = "Name is 'not empty'"  # every log: a log's Name is its run's, which qTest requires


@dataclass(frozen=True)
class PagedListing:
    """A paged whole-project listing: `read(qtest, page)` answers (items, more); `keyed` gives an item's key."""

    kind: Snapshot
    read: Callable
    keyed: Callable


def paged_listings(key_field):
    return {
        Snapshot.QTEST_TEST_CASE: PagedListing(Snapshot.QTEST_TEST_CASE, lambda qtest, page: qtest.test_cases_page(page),
                                               lambda case: property_value(case, key_field)),
        Snapshot.QTEST_TEST_RUN: PagedListing(Snapshot.QTEST_TEST_RUN, lambda qtest, page: qtest.test_runs_page(page),
                                              lambda run: property_value(run, key_field)),
        Snapshot.QTEST_TEST_LOG: PagedListing(Snapshot.QTEST_TEST_LOG,
                                              lambda qtest, page: qtest.test_logs_page(page, LOG_QUERY),
                                              lambda log: log_marker(log.get("note"))),
    }


def read_pages(qtest, listing, first, last):
    """Yield the triples of each page from `first` up to `last` inclusive, or to the end when `last` is None.

    Page by page, so that the caller stores each before the next is read:
    the batch that reads on to the end may read many pages when qTest holds
    more than the migration explains.
    """
    page = first
    while last is None or page <= last:
        items, more = listing.read(qtest, page)
        yield [(item["id"], listing.keyed(item), item) for item in items]
        if not more:
            return
        page += 1


def module_triples(qtest):
    """Every module with its path and parent, from one expanded tree."""
    return [(node["id"], None, node) for node in _flatten(qtest.module_tree(), "children", None, "")]


def cycle_triples(qtest):
    """Every test cycle with its path, parent and Zephyr marker, from the expanded tree of the root."""
    return [(node["id"], marker_of(node.get("description")), node)
            for node in _flatten(qtest.test_cycle_tree(), "test-cycles", None, "")]


def _flatten(nodes, children, parent_id, prefix):
    for node in nodes:
        path = f"{prefix}/{node['name']}" if prefix else node["name"]
        yield {"id": node["id"], "name": node["name"], "parent_id": parent_id, "path": path,
               "description": node.get("description")}
        yield from _flatten(node.get(children) or [], children, node["id"], path)
