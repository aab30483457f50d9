"""One recorded end-to-end migration of a generated project into the qTest simulator, for the contract tests.

A test-case field `Labels` exists in qTest beforehand with a value the
project does not use, so the migration adds its labels to it. The simulator
records every exchange (the client's request, the simulator's
answer) whichever process sent it, since Luigi runs the batches in forked
workers. After the migration, our own client reads what the migration reads
only when resuming after a crash (the look-ups), so that every endpoint the
migration uses is answered at least once. The state database is SQLite
whatever ZTOQ_TEST_DB says: the contract is about HTTP, not the database.
"""

import io
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass

import pytest

from ztoq_luigi.cli import Environment, main
from ztoq_luigi.clients.errors import NotFoundError, RequestRejectedError
from ztoq_luigi.clients.qtest import QTestClient
from ztoq_luigi.sandbox import start_sandbox
from ztoq_luigi.sandbox.launch import QTEST_PASSWORD, QTEST_PROJECT_ID, QTEST_USERNAME
from ztoq_luigi.secrets import Secret

from tests.contract.endpoints import owner_note
from tests.contract.swagger import operation_for, operations
from tests.e2e.test_sync import edit_zephyr
from tests.e2e.test_sync_containers import edit_containers, relink_cycle

SETUP, MIGRATION, LOOK_UPS, REFUSALS, SYNC = "setup", "migration", "look-ups", "refusals", "sync"
PREEXISTING_LABELS = {"label": "Labels", "data_type": 17, "multiple": True, "allowed_values": [{"label": "legacy"}]}


@dataclass
class Exchange:
    phase: str
    method: str
    path: str
    query: dict
    content_type: str
    body: bytes
    status: int
    answer_type: str
    answer: bytes

    def json_body(self):
        return json.loads(self.body.decode("utf-8"))

    def json_answer(self):
        return json.loads(self.answer.decode("utf-8"))

    def __str__(self):
        return f"{self.method} {self.path} ({self.phase}, answered {self.status})"


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """Every qTest exchange of a migration of the tiny generated project, then of the look-ups."""
    workdir = tmp_path_factory.mktemp("contract")
    sandbox = start_sandbox(size="tiny", seed=3)
    exchanges, phase = [], [SETUP]

    def record(request, response):
        exchanges.append(Exchange(phase[0], request.method, request.path, request.query,
                                  request.headers.get("Content-Type") or "",
                                  request.body, response.status, response.headers.get("Content-Type") or "",
                                  response.body))

    sandbox.qtest.add_exchange_hook(record)
    try:
        _client(sandbox).create_field("test-cases", PREEXISTING_LABELS)
        phase[0] = MIGRATION
        code, output = _migrate(sandbox, workdir)
        assert code == 0, f"the recorded migration failed ({code}):\n{output}"
        phase[0] = LOOK_UPS
        _look_up(sandbox)
        phase[0] = REFUSALS
        _refusals(sandbox)
    finally:
        sandbox.stop()
    return exchanges


@pytest.fixture(scope="session")
def recorded_sync(tmp_path_factory):
    """Every qTest exchange of a sync round: a migration of the tiny project, then Zephyr edited (a case renamed
    and its steps changed, a plan renamed, a cycle moved, a cycle linked to another plan, an execution commented
    again), then the next `workflow run`."""
    workdir = tmp_path_factory.mktemp("contract-sync")
    sandbox = start_sandbox(size="tiny", seed=3)
    exchanges, phase = [], [MIGRATION]

    def record(request, response):
        if phase[0] == SYNC:
            exchanges.append(Exchange(SYNC, request.method, request.path, request.query,
                                      request.headers.get("Content-Type") or "", request.body, response.status,
                                      response.headers.get("Content-Type") or "", response.body))

    sandbox.qtest.add_exchange_hook(record)
    try:
        code, output = _migrate(sandbox, workdir)
        assert code == 0, f"the migration before the sync failed ({code}):\n{output}"
        edit_zephyr(sandbox)
        edit_containers(sandbox)
        relink_cycle(sandbox)
        phase[0] = SYNC
        code, output = _migrate(sandbox, workdir)
        assert code == 0, f"the recorded sync round failed ({code}):\n{output}"
    finally:
        sandbox.stop()
    return exchanges


def _migrate(sandbox, workdir):
    env = Environment(environ=sandbox.environment(), stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    args = ["workflow", "run", *sandbox.workflow_args(workdir / "out"), "--db-path", str(workdir / "state.db")]
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        code = main(args, env)
    finally:
        os.chdir(cwd)
    return code, env.stdout.getvalue() + env.stderr.getvalue()


def _client(sandbox):
    return QTestClient(sandbox.qtest_url, QTEST_PROJECT_ID, username=QTEST_USERNAME, password=Secret(QTEST_PASSWORD))


def _look_up(sandbox):
    """What a resumed load reads to find objects it may have created before a crash (a run's logs among them:
    validation reads logs in bulk; a case whose create answer was lost, for its version and step ids), what a
    load whose state was lost reads to adopt them (the project's test cases, the attachments of many objects at
    once), and the project's users (read when Zephyr owners are mapped, which the tiny project has none of)."""
    qtest, state = _client(sandbox), sandbox.qtest.state
    qtest.users()
    roots = qtest.modules()
    qtest.modules(roots[0]["id"])
    case = state.test_cases()[0]
    qtest.test_case(case["id"])
    qtest.find_test_case("Zephyr Key", "no such key", case["module_id"])
    qtest.releases()
    list(qtest.test_logs(state.logs()[0]["run_id"]))
    for object_type in ("test-cases", "test-logs"):
        owner = next(a for a in state.attachments.values() if a.object_type == object_type)
        qtest.attachments(object_type, owner.object_id)
        list(qtest.attachments_of(object_type, [owner.object_id]))
    list(qtest.test_cases(steps=False))


def _refusals(sandbox):
    """Two answers a migration meets when things go wrong: a read of an unknown id, a body the server refuses."""
    qtest = _client(sandbox)
    with pytest.raises(NotFoundError):
        qtest.test_case(1)
    with pytest.raises(RequestRejectedError):
        qtest.create_module("")


@pytest.fixture(scope="session")
def official():
    """Every operation of the official swagger."""
    return operations()


@pytest.fixture(scope="session")
def by_endpoint(recorded, official):
    """The recorded exchanges grouped by (method, swagger path); an unknown path is grouped under its own path."""
    grouped = defaultdict(list)
    for exchange in recorded:
        operation = operation_for(official, exchange.method, exchange.path)
        grouped[(exchange.method, operation.path if operation else exchange.path)].append(exchange)
    return grouped


def report(endpoint, found, limit=15):
    """One failure message: the endpoint, whose area it is, and its distinct problems (list positions merged)."""
    distinct = list(dict.fromkeys(re.sub(r"\[\d+\]", "[]", problem) for problem in found))
    lines = distinct[:limit] + ([f"... and {len(distinct) - limit} more"] if len(distinct) > limit else [])
    return f"{endpoint[0]} {endpoint[1]}{owner_note(endpoint, found)}:\n  " + "\n  ".join(lines)
