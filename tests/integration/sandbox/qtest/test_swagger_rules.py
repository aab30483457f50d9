"""qTest simulator: rules the official 2023.6 swagger (qtest-swagger-client 0.0.3) states for the endpoints the
migration uses: paging parameters, the two test-run models, name lengths, required bodies, closed releases,
attachments not scanned for malware, PIDs, test-log fields. Each test fails against the lenient simulator."""

import pytest

from tests.integration.sandbox.qtest.helpers import QTestClient, client, qtest, qtest_server  # noqa: F401
from ztoq_luigi.sandbox.qtest.server import start_qtest

START, END = "2024-05-01T10:00:00+00:00", "2024-05-01T10:05:00+00:00"
NAMED = {"/modules": {}, "/test-cases": {"properties": []}, "/releases": {"properties": []},
         "/test-cycles": {}}


def logged_run(client, **log):
    case = client.case("Logged", steps=[{"description": "d", "expected": "e"}])
    case = client.put(f"/test-cases/{case['id']}/approve").json()
    run = client.run(case["id"], client.cycle("C")["id"])
    body = {"status": {"id": 601}, "exe_start_date": START, "exe_end_date": END, **log}
    answer = client.post(f"/test-runs/{run['id']}/test-logs", json=body)
    return case, run, answer


# paging

def test_test_cycles_page_with_page_and_page_size_and_a_default_page_of_100(client):
    for n in range(105):
        client.cycle(f"Cycle {n}")
    default = client.get("/test-cycles", params={"parentId": 0, "parentType": "root"}).json()
    assert [c["name"] for c in default] == [f"Cycle {n}" for n in range(100)]
    second = client.get("/test-cycles", params={"parentId": 0, "parentType": "root", "page": 2, "pageSize": 100})
    assert [c["name"] for c in second.json()] == [f"Cycle {n}" for n in range(100, 105)]
    small = client.get("/test-cycles", params={"page": 3, "pageSize": 2}).json()
    assert [c["name"] for c in small] == ["Cycle 4", "Cycle 5"]
    assert client.get("/test-cycles", params={"pageSize": 1000}).status_code == 400


# test runs: GetMultipleTestRunsResource on creation and in the listing, TestRunWithCustomFieldResource alone

def test_a_created_and_listed_run_answers_as_get_multiple_test_runs_resource(client):
    case = client.put(f"/test-cases/{client.case('Checkout')['id']}/approve").json()
    cycle = client.cycle("C")
    created = client.run(case["id"], cycle["id"])
    listed = client.get("/test-runs", params={"parentId": cycle["id"], "parentType": "test-cycle"}).json()["items"][0]
    for run in (created, listed):
        assert run["Test-Run"] == "Checkout"
        assert not {"name", "web_url", "latest_test_log"} & set(run), "keys GetMultipleTestRunsResource lacks"
        assert run["test_case"] == {"links": [], "id": case["id"], "test_case_version_id": case["test_case_version_id"],
                                    "test_case_version": "1.0", "creator_id": case["creator_id"]}
    alone = client.get(f"/test-runs/{created['id']}").json()
    assert alone["name"] == "Checkout" and "Test-Run" not in alone and "web_url" not in alone


def test_a_run_is_named_by_test_run_and_a_name_key_is_ignored(client):
    case = client.put(f"/test-cases/{client.case('Checkout')['id']}/approve").json()
    cycle = client.cycle("C")
    named = client.run(case["id"], cycle["id"], name="Checkout on Firefox")
    unknown = client.post("/test-runs", params={"parentId": cycle["id"], "parentType": "test-cycle"},
                          json={"test_case": {"id": case["id"]}, "properties": [], "name": "Not a key of the model"}).json()
    assert named["Test-Run"] == "Checkout on Firefox"
    assert unknown["Test-Run"] == "Checkout", "an unknown key is ignored; the run takes its case's name"


# lengths and required fields

@pytest.mark.parametrize("path", sorted(NAMED))
def test_names_longer_than_500_characters_are_refused(client, path):
    assert client.post(path, json={"name": "n" * 501, **NAMED[path]}).status_code == 400
    assert client.post(path, json={"name": "n" * 500, **NAMED[path]}).status_code == 201


def test_a_run_name_longer_than_500_characters_is_refused(client):
    case, cycle = client.case("C"), client.cycle("C")
    params = {"parentId": cycle["id"], "parentType": "test-cycle"}
    body = {"test_case": {"id": case["id"]}, "properties": [], "Test-Run": "r" * 501}
    assert client.post("/test-runs", params=params, json=body).status_code == 400


def test_an_updated_test_case_needs_properties(client):
    case = client.case("Kept")
    assert client.put(f"/test-cases/{case['id']}", json={"description": "changed"}).status_code == 400
    updated = client.put(f"/test-cases/{case['id']}", json={"description": "changed", "properties": []})
    assert updated.status_code == 200 and updated.json()["name"] == "Kept"


def test_a_release_needs_properties(client):
    assert client.post("/releases", json={"name": "R1"}).status_code == 400
    assert client.post("/releases", json={"name": "R1", "properties": []}).status_code == 201


# releases

def test_closed_releases_are_listed_only_with_include_closed(qtest, client):
    kept = client.post("/releases", json={"name": "Open", "properties": []}).json()
    closed = client.post("/releases", json={"name": "Done", "properties": []}).json()
    qtest[0].state.modify("release", closed["id"], properties={"Status": "Closed"})
    assert [r["id"] for r in client.get("/releases").json()] == [kept["id"]]
    everything = client.get("/releases", params={"includeClosed": "true"}).json()
    assert [r["id"] for r in everything] == [kept["id"], closed["id"]]


# attachments

def test_an_attachment_not_scanned_for_malware_downloads_only_when_forced(client):
    case = client.case("With file")
    created = client.post(f"/test-cases/{case['id']}/blob-handles", data=b"bytes",
                          headers={"File-Name": "a.txt", "Content-Type": "text/plain"}).json()
    path = f"/test-cases/{case['id']}/attachments/{created['id']}"
    refused = client.get(path)
    assert refused.status_code == 400 and "forceDownload" in refused.json()["message"]
    assert client.get(path, params={"forceDownload": "true"}).content == b"bytes"


def test_attachments_scanned_clean_download_without_forcing():
    app, server = start_qtest(seed=7, attachment_scan="clean")
    try:
        client = QTestClient(server)
        case = client.case("With file")
        created = client.post(f"/test-cases/{case['id']}/blob-handles", data=b"bytes",
                              headers={"File-Name": "a.txt", "Content-Type": "text/plain"}).json()
        assert client.get(f"/test-cases/{case['id']}/attachments/{created['id']}").content == b"bytes"
    finally:
        server.stop()


def test_test_step_logs_hold_attachments_but_are_not_an_attachment_search_type(qtest, client):
    case, run, answer = logged_run(client)
    log = answer.json()
    step_log_id = client.post(f"/test-runs/{run['id']}/test-logs", json={
        "status": {"id": 601}, "exe_start_date": START, "exe_end_date": END,
        "test_step_logs": [{"test_step_id": case["test_steps"][0]["id"], "status": {"id": 601}}],
    }).json()["test_step_logs"][0]["test_step_log_id"]
    headers = {"File-Name": "a.txt", "Content-Type": "text/plain"}
    assert client.post(f"/test-step-logs/{step_log_id}/blob-handles", data=b"x", headers=headers).status_code == 201
    assert client.post(f"/test-step-logs/{log['id'] + 999_999}/blob-handles", data=b"x", headers=headers).status_code == 404
    assert client.get("/attachments", params={"type": "test-step-logs"}).status_code == 400


# test cases by PID

def test_a_test_case_is_read_by_its_pid_too(client):
    case = client.case("By pid")
    assert client.get(f"/test-cases/{case['pid']}").json()["id"] == case["id"]
    assert client.get(f"/test-cases/{case['pid'].lower()}").json()["id"] == case["id"]
    assert client.get("/test-cases/TC-99999").status_code == 404


# test logs

def test_a_test_log_names_its_run(client):
    _, run, answer = logged_run(client)
    assert answer.json()["test_run_id"] == run["id"]


@pytest.mark.parametrize("planned, status", [(-1, 400), (10_000_000, 400), (0, 201), (9_999_999, 201)])
def test_planned_execution_time_is_bounded(client, planned, status):
    assert logged_run(client, planned_exe_time=planned)[2].status_code == status


def test_the_build_of_a_test_log_cannot_be_modified(client):
    _, run, answer = logged_run(client, build_number="41", build_url="https://ci.example.com/41")
    log = answer.json()
    path = f"/test-runs/{run['id']}/test-logs/{log['id']}"
    body = {"status": {"id": 602}, "exe_start_date": START, "exe_end_date": END}
    assert client.put(path, json=dict(body, build_number="42")).status_code == 400
    assert client.put(path, json=dict(body, build_url="https://ci.example.com/42")).status_code == 400
    kept = client.put(path, json=dict(body, build_number="41"))
    assert kept.status_code == 200 and kept.json()["build_number"] == "41" and kept.json()["status"]["id"] == 602


# search: the object types search_api lists

def test_search_reaches_releases_cycles_suites_and_logs(client):
    client.post("/releases", json={"name": "Spring", "properties": []})
    cycle = client.cycle("Sprint 1")
    client.post("/test-suites", params={"parentId": cycle["id"], "parentType": "test-cycle"},
                json={"name": "Smoke", "properties": []})
    _, run, _ = logged_run(client)

    def found(object_type, query):
        answer = client.post("/search", json={"object_type": object_type, "fields": ["*"], "query": query})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    assert [r["name"] for r in found("releases", "Name = 'Spring'")] == ["Spring"]
    assert [c["id"] for c in found("test-cycles", f"PID = '{cycle['pid']}'")] == [cycle["id"]]
    assert [s["name"] for s in found("test-suites", "Name ~ 'smo'")] == ["Smoke"]
    assert [log["test_run_id"] for log in found("test-logs", "Name = 'Logged'")] == [run["id"]]
    assert found("builds", "Name = 'x'") == []


@pytest.mark.parametrize("object_type", ["test-cases", "test-runs", "test-logs", "releases", "test-cycles",
                                         "test-suites"])
def test_search_in_an_empty_project_finds_nothing(client, object_type):
    answer = client.post("/search", json={"object_type": object_type, "fields": ["*"], "query": "Name = 'x'"})
    assert answer.status_code == 200 and answer.json()["items"] == []
