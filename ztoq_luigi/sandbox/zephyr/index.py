"""Lookups over a ZephyrDataset, built once so that every request costs O(page), not O(dataset).

Datasets reach tens of thousands of test cases and executions and a client
walks them page by page, so each list request must find its records without
scanning everything. The index groups records by every field a route filters
on, remembers filtered lists until the next write, and hands out the ids and
keys of records created by the seeding routes.
"""

import re
from collections import defaultdict

COLLECTIONS = (
    "statuses", "priorities", "environments", "folders",
    "testcases", "testcycles", "testplans", "testexecutions",
)
KEY_LETTERS = {"testcases": "T", "testcycles": "R", "testplans": "P", "testexecutions": "E"}
GROUPED_FIELDS = {
    "statuses": ("statusType",),
    "folders": ("folderType", "parentId"),
    "testcases": ("folderId",),
    "testcycles": ("folderId", "jiraProjectVersionId"),
    "testexecutions": ("testCycleId", "testCaseKey", "jiraProjectVersionId"),
}
LINK_LISTS = ("issueLinks", "webLinks", "testCycleLinks")
_CACHE_LIMIT = 256


class ZephyrIndex:
    def __init__(self, dataset):
        self.dataset = dataset
        self.by_id = {name: {} for name in COLLECTIONS}
        self.by_key = {name: {} for name in KEY_LETTERS}
        self._groups = defaultdict(lambda: defaultdict(list))
        self._max_id = defaultdict(int)
        self._max_key_number = defaultdict(int)
        self._last_execution = {}
        self._links = {}
        self._issue_links = defaultdict(lambda: defaultdict(list))
        self._plans_of_cycle = defaultdict(list)
        self._filtered = {}
        for name in COLLECTIONS:
            for record in getattr(dataset, name):
                self._register(name, record)

    def records(self, collection):
        return getattr(self.dataset, collection)

    def group(self, collection, field, value):
        """Records of `collection` whose `field` equals `value`, in the order they joined the group."""
        return self._groups[(collection, field)].get(value, [])

    def select(self, collection, equals, predicate=None, predicate_key=None):
        """Records matching every `field == value` of `equals` and `predicate`, cached until a write.

        The cache is what keeps a paging walk over a filtered list O(page):
        the first page pays for the filtering, the following ones slice it.
        `predicate_key` must identify the predicate for the cache.
        """
        if not equals and predicate is None:
            return self.records(collection)
        if len(equals) == 1 and predicate is None:
            (field, value), = equals.items()
            return self.group(collection, field, value)
        cache_key = (collection, tuple(sorted(equals.items())), predicate_key)
        if cache_key not in self._filtered:
            if len(self._filtered) >= _CACHE_LIMIT:
                self._filtered.clear()
            self._filtered[cache_key] = self._filter(collection, equals, predicate)
        return self._filtered[cache_key]

    def _filter(self, collection, equals, predicate):
        candidates = self.records(collection)
        for field, value in equals.items():
            grouped = self.group(collection, field, value)
            if len(grouped) < len(candidates):
                candidates = grouped
        return [
            record for record in candidates
            if all(record.get(field) == value for field, value in equals.items())
            and (predicate is None or predicate(record))
        ]

    def is_last_execution(self, execution):
        """True for ad-hoc executions and for the newest execution of each (cycle, test case) item."""
        if execution.get("testCycleId") is None:
            return True
        item = (execution["testCycleId"], execution["testCaseKey"])
        return self._last_execution.get(item) is execution

    def link(self, link_id):
        """(collection, owner record, list name, link record) for a link id, or None."""
        return self._links.get(link_id)

    def issue_linked(self, collection, issue_id):
        return self._issue_links[collection].get(issue_id, [])

    def plans_linking_cycle(self, cycle_id):
        """(plan, link) pairs: a cycle shows the plans that link to it."""
        return self._plans_of_cycle.get(cycle_id, [])

    def next_id(self, collection):
        return self._max_id[collection] + 1

    def next_key(self, collection):
        return f"{self.dataset.key}-{KEY_LETTERS[collection]}{self._max_key_number[collection] + 1}"

    def next_link_id(self):
        return self._max_id["links"] + 1

    def new_script_id(self):
        self._max_id["scripts"] += 1
        return self._max_id["scripts"]

    def add(self, collection, record):
        """Append a record created by a seeding route and index it."""
        self.records(collection).append(record)
        self._register(collection, record)

    def update(self, collection, record, changes):
        """Apply a PUT's `changes` to a stored record, moving it between groups whose field changes."""
        self._filtered.clear()
        for field in GROUPED_FIELDS.get(collection, ()):
            if field in changes and changes[field] != record.get(field):
                old = self._groups[(collection, field)][record.get(field)]
                old[:] = [item for item in old if item is not record]
                self._groups[(collection, field)][changes[field]].append(record)
        record.update(changes)

    def remove(self, collection, record):
        """Forget a record, as a user deleting it in Zephyr's UI does (the v2 API has no DELETE for it)."""
        self._filtered.clear()
        records = self.records(collection)
        records[:] = [item for item in records if item is not record]
        self.by_id[collection].pop(record["id"], None)
        if collection in KEY_LETTERS and record.get("key"):
            self.by_key[collection].pop(record["key"], None)
        for field in GROUPED_FIELDS.get(collection, ()):
            grouped = self._groups[(collection, field)][record.get(field)]
            grouped[:] = [item for item in grouped if item is not record]

    def add_link(self, collection, owner, list_name, link):
        owner.setdefault(list_name, []).append(link)
        self._register_link(collection, owner, list_name, link)

    def remove_link(self, link_id):
        collection, owner, list_name, link = self._links.pop(link_id)
        owner[list_name] = [item for item in owner[list_name] if item is not link]
        if list_name == "issueLinks" and all(item["issueId"] != link["issueId"] for item in owner["issueLinks"]):
            linked = self._issue_links[collection][link["issueId"]]
            linked[:] = [record for record in linked if record is not owner]
        if list_name == "testCycleLinks":
            pairs = self._plans_of_cycle[link["testCycleId"]]
            pairs[:] = [pair for pair in pairs if pair[1] is not link]

    def _register(self, collection, record):
        self._filtered.clear()
        self.by_id[collection][record["id"]] = record
        self._max_id[collection] = max(self._max_id[collection], record["id"])
        if collection in KEY_LETTERS and record.get("key"):
            self.by_key[collection][record["key"]] = record
            number = re.search(r"(\d+)$", record["key"])
            self._max_key_number[collection] = max(self._max_key_number[collection], int(number.group(1)))
        for field in GROUPED_FIELDS.get(collection, ()):
            self._groups[(collection, field)][record.get(field)].append(record)
        if collection == "testexecutions":
            self._note_execution(record)
        if collection == "testcases":
            self._note_test_case(record)
        for list_name in LINK_LISTS:
            for link in record.get(list_name) or ():
                self._register_link(collection, record, list_name, link)

    def _note_execution(self, execution):
        if execution.get("testCycleId") is None:
            return
        item = (execution["testCycleId"], execution["testCaseKey"])
        current = self._last_execution.get(item)
        if current is None or execution["id"] > current["id"]:
            self._last_execution[item] = execution

    def _note_test_case(self, case):
        for version_id in (case.get("versionIds") or {}).values():
            self._max_id["testcases"] = max(self._max_id["testcases"], version_id)
        script = case.get("script") or {}
        self._max_id["scripts"] = max(self._max_id["scripts"], script.get("id") or 0)

    def _register_link(self, collection, owner, list_name, link):
        self._links[link["id"]] = (collection, owner, list_name, link)
        self._max_id["links"] = max(self._max_id["links"], link["id"])
        if list_name == "issueLinks":
            linked = self._issue_links[collection][link["issueId"]]
            if all(record is not owner for record in linked):
                linked.append(owner)
        if list_name == "testCycleLinks":
            self._plans_of_cycle[link["testCycleId"]].append((owner, link))
