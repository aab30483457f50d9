"""(c) What a sync round writes fits the official 2023.6 swagger: each PUT (a test case, a release, a test cycle
renamed, moved or given another target release, a run renamed with its case, a test log) with a body of the operation's model, nothing the
model requires left out, only documented query parameters, and a move with both of its parameters."""

import pytest

from tests.contract.conftest import report
from tests.contract.endpoints import SYNC_PUTS
from tests.contract.swagger import operation_for
from tests.contract.test_requests import body_problems

CYCLE_PUT = SYNC_PUTS[2]
PARENT_TYPES = ("release", "test-cycle", "root")


def puts(recorded_sync, official, endpoint):
    return [e for e in recorded_sync if e.method == "PUT"
            and (operation_for(official, e.method, e.path).path == endpoint[1])]


def test_a_sync_round_writes_only_these_puts(recorded_sync, official):
    writes = {(e.method, operation_for(official, e.method, e.path).path) for e in recorded_sync
              if e.method != "GET" and not e.path.endswith(("/search", "/oauth/token"))}
    assert writes - set(SYNC_PUTS) <= {("POST", "/api/v3/projects/{projectId}/test-cases"),
                                       ("POST", "/api/v3/projects/{projectId}/modules"),
                                       ("POST", "/api/v3/projects/{projectId}/test-runs"),
                                       ("POST", "/api/v3/projects/{projectId}/test-runs/{testRunId}/test-logs")}, \
        "besides the objects new in Zephyr, a sync round only updates in place"


@pytest.mark.parametrize("endpoint", SYNC_PUTS, ids=" ".join)
def test_every_put_of_a_sync_round_fits_its_official_model(recorded_sync, official, endpoint):
    sent = puts(recorded_sync, official, endpoint)
    assert sent, f"the recorded sync round never sent {' '.join(endpoint)}"
    operation = next(op for op in official if (op.method, op.path) == endpoint)
    assert all(e.content_type.startswith("application/json") for e in sent), "JSON bodies go as application/json"
    found = [problem for exchange in sent for problem in body_problems(exchange, operation.request)]
    found += [f"{e}: query {', '.join(sorted(set(e.query) - operation.query))} not documented"
              for e in sent if set(e.query) - operation.query]
    assert all(e.status < 300 for e in sent), [f"{e}: {e.answer[:200]!r}" for e in sent if e.status >= 300]
    assert not found, report(endpoint, found)


def test_a_cycle_is_moved_by_both_parent_parameters_and_changed_by_its_body(recorded_sync, official):
    sent = puts(recorded_sync, official, CYCLE_PUT)
    moves = [e for e in sent if e.query]
    updates = [e for e in sent if not e.query]
    assert moves and updates, "the round both moved a cycle and changed one's texts and target release"
    for move in moves:
        assert set(move.query) == {"parentId", "parentType"} and move.query["parentType"][0] in PARENT_TYPES, move
        assert int(move.query["parentId"][0]) >= 0 and (move.query["parentId"][0] == "0") == (
            move.query["parentType"][0] == "root"), move
    for update in updates:
        body = update.json_body()
        assert body["name"] and "target_release_id" in body, f"{update}: {body}"
    assert any(update.json_body()["target_release_id"] is not None for update in updates)
