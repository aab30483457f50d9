"""The Zephyr sandbox answers every read of the migration as the official v2 OpenAPI document describes.

A real ZephyrClient runs the whole extract phase's reads against the
sandbox (a generated project: root and nested folders, plain and BDD
scripts, call steps, more than 100 steps, ad-hoc executions, empty custom
fields) and every request and answer is checked against the document shipped
in specs/zephyr/, offline. The document's self-contradictions are the
exceptions listed, with its own words, in zephyr_openapi.EXCEPTIONS; nothing
else is relaxed. Only the service's own answers are in scope: 401, 403 and
429 come from API Gateway in front of it, whose bodies the document does not
describe (API_NOTES.md A3).
"""

import copy
import json

import pytest
import requests

from tests.contract.zephyr_openapi import EXCEPTIONS, Exchanges, openapi_for, problems_of, read_document, with_exceptions
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.sandbox.generator import generate_project
from ztoq_luigi.sandbox.zephyr.server import start_zephyr
from ztoq_luigi.sandbox.zephyr.store import FOLDER_TYPES, STATUS_TYPES
from ztoq_luigi.secrets import Secret

TOKEN = "contract-token"
EXECUTIONS_WITH_STEPS = 60
MIGRATION_READS = {
    ("GET", "/projects/{projectIdOrKey}"), ("GET", "/statuses"), ("GET", "/priorities"), ("GET", "/environments"),
    ("GET", "/folders"), ("GET", "/testcases"), ("GET", "/testcases/{testCaseKey}/teststeps"),
    ("GET", "/testcases/{testCaseKey}/testscript"), ("GET", "/testcycles"), ("GET", "/testplans"),
    ("GET", "/testexecutions"), ("GET", "/testexecutions/{testExecutionIdOrKey}/teststeps"),
}


@pytest.fixture(scope="module")
def zephyr():
    dataset = generate_project(size="small", seed=3, project_key="CT")
    app, server = start_zephyr(dataset, TOKEN)
    yield server, dataset
    server.stop()


@pytest.fixture(scope="module")
def extraction(zephyr):
    """Every read the extract phase makes, by the real client, with each exchange kept."""
    server, dataset = zephyr
    client = ZephyrClient(server.base_url, Secret(TOKEN))
    exchanges = Exchanges(server.base_url)
    exchanges.attach(client.session)
    key = dataset.key
    client.project(key)
    for status_type in STATUS_TYPES:
        list(client.statuses(key, status_type))
    list(client.priorities(key))
    list(client.environments(key))
    for folder_type in FOLDER_TYPES:
        list(client.folders(key, folder_type))
    for case in client.test_cases(key):
        client.steps_and_script(case)
    assert client.test_script(next(case["key"] for case in dataset.testcases if case["steps"])) is None
    cycles = list(client.test_cycles(key))
    list(client.test_plans(key))
    executions = list(client.test_executions(key))
    list(client.test_executions(key, test_cycle=cycles[0]["key"]))
    for execution in executions[:EXECUTIONS_WITH_STEPS]:
        client.execution_steps(execution["id"])
    return exchanges


def test_the_extraction_reads_every_endpoint_the_migration_uses(extraction):
    assert extraction.operations() == MIGRATION_READS
    assert {response.status_code for response in extraction.responses} == {200, 404}


def test_every_request_and_answer_of_the_extraction_is_as_the_document_describes(extraction):
    assert len(extraction.responses) > 250
    problems = extraction.problems()
    assert not problems, f"{len(problems)} exchanges differ from the document:\n" + "\n".join(problems[:15])


@pytest.mark.parametrize("path, params, status", [
    ("/testcases", {"startAt": 5, "maxResults": 10}, 400),
    ("/testcases", {"projectKey": "lower"}, 400),
    ("/testcases", {"maxResults": 0}, 400),
    ("/folders", {"folderType": "TEST_RUN"}, 400),
    ("/testcases/CT-T99999/teststeps", {}, 404),
    ("/testcases/CT-T99999/testscript", {}, 404),
    ("/testexecutions/CT-E99999/teststeps", {}, 404),
    ("/projects/OTHER", {}, 404),
], ids=["misaligned-start", "bad-project-key", "zero-max-results", "bad-folder-type", "unknown-case-steps",
        "unknown-case-script", "unknown-execution", "unknown-project"])
def test_the_services_own_errors_are_the_documents_error_body(zephyr, path, params, status):
    """Requests that break the document's rules on purpose; the answers must still be as it describes.

    getTestExecutionTestSteps declares only its 200, so for it the document
    has no answer to compare a 404 with: the Error body is checked field by
    field below, as for every other error.
    """
    server, _ = zephyr
    response = requests.get(server.base_url + path, params=params, headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=5)
    assert response.status_code == status, response.text
    problems = [line for line in problems_of(openapi_for(server.base_url), response) if ": response: " in line]
    if path.startswith("/testexecutions/"):
        assert len(problems) == 1 and problems[0].endswith("ResponseNotFound: Unknown response http status: 404")
    else:
        assert problems == []
    body = response.json()
    assert set(body) == {"errorCode", "message"} and body["errorCode"] == status and body["message"]


@pytest.mark.parametrize("path, doctor", [
    ("/testcases", lambda page: page.__setitem__("next", None)),
    ("/testcases", lambda page: page["values"][0].__setitem__("folder", None)),
    ("/testcases", lambda page: page["values"][0].__setitem__("estimatedTime", None)),
    ("/testcases", lambda page: page["values"][0]["customFields"].__setitem__("Build Number", {"value": 3})),
    ("/folders", lambda page: page["values"][0].__setitem__("index", None)),
    ("/folders", lambda page: page["values"][0].__setitem__("parentId", 0)),
    ("/testexecutions", lambda page: page["values"][0].__setitem__("environment", None)),
    ("/testexecutions", lambda page: page["values"][0].pop("testExecutionStatus")),
], ids=["next-null", "folder-null", "estimate-null", "custom-field-object", "folder-index-null", "parent-zero",
        "environment-null", "status-missing"])
def test_an_answer_the_document_forbids_is_caught(zephyr, path, doctor):
    """The check can fail: a sandbox that answered with nulls (as it once did) or left out a required field
    would not pass it, even with the exceptions applied."""
    server, _ = zephyr
    response = requests.get(server.base_url + path, params={"projectKey": "CT", "maxResults": 5},
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert problems_of(openapi_for(server.base_url), response) == []
    page = response.json()
    doctor(page)
    doctored = copy.copy(response)
    doctored._content = json.dumps(page).encode("utf-8")
    assert [line for line in problems_of(openapi_for(server.base_url), doctored) if ": response: " in line]


def test_the_exceptions_apply_only_where_the_document_still_says_what_was_read():
    document = read_document()
    assert with_exceptions(copy.deepcopy(document))["components"]["schemas"]["Folder"]["properties"]["id"] == {
        "$ref": "#/components/schemas/EntityId"}
    changed = copy.deepcopy(document)
    changed["components"]["schemas"]["CustomFields"]["additionalProperties"] = {"type": "string"}
    with pytest.raises(AssertionError, match="re-examine"):
        with_exceptions(changed)
    assert all(exception.because for exception in EXCEPTIONS)
