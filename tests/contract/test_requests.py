"""(b) What our client sends during a migration (and its look-ups after a crash) uses only what the official 2023.6 models know: body keys
among the model's JSON names with the model's types, nothing the model requires left out, and query parameters
that the operation documents."""

import pytest
from swagger_client.rest import ApiException

from tests.contract.conftest import LOOK_UPS, MIGRATION, report
from tests.contract.endpoints import ENDPOINTS, NOT_JSON_REQUEST
from tests.contract.swagger import deserialize, operation_for, problems

JSON_REQUESTS = [endpoint for endpoint in ENDPOINTS if endpoint[0] in ("POST", "PUT")
                 and endpoint not in NOT_JSON_REQUEST]


def body_problems(exchange, model):
    body = exchange.json_body()
    found = [f"{exchange}: {problem}" for problem in problems(body, model, "body")]
    try:
        deserialize(body, model)
    except (ValueError, ApiException) as refusal:
        found.append(f"{exchange}: the official package cannot build {model}: {refusal}")
    return found


@pytest.mark.parametrize("endpoint", JSON_REQUESTS, ids=" ".join)
def test_every_body_the_migration_sends_fits_its_official_model(by_endpoint, official, endpoint):
    sent = [e for e in by_endpoint.get(endpoint, []) if e.phase in (MIGRATION, LOOK_UPS)]
    assert sent, f"the recorded migration and look-ups never sent {' '.join(endpoint)}"
    operation = next(op for op in official if (op.method, op.path) == endpoint)
    assert all(e.content_type.startswith("application/json") for e in sent), "JSON bodies go as application/json"
    found = [problem for exchange in sent for problem in body_problems(exchange, operation.request)]
    assert not found, report(endpoint, found)


def test_uploads_name_the_file_and_its_type_in_headers_and_send_the_bytes(by_endpoint):
    endpoint = ("POST", "/api/v3/projects/{projectId}/{objectType}/{objectId}/blob-handles")
    uploads = [e for e in by_endpoint.get(endpoint, []) if e.phase == MIGRATION]
    assert uploads, "the recorded migration uploaded no file"
    assert all(e.body and not e.content_type.startswith("application/json") for e in uploads)


def test_the_migration_calls_only_the_endpoints_checked_here(by_endpoint):
    called = {endpoint for endpoint, exchanges in by_endpoint.items() if any(e.phase == MIGRATION for e in exchanges)}
    assert called - set(ENDPOINTS) == set(), "an endpoint the contract does not check"
    assert set(ENDPOINTS) - called <= {("GET", "/api/v3/projects/{projectId}/users"),
                                       ("GET", "/api/v3/projects/{projectId}/modules"),
                                       ("POST", "/api/v3/projects/{projectId}/search"),
                                       ("GET", "/api/v3/projects/{projectId}/releases"),
                                       ("GET", "/api/v3/projects/{projectId}/test-runs/{testRunId}/test-logs"),
                                       ("GET", "/api/v3/projects/{projectId}/test-cases/{testCaseIdOrPid}"),
                                       ("GET", "/api/v3/projects/{projectId}/{objectType}/{objectId}/attachments")}, \
        "only look-ups (and users, for mapped owners) may be missing from a migration without a crash (validation " \
        "reads the logs of all runs through search; a run takes its case's version from the case's last write)"


def test_every_endpoint_is_an_operation_of_the_official_swagger(official):
    documented = {(op.method, op.path) for op in official}
    assert [endpoint for endpoint in ENDPOINTS if endpoint not in documented] == []


def test_query_parameters_are_documented_for_their_operation(recorded, official):
    found = []
    for exchange in recorded:
        operation = operation_for(official, exchange.method, exchange.path)
        unknown = set(exchange.query) - operation.query
        if unknown:
            found.append(f"{exchange}: {', '.join(sorted(unknown))} not among {', '.join(sorted(operation.query))}")
    assert not found, report(("any", "query"), found)
