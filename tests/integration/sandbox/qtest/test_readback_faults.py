"""qTest simulator: the read-back/tamper API, fault injection through this server, and counters."""

import hashlib
import time

import pytest
import requests

from tests.integration.sandbox.qtest.helpers import client, property_value, qtest, qtest_server  # noqa: F401
from ztoq_luigi.sandbox.faults import FaultConfig, profile

CASES = "/api/v3/projects/{projectId}/test-cases"
MODULES = "/api/v3/projects/{projectId}/modules"
SEARCH = "/api/v3/projects/{projectId}/search"
START, END = "2024-05-01T10:00:00+00:00", "2024-05-01T10:05:00+00:00"


def executed(client):
    module = client.module("Pump")
    child = client.module("Axial", module["id"])
    case = client.case("Check", child["id"], steps=[{"description": "d", "expected": "e"}])
    case = client.put(f"/test-cases/{case['id']}/approve").json()
    run = client.run(case["id"], client.cycle("Sprint")["id"])
    log = client.post(f"/test-runs/{run['id']}/test-logs", json={
        "status": {"id": 602}, "exe_start_date": START, "exe_end_date": END, "note": "n",
        "test_step_logs": [{"test_step_id": case["test_steps"][0]["id"], "status": {"id": 602}, "actual_result": "bad"}],
        "attachments": [{"name": "a.txt", "content_type": "text/plain", "data": "SGVsbG8="}]}).json()
    return case, run, log


# read-back

def test_read_back_speaks_paths_and_labels(qtest, client):
    state = qtest[0].state
    case, run, log = executed(client)
    assert [n["path"] for n in state.module_tree()] == ["Pump"]
    assert state.module_tree()[0]["children"][0]["path"] == "Pump/Axial"
    assert state.module_by_path("Pump/Axial")["id"] == case["parent_id"]
    [stored] = state.test_cases(module_path="Pump/Axial")
    assert stored["version"] == "1.0" and stored["properties"]["Priority"] == "Medium"
    assert stored["steps"][0]["description"] == "d"
    assert state.run(run["id"])["status"] == "Failed" and state.run(run["id"])["log_ids"] == [log["id"]]
    [stored_log] = state.logs(run["id"])
    assert stored_log["step_logs"][0]["status"] == "Failed" and stored_log["test_case_version"] == "1.0"
    [file] = state.attachment_files("test-logs", log["id"])
    assert file["data"] == b"Hello" and file["sha256"] == hashlib.sha256(b"Hello").hexdigest()
    assert state.containers("test-cycle")[0]["path"] == "Sprint"
    assert state.counts()["test_logs"] == 1


def test_lookups_by_label_match_the_api(qtest, client):
    state = qtest[0].state
    assert state.field_id("test-cases", "Priority") == client.field("test-cases", "Priority")["id"]
    assert state.allowed_value_id("test-cases", "Priority", "High") == client.value_id("test-cases", "Priority", "High")
    assert state.status_id("Blocked") == 604
    users = {u["username"]: u["id"] for u in client.get("/users").json()}
    assert state.user_id("Jane Roe") == users["jane.roe@example.com"]
    with pytest.raises(KeyError):
        state.field_id("test-cases", "Nope")


def test_tampering_is_visible_to_clients(qtest, client):
    state = qtest[0].state
    case, run, log = executed(client)
    state.modify("test-run", run["id"], name="Renamed behind your back")
    assert client.get(f"/test-runs/{run['id']}").json()["name"] == "Renamed behind your back"
    state.modify("test-case", case["id"], properties={"Priority": "Low"})
    changed = client.get(f"/test-cases/{case['id']}").json()
    assert property_value(changed, "Priority")["field_value_name"] == "Low" and changed["version"] == "1.0"
    attachment = state.attachment_files("test-logs", log["id"])[0]
    state.corrupt_attachment(attachment["id"], b"garbage")
    downloaded = client.get(f"/test-logs/{log['id']}/attachments/{attachment['id']}",
                            params={"forceDownload": "true"}).content
    assert hashlib.sha256(downloaded).hexdigest() != attachment["sha256"]
    state.delete("test-case", case["id"])
    assert client.get(f"/test-cases/{case['id']}").status_code == 404
    assert client.get(f"/test-runs/{run['id']}").status_code == 404
    assert state.counts()["test_logs"] == 0 and state.counts()["attachments"] == 0


def test_tampered_names_are_found_by_search(qtest, client):
    state = qtest[0].state
    case = client.case("Before")
    state.modify("test-case", case["id"], name="After")
    found = client.post("/search", json={"object_type": "test-cases", "query": "Name = 'After'"}).json()
    assert [i["id"] for i in found["items"]] == [case["id"]]


def test_reset_empties_the_project_but_keeps_site_ids(qtest, client):
    state = qtest[0].state
    priority = state.field_id("test-cases", "Priority")
    client.post("/settings/test-cases/fields", json={"label": "Custom", "data_type": 1})
    executed(client)
    state.reset()
    assert set(state.counts().values()) == {0}
    assert state.field_id("test-cases", "Priority") == priority
    with pytest.raises(KeyError):
        state.field_id("test-cases", "Custom")


# faults through this server

def test_scripted_throttling_and_server_errors(qtest, client):
    faults = qtest[0].faults
    faults.inject("429", "GET", MODULES, retry_after="0")
    faults.inject("429", "GET", MODULES, retry_after=None)
    throttled = client.get("/modules")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "0"
    assert "message" in throttled.json()
    assert "Retry-After" not in client.get("/modules").headers
    for action in ("500", "502", "503"):
        faults.inject(action, "GET", MODULES)
        assert client.get("/modules").status_code == int(action)
    assert client.get("/modules").status_code == 200


def test_drop_before_creates_nothing(qtest, client):
    app = qtest[0]
    app.faults.inject("drop_before", "POST", CASES)
    with pytest.raises(requests.ConnectionError):
        client.post("/test-cases", json={"name": "lost", "properties": []})
    assert app.state.counts()["test_cases"] == 0


def test_drop_after_and_applied_502_leave_the_case_created(qtest, client):
    app = qtest[0]
    module = client.module("M")
    app.faults.inject("drop_after", "POST", CASES)
    with pytest.raises(requests.ConnectionError):
        client.post("/test-cases", json={"name": "dropped", "parent_id": module["id"], "properties": []})
    app.faults.inject("applied_502", "POST", CASES)
    failed = client.post("/test-cases", json={"name": "gateway", "parent_id": module["id"], "properties": []})
    assert failed.status_code == 502
    assert sorted(c["name"] for c in app.state.test_cases()) == ["dropped", "gateway"]
    listed = client.get("/test-cases", params={"parentId": module["id"], "page": 1, "size": 20}).json()
    assert sorted(c["name"] for c in listed) == ["dropped", "gateway"]


def test_random_fault_rates(qtest, client):
    faults = qtest[0].faults
    faults.configure(FaultConfig(error_rate=1.0))
    assert client.get("/modules").status_code in (500, 502, 503)
    faults.configure(FaultConfig(throttle_rate=1.0, seed=3))
    assert client.get("/modules").status_code == 429
    faults.configure(FaultConfig(drop_rate=1.0))
    with pytest.raises(requests.ConnectionError):
        client.post("/modules", json={"name": "x"})
    assert client.get("/modules").status_code == 200


def test_rate_limit_budget_outage_and_latency(qtest, client):
    faults = qtest[0].faults
    faults.configure(profile("throttled", rate_limit_rps=3))
    statuses = [client.get("/modules").status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
    faults.configure(FaultConfig())
    faults.start_outage(2.0)  # long enough for the next request to fall inside it on a loaded machine
    assert client.get("/modules").status_code == 503
    time.sleep(2.1)
    assert client.get("/modules").status_code == 200
    faults.configure(FaultConfig(latency_ms=80))
    started = time.monotonic()
    client.get("/modules")
    assert time.monotonic() - started >= 0.08


def test_write_hook_sees_the_applied_write(qtest, client):
    app = qtest[0]
    seen = []
    app.add_write_hook(lambda request, response: seen.append((request.route, response.status, app.state.counts()["modules"])))
    client.module("Hooked")
    assert seen == [(MODULES, 201, 1)]


def test_counters_record_every_request_by_route_template(qtest, client):
    app = qtest[0]
    module = client.module("M")
    for n in range(3):
        client.case(f"c{n}", module["id"])
    client.get("/test-cases", params={"parentId": module["id"], "page": 1, "size": 20})
    app.faults.inject("503", "POST", CASES)
    client.post("/test-cases", json={"name": "x", "properties": []})
    assert app.counters.get("POST", CASES) == 4
    assert app.counters.get("GET", CASES) == 1
    assert app.counters.get("POST", MODULES) == 1
    assert app.counters.writes() == 5


def test_a_search_sent_by_post_is_not_a_write(qtest, client):
    app = qtest[0]
    client.module("Written")
    answer = client.post("/search", json={"object_type": "test-cases", "fields": ["*"], "query": "Name ~ 'W'"})
    assert answer.status_code == 200, answer.text
    assert app.counters.get("POST", SEARCH) == 1
    assert app.counters.writes() == 1, "only the module changed qTest"
