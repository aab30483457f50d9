"""The simulator's stored objects, before they are rendered as qTest JSON.

Records keep ids and plain values only; rendering (links, names of field
values, camelCase exceptions) happens in qtest_render so that a record never
drifts from what the API says about it. `TextIndex` keeps the exact-match
lookups fast enough for projects with tens of thousands of cases and runs.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional


@dataclass
class Module:
    id: int
    pid: str
    name: str
    description: str
    parent_id: Optional[int]
    order: int
    shared: bool
    created: str
    modified: str


@dataclass
class Step:
    id: int
    order: int
    description: str
    expected: str
    called_test_case_id: Optional[int] = None


@dataclass
class Version:
    id: int
    case_id: int
    major: int
    minor: int
    name: str
    description: str
    precondition: str
    properties: Dict[int, str]
    steps: List[Step]
    created: str

    @property
    def label(self):
        return f"{self.major}.{self.minor}"

    @property
    def approved(self):
        return self.minor == 0


@dataclass
class TestCase:
    id: int
    pid: str
    module_id: int
    order: int
    creator_id: int
    created: str
    modified: str
    versions: List[Version] = field(default_factory=list)

    @property
    def latest(self):
        return self.versions[-1]

    def version(self, version_id):
        for candidate in self.versions:
            if candidate.id == version_id:
                return candidate
        return None

    def latest_approved(self):
        for candidate in reversed(self.versions):
            if candidate.approved:
                return candidate
        return None


@dataclass
class Container:
    """A release, test cycle or test suite: something runs and other containers sit in."""

    kind: str
    id: int
    pid: str
    name: str
    description: str
    parent_type: str
    parent_id: int
    order: int
    properties: Dict[int, str]
    created: str
    modified: str
    extra: dict = field(default_factory=dict)


@dataclass
class Run:
    id: int
    pid: str
    name: str
    parent_type: str
    parent_id: int
    order: int
    test_case_id: int
    version_id: int
    properties: Dict[int, str]
    creator_id: int
    created: str
    modified: str
    latest_log_id: Optional[int] = None


@dataclass
class StepLog:
    id: int
    test_step_id: int
    status_id: int
    actual_result: str
    order: int
    user_id: int
    called_test_case_id: Optional[int] = None
    parent_test_step_id: Optional[int] = None


@dataclass
class Log:
    id: int
    run_id: int
    version_id: int
    status_id: int
    exe_start: str
    exe_end: str
    note: str
    properties: Dict[int, str]
    step_logs: List[StepLog]
    submitter_id: int
    created: str
    extra: dict = field(default_factory=dict)


@dataclass
class Attachment:
    id: int
    object_type: str
    object_id: int
    name: str
    content_type: str
    data: bytes
    author_id: int
    created: str
    scanned: bool = False


class TextIndex:
    """Lower-cased exact values per (kind, key) -> ids, kept in step with every write.

    `key` is "name" or a field id; the search evaluator uses it for `=` so an
    idempotency lookup by a custom key field does not scan the whole project.
    """

    def __init__(self):
        self._values = defaultdict(lambda: defaultdict(set))
        self._current = {}

    def put(self, kind, object_id, values):
        self.drop(kind, object_id)
        self._current[(kind, object_id)] = values
        for key, value in values.items():
            self._values[(kind, key)][str(value).lower()].add(object_id)

    def drop(self, kind, object_id):
        for key, value in self._current.pop((kind, object_id), {}).items():
            bucket = self._values[(kind, key)]
            bucket[str(value).lower()].discard(object_id)

    def lookup(self, kind, key, value):
        return set(self._values[(kind, key)].get(str(value).lower(), ()))
