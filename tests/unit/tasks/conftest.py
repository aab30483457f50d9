"""Task logic with the services replaced: a RunContext whose clients are fakes, over the real state database.

Every task's `work(ctx)` takes its context explicitly, so these tests run a
task's logic with no server and no scheduler: what it asked the fake
client, and what it left in the database, is what they check.
"""

import dataclasses

import pytest

from ztoq_luigi.mapping.rules import load_rules
from ztoq_luigi.services.context import RunContext

KEY = "PROJ"


class FakeQTest:
    """A qTest client that answers from dictionaries and records every write; `fail` scripts errors per call."""

    base_url, project_id = "https://qtest.example/api/v3", 7

    def __init__(self, fields=None):
        self._fields = {"test-cases": list(fields or []), "test-runs": []}
        self.created_cases, self.created_modules, self.allowed_value_posts = [], [], []
        self.updates, self.deleted = [], []
        self.fail = {}
        self._next_id = 1000

    def _maybe_fail(self, name):
        errors = self.fail.get(name)
        if errors:
            raise errors.pop(0)

    def _id(self):
        self._next_id += 1
        return self._next_id

    def fields(self, object_type):
        return [dict(field, allowed_values=list(field.get("allowed_values") or [])) for field in self._fields[object_type]]

    def create_field(self, object_type, body):
        field = dict(body, id=self._id(), allowed_values=[dict(v, value=self._id()) for v in body.get("allowed_values", [])])
        self._fields[object_type].append(field)
        return field

    def add_allowed_values(self, object_type, field_id, values):
        field = next(f for f in self._fields[object_type] if f["id"] == field_id)
        field["allowed_values"] += [dict(value, value=self._id()) for value in values]
        self.allowed_value_posts.append([value["label"] for value in values])
        self._maybe_fail("add_allowed_values")
        return {"items": values}

    def execution_statuses(self):
        return [{"id": 601, "name": "Passed"}, {"id": 602, "name": "Failed"}, {"id": 603, "name": "Incomplete"},
                {"id": 604, "name": "Blocked"}, {"id": 605, "name": "Unexecuted"}]

    def create_test_case(self, body):
        self._maybe_fail("create_test_case")
        case = dict(body, id=self._id())
        self.created_cases.append(case)
        return case

    def update_test_case(self, case_id, body):
        self.updates.append((case_id, body))
        self._maybe_fail("update_test_case")
        return dict(body, id=case_id)

    def test_case(self, case_id, version_id=None):
        bodies = [body for updated, body in self.updates if updated == case_id]
        bodies = bodies or [case for case in self.created_cases if case["id"] == case_id]
        return dict(bodies[-1], id=case_id)

    def delete_test_case(self, case_id):
        self.deleted.append(case_id)

    def find_test_case(self, field_label, value, parent_id=None):
        for case in self.created_cases:
            if any(prop["field_value"] == value for prop in case["properties"]):
                return case["id"]
        return None


class FakeContext(RunContext):
    """The run's context with fake clients (and the real database the test fixtures opened)."""

    def __init__(self, settings, qtest=None, zephyr=None, rules=None):
        super().__init__(settings, rules or load_rules(None))
        self._qtest, self._zephyr = qtest, zephyr

    def qtest(self):
        return self._qtest

    def zephyr(self):
        return self._zephyr


@pytest.fixture
def fake_qtest():
    return FakeQTest(fields=[
        {"id": 1, "label": "Priority", "data_type": 3, "allowed_values": [
            {"value": 11, "label": "High"}, {"value": 12, "label": "Medium"}, {"value": 13, "label": "Low"}]},
        {"id": 2, "label": "Status", "data_type": 3, "allowed_values": [
            {"value": 21, "label": "New"}, {"value": 22, "label": "Approved"}, {"value": 23, "label": "Obsolete"}]},
        {"id": 3, "label": "Zephyr Key", "data_type": 1},
    ])


@pytest.fixture
def ctx(settings, database, fake_qtest):
    return FakeContext(dataclasses.replace(settings, project_key=KEY), qtest=fake_qtest)
