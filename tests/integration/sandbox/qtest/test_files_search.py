"""qTest simulator: blob-handle attachments and the Data Query search."""

import hashlib
import os
import time

import pytest

from tests.integration.sandbox.qtest.helpers import client, qtest, qtest_server  # noqa: F401

START, END = "2024-05-01T10:00:00+00:00", "2024-05-01T10:05:00+00:00"


def upload(client, object_type, object_id, data, name="shot.png", content_type="image/png"):
    headers = {"Content-Type": content_type}
    if name is not None:
        headers["File-Name"] = name
    return client.post(f"/{object_type}/{object_id}/blob-handles", data=data, headers=headers)


def run_with_log(client):
    case = client.case("Logged", steps=[{"description": "d", "expected": "e"}])
    case = client.put(f"/test-cases/{case['id']}/approve").json()
    run = client.run(case["id"], client.cycle("C")["id"])
    log = client.post(f"/test-runs/{run['id']}/test-logs",
                      json={"status": {"id": 601}, "exe_start_date": START, "exe_end_date": END}).json()
    return case, run, log


# attachments

def test_blob_handle_round_trip_keeps_bytes_and_content_type(client):
    case = client.case("With file")
    data = os.urandom(70_000)
    created = upload(client, "test-cases", case["id"], data)
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "shot.png" and body["content_type"] == "image/png" and body["artifact_id"] == case["id"]
    listed = client.get(f"/test-cases/{case['id']}/attachments").json()
    assert [a["id"] for a in listed] == [body["id"]]
    downloaded = client.get(f"/test-cases/{case['id']}/attachments/{body['id']}", params={"forceDownload": "true"})
    assert downloaded.headers["Content-Type"] == "image/png"
    assert hashlib.sha256(downloaded.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert client.delete(f"/test-cases/{case['id']}/blob-handles/{body['id']}").status_code == 200
    assert client.get(f"/test-cases/{case['id']}/attachments").json() == []


def test_attachments_on_logs_and_steps_but_not_runs_or_cycles(client):
    case, run, log = run_with_log(client)
    assert upload(client, "test-logs", log["id"], b"log text", "out.txt", "text/plain").status_code == 201
    step_id = case["test_steps"][0]["id"]
    assert upload(client, "test-steps", step_id, b"x", "s.bin", "application/octet-stream").status_code == 201
    assert upload(client, "test-runs", run["id"], b"x").status_code == 400
    assert upload(client, "test-cycles", run["parentId"], b"x").status_code == 400
    assert upload(client, "test-cases", 1, b"x").status_code == 404
    assert upload(client, "test-logs", log["id"], b"x", name=None).status_code == 400
    assert [a["name"] for a in client.get(f"/test-runs/{run['id']}/test-logs/{log['id']}").json()["attachments"]] == ["out.txt"]


def test_inline_log_attachments_are_decoded_from_base64(qtest, client):
    app, _ = qtest
    case, run, _ = run_with_log(client)
    log = client.post(f"/test-runs/{run['id']}/test-logs", json={
        "status": {"id": 602}, "exe_start_date": START, "exe_end_date": END,
        "attachments": [{"name": "console.log", "content_type": "text/plain", "data": "SGVsbG8="}]}).json()
    assert app.state.attachment_files("test-logs", log["id"])[0]["data"] == b"Hello"
    bad = {"status": {"id": 602}, "exe_start_date": START, "exe_end_date": END,
           "attachments": [{"name": "x", "content_type": "text/plain", "data": "not base64!"}]}
    assert client.post(f"/test-runs/{run['id']}/test-logs", json=bad).status_code == 400


def test_project_attachment_search_is_paged(client):
    first, second = client.case("A"), client.case("B")
    for case in (first, second, second):
        upload(client, "test-cases", case["id"], b"data")
    body = client.get("/attachments", params={"type": "test-cases", "ids": f"{second['id']}", "pageSize": 1}).json()
    assert body["total"] == 2 and len(body["items"]) == 1 and body["page_size"] == 1
    assert client.get("/attachments", params={"type": "test-cases"}).json()["total"] == 3
    assert client.get("/attachments").status_code == 400
    assert client.get("/attachments", params={"type": "test-cases", "ids": "a,b"}).status_code == 400


# search

def search(client, query, object_type="test-cases", **params):
    return client.post("/search", params=params, json={"object_type": object_type, "fields": ["*"], "query": query})


@pytest.fixture
def catalogue(client):
    key = client.post("/settings/test-cases/fields", json={"label": "Zephyr Key", "data_type": 1}).json()
    priority = client.field("test-cases", "Priority")
    high = str(client.value_id("test-cases", "Priority", "High"))
    cases = {}
    for n, name in enumerate(("Check axial pump", "Check radial pump", "Valve opens")):
        props = [{"field_id": key["id"], "field_value": f"SA-T{n + 1}"}]
        if n == 0:
            props.append({"field_id": priority["id"], "field_value": high})
        cases[name] = client.case(name, properties=props)
    return cases


def names(response):
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


def test_search_equality_contains_and_logic(client, catalogue):
    assert names(search(client, "'Zephyr Key' = 'SA-T2'")) == ["Check radial pump"]
    assert names(search(client, "Name = \"check AXIAL pump\"")) == ["Check axial pump"]
    assert names(search(client, "Name ~ 'pump'")) == ["Check axial pump", "Check radial pump"]
    assert names(search(client, "Name !~ 'pump'")) == ["Valve opens"]
    assert names(search(client, "Name ~ 'pump' and Priority = 'High'")) == ["Check axial pump"]
    assert names(search(client, "'Zephyr Key' = 'SA-T1' or 'Zephyr Key' = 'SA-T3'")) == ["Check axial pump", "Valve opens"]
    assert names(search(client, "(Name ~ 'radial' or Name ~ 'Valve') and 'Zephyr Key' ~ 'SA'")) == ["Check radial pump", "Valve opens"]
    valve = catalogue["Valve opens"]
    assert names(search(client, f"Id = {valve['id']}")) == ["Valve opens"]
    assert names(search(client, f"PID = '{valve['pid']}'")) == ["Valve opens"]
    assert names(search(client, "'Zephyr Key' = 'SA-T9'")) == []
    assert names(search(client, "Priority is 'not empty' and Priority = 'High'")) == ["Check axial pump"]
    assert names(search(client, "'Assigned To' is 'empty' and Name ~ 'Valve'")) == ["Valve opens"]


def test_search_result_is_a_paged_object_of_full_items(client, catalogue):
    found, page = [], 1
    while True:
        body = search(client, "Name ~ 'e'", page=page, pageSize=2).json()
        assert body["total"] == 3 and body["page_size"] == 2 and body["page"] == page
        found.extend(item["name"] for item in body["items"])
        if page * 2 >= body["total"]:
            break
        page += 1
    assert sorted(found) == sorted(catalogue) and page == 2
    assert {"properties", "pid", "test_case_version_id"} <= set(body["items"][0])
    projected = client.post("/search", json={"object_type": "test-cases", "fields": ["name"], "query": "Name ~ 'Valve'"})
    assert set(projected.json()["items"][0]) == {"id", "name", "links"}


def test_search_refusals(client, catalogue):
    assert search(client, "Colour = 'red'").status_code == 400
    assert search(client, "Name='x'").status_code == 400
    assert search(client, "Name = 'x' and").status_code == 400
    assert search(client, "(Name = 'x'").status_code == 400
    assert search(client, "Name = 'x'", object_type="modules").status_code == 400
    assert search(client, "Name = 'x'", pageSize=1000).status_code == 400
    empty = search(client, "Name = 'x'", object_type="requirements").json()
    assert empty["total"] == 0 and empty["items"] == []


def test_search_test_runs_by_status_label_or_id(client):
    case = client.put(f"/test-cases/{client.case('R')['id']}/approve").json()
    cycle = client.cycle("C")
    passed, untouched = client.run(case["id"], cycle["id"], name="passes"), client.run(case["id"], cycle["id"], name="idle")
    client.post(f"/test-runs/{passed['id']}/test-logs", json={"status": {"id": 601}, "exe_start_date": START, "exe_end_date": END})
    assert names(search(client, "Status = 'Passed'", "test-runs")) == ["passes"]
    assert names(search(client, "Status = '605'", "test-runs")) == ["idle"]
    item = search(client, "Name = 'passes'", "test-runs").json()["items"][0]
    assert item["parentId"] == cycle["id"] and item["latest_test_log"]["status"] == "Passed"
    assert untouched["id"] != passed["id"]


def test_equality_search_stays_fast_on_a_large_project(qtest, client):
    app, _ = qtest
    key = client.post("/settings/test-cases/fields", json={"label": "Zephyr Key", "data_type": 1}).json()
    module = app.state.add_module("Bulk")
    for n in range(20_000):
        app.state.add_test_case(module, f"Case {n}", {"Zephyr Key": f"BULK-T{n}"})
    started = time.monotonic()
    for n in range(0, 20_000, 400):
        assert names(search(client, f"'Zephyr Key' = 'BULK-T{n}'")) == [f"Case {n}"]
    assert time.monotonic() - started < 5
    assert key["id"] == app.state.field_id("test-cases", "Zephyr Key")
