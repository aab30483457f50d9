"""qTest simulator: releases, cycles, suites, runs and manual test logs."""

import pytest

from tests.integration.sandbox.qtest.helpers import QTestClient, client, property_value, qtest, qtest_server  # noqa: F401
from ztoq_luigi.sandbox.qtest.server import start_qtest

START, END = "2024-05-01T10:00:00+00:00", "2024-05-01T10:05:00+00:00"


def approved_case(client, steps=2):
    case = client.case("Executable", steps=[{"description": f"s{n}", "expected": f"e{n}"} for n in range(steps)])
    return client.put(f"/test-cases/{case['id']}/approve").json()


def log_body(status_id, **extra):
    return {"status": {"id": status_id}, "exe_start_date": START, "exe_end_date": END, **extra}


# containers

def test_cycles_nest_under_releases_and_cycles_with_hyphenated_descendants(client):
    release = client.post("/releases", json={"name": "R1", "properties": []})
    assert release.status_code == 201 and release.json()["pid"].startswith("RL-")
    top = client.cycle("Sprint", release.json()["id"], "release")
    inner = client.cycle("Regression", top["id"], "test-cycle")
    suite = client.post("/test-suites", params={"parentId": inner["id"], "parentType": "test-cycle"},
                        json={"name": "Smoke", "properties": []})
    assert suite.status_code == 201
    assert suite.json()["parentId"] == inner["id"] and suite.json()["parentType"] == "test-cycle"
    listed = client.get("/test-cycles", params={"parentId": release.json()["id"], "parentType": "release",
                                                "expand": "descendants"}).json()
    assert listed[0]["test-cycles"][0]["name"] == "Regression"
    assert listed[0]["test-cycles"][0]["test-suites"][0]["name"] == "Smoke"
    assert "parent_id" not in listed[0] and top["pid"].startswith("CL-")
    assert client.get("/test-cycles").json() == []


def test_container_parents_are_checked(client):
    assert client.post("/test-cycles", params={"parentId": 5, "parentType": "test-cycle"}, json={"name": "x"}).status_code == 404
    assert client.post("/test-cycles", params={"parentId": 5, "parentType": "module"}, json={"name": "x"}).status_code == 400
    assert client.post("/test-cycles", params={"parentId": 5}, json={"name": "x"}).status_code == 400
    cycle = client.cycle("C")
    suite = client.post("/test-suites", params={"parentId": cycle["id"], "parentType": "test-cycle"}, json={"name": "S"})
    assert suite.status_code == 400, "suites require properties"


def test_cycle_move_ignores_body_and_delete_needs_force(client):
    a, b = client.cycle("A"), client.cycle("B")
    moved = client.put(f"/test-cycles/{b['id']}", params={"parentId": a["id"], "parentType": "test-cycle"},
                       json={"name": "Ignored"})
    assert moved.json()["name"] == "B"
    assert [c["name"] for c in client.get("/test-cycles", params={"parentId": a["id"], "parentType": "test-cycle"}).json()] == ["B"]
    assert client.delete(f"/test-cycles/{a['id']}").status_code == 400
    assert client.delete(f"/test-cycles/{a['id']}", params={"force": "true"}).status_code == 200
    assert client.get(f"/test-cycles/{b['id']}").status_code == 404


def test_a_cycle_moves_to_any_container_and_is_listed_there_only(client):
    release = client.post("/releases", json={"name": "R1", "properties": []}).json()
    folder, cycle = client.cycle("Folder"), client.cycle("Moved")
    root = {"parentId": 0, "parentType": "root"}

    def listed(params):
        return [c["id"] for c in client.get("/test-cycles", params=params).json()]

    under_folder = {"parentId": folder["id"], "parentType": "test-cycle"}
    assert client.put(f"/test-cycles/{cycle['id']}", params=under_folder, json={}).status_code == 200
    assert listed(under_folder) == [cycle["id"]] and cycle["id"] not in listed(root)
    under_release = {"parentId": release["id"], "parentType": "release"}
    assert client.put(f"/test-cycles/{cycle['id']}", params=under_release, json={}).status_code == 200
    assert listed(under_release) == [cycle["id"]] and listed(under_folder) == []
    assert client.put(f"/test-cycles/{cycle['id']}", params=root, json={}).status_code == 200
    assert listed(root) == [folder["id"], cycle["id"]] and listed(under_release) == []


def test_a_cycle_move_is_checked_like_a_creation(client):
    outer = client.cycle("Outer")
    inner = client.cycle("Inner", outer["id"], "test-cycle")

    def put(params, **kw):
        return client.put(f"/test-cycles/{outer['id']}", params=params, **kw).status_code

    assert put({"parentId": inner["id"], "parentType": "module"}, json={}) == 400
    assert put({"parentId": inner["id"], "parentType": "test-suite"}, json={}) == 400
    assert put({"parentId": inner["id"]}, json={}) == 400, "parentType is needed with a parentId"
    assert put({"parentType": "test-cycle"}, json={}) == 400, "parentId is needed with a container type"
    assert put({"parentId": 5, "parentType": "root"}, json={}) == 400, "root is 0"
    assert put({"parentId": 999, "parentType": "test-cycle"}, json={}) == 404
    assert put({"parentId": 999, "parentType": "release"}, json={}) == 404
    assert put({"parentId": inner["id"], "parentType": "test-cycle"}, json={}) == 400, "not under itself"
    assert put({"parentId": 0, "parentType": "root"}, data=b"", headers={"Content-Type": "application/json"}) == 400, \
        "TestCycleResource is a required body"
    assert [c["id"] for c in client.get("/test-cycles").json()] == [outer["id"]], "nothing moved"


def test_a_cycle_targets_another_release_by_a_put_of_its_body_never_by_a_move(client):
    first, second = (client.post("/releases", json={"name": name, "properties": []}).json()["id"]
                     for name in ("R1", "R2"))
    cycle = client.post("/test-cycles", json={"name": "C", "target_release_id": first}).json()
    path = f"/test-cycles/{cycle['id']}"

    def target():
        return client.get(path).json().get("target_release_id")

    assert target() == first
    root = {"parentId": 0, "parentType": "root"}
    assert client.put(path, params=root, json={"name": "C", "target_release_id": second}).status_code == 200
    assert target() == first, "a move ignores its body, the target with it"
    assert client.put(path, json={"name": "C", "target_release_id": 999}).status_code == 404, "no such release"
    assert client.put(path, json={"name": "C", "target_release_id": cycle["id"]}).status_code == 404, \
        "a cycle is no release"
    assert client.put(path, json={"name": "C", "target_build_id": 5}).status_code == 404, "no such build"
    assert target() == first, "a rejected update changes nothing"
    answer = client.put(path, json={"name": "C", "target_release_id": second})
    assert answer.status_code == 200 and answer.json()["target_release_id"] == second == target()
    assert client.put(path, json={"name": "C2"}).status_code == 200 and target() == second, "left out, it stays"
    assert client.put(path, json={"name": "C2", "target_release_id": None}).status_code == 200
    assert target() is None, "null: the cycle targets no release"


def test_a_release_is_updated_in_place_with_its_properties_required(client):
    release = client.post("/releases", json={"name": "R1", "description": "old", "properties": []}).json()
    path = f"/releases/{release['id']}"
    assert client.put(path, json={"name": "R2", "description": "new"}).status_code == 400, "properties required"
    assert client.put(path, json={"name": " ", "properties": []}).status_code == 400
    assert client.put(path, json={"name": "x" * 501, "properties": []}).status_code == 400
    assert client.put("/releases/999", json={"name": "R2", "properties": []}).status_code == 404
    updated = client.put(path, json={"name": "R2", "description": "new", "properties": []})
    assert updated.status_code == 200 and (updated.json()["name"], updated.json()["description"]) == ("R2", "new")
    assert client.put(path, json={"description": "newer", "properties": []}).json()["name"] == "R2"
    read = client.get(path).json()
    assert (read["id"], read["pid"], read["name"], read["description"]) == (release["id"], release["pid"], "R2", "newer")
    assert [r["name"] for r in client.get("/releases").json()] == ["R2"]


# runs

def test_fresh_run_is_unexecuted_and_uses_the_latest_version(client):
    case = approved_case(client)
    cycle = client.cycle("C")
    run = client.run(case["id"], cycle["id"])
    assert run["parentId"] == cycle["id"] and run["parentType"] == "test-cycle" and run["pid"].startswith("TR-")
    status = property_value(run, "Status")
    assert status["field_value"] == "605" and status["field_value_name"] == "Unexecuted"
    assert run["test_case_version_id"] == case["test_case_version_id"] and run["test_case_version"] == "1.0"
    assert run["Test-Run"] == "Executable" and "latest_test_log" not in run
    expanded = client.get(f"/test-runs/{run['id']}", params={"expand": "testcase.teststep"}).json()
    assert len(expanded["test_case"]["test_steps"]) == 2


def test_run_creation_refusals(client):
    case = approved_case(client)
    other = client.case("Other")
    cycle = client.cycle("C")
    params = {"parentId": cycle["id"], "parentType": "test-cycle"}
    assert client.post("/test-runs", params=params, json={"test_case": {"id": 1}, "properties": []}).status_code == 404
    assert client.post("/test-runs", params=params, json={"test_case": {"id": case["id"]}}).status_code == 400
    foreign = {"test_case": {"id": case["id"]}, "test_case_version_id": other["test_case_version_id"], "properties": []}
    assert client.post("/test-runs", params=params, json=foreign).status_code == 400
    assert client.post("/test-runs", params={"parentId": 7, "parentType": "test-suite"},
                       json={"test_case": {"id": case["id"]}, "properties": []}).status_code == 404


def test_runs_page_as_an_object_and_walk_to_the_end(client):
    case = approved_case(client, steps=0)
    cycle = client.cycle("Big")
    created = [client.run(case["id"], cycle["id"], name=f"Run {n}")["id"] for n in range(23)]
    seen, page = [], 1
    while True:
        body = client.get("/test-runs", params={"parentId": cycle["id"], "parentType": "test-cycle",
                                                "page": page, "pageSize": 10}).json()
        assert set(body) == {"links", "page", "page_size", "total", "items"}
        assert body["total"] == 23 and body["page"] == page and body["page_size"] == 10
        seen.extend(r["id"] for r in body["items"])
        if page * body["page_size"] >= body["total"]:
            break
        page += 1
    assert seen == created
    default = client.get("/test-runs", params={"parentId": cycle["id"], "parentType": "test-cycle"}).json()
    assert default["page_size"] == 100
    too_big = client.get("/test-runs", params={"parentId": cycle["id"], "parentType": "test-cycle", "pageSize": 1000})
    assert too_big.status_code == 400


def test_page_size_above_the_limit_can_be_capped_instead():
    app, server = start_qtest(page_size_overflow="cap")
    try:
        body = QTestClient(server).get("/test-runs", params={"pageSize": 5000}).json()
        assert body["page_size"] == 999
    finally:
        server.stop()


def test_runs_under_suites_and_descendants(client):
    case = approved_case(client, steps=0)
    cycle = client.cycle("C")
    suite = client.post("/test-suites", params={"parentId": cycle["id"], "parentType": "test-cycle"},
                        json={"name": "S", "properties": []}).json()
    direct = client.run(case["id"], cycle["id"])
    nested = client.run(case["id"], suite["id"], "test-suite")
    params = {"parentId": cycle["id"], "parentType": "test-cycle"}
    assert [r["id"] for r in client.get("/test-runs", params=params).json()["items"]] == [direct["id"]]
    everything = client.get("/test-runs", params=dict(params, expand="descendants")).json()["items"]
    assert {r["id"] for r in everything} == {direct["id"], nested["id"]}
    assert [link["rel"] for link in nested["links"]] == ["test-case", "test-cycle", "test-suite", "self"]
    moved = client.put(f"/test-runs/{nested['id']}", params={"parentId": 0, "parentType": "root"}, json={"name": "x"}).json()
    assert moved["parentType"] == "root" and moved["parentId"] == 0 and moved["name"] == nested["Test-Run"]


def test_a_run_is_renamed_by_a_put_whose_properties_and_test_case_are_required(client):
    case = approved_case(client, steps=0)
    run = client.run(case["id"], client.cycle("C")["id"])
    path = f"/test-runs/{run['id']}"
    own, other = {"id": case["id"], "properties": []}, {"id": approved_case(client, steps=0)["id"], "properties": []}
    assert client.put(path, json={"name": "Renamed", "test_case": own}).status_code == 400, \
        "TestRunWithCustomFieldResource.properties"
    assert client.put(path, json={"name": "Renamed", "properties": []}).status_code == 400, "its test_case"
    assert client.put(path, json={"name": "Renamed", "properties": [], "test_case": {"id": case["id"]}}
                      ).status_code == 400, "TestCaseWithCustomFieldResource.properties"
    assert client.put(path, json={"name": "Renamed", "properties": [], "test_case": other}).status_code == 400, \
        "a run keeps its test case"
    assert client.get(path).json()["name"] == run["Test-Run"]
    renamed = client.put(path, json={"name": "Renamed", "properties": [], "test_case": own})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed" == client.get(path).json()["name"]
    assert renamed.json()["properties"] == client.get(path).json()["properties"] == run["properties"], \
        "an empty list changes no property"


def test_execution_statuses(client):
    statuses = client.get("/test-runs/execution-statuses").json()
    assert {s["id"]: s["name"] for s in statuses} == {601: "Passed", 602: "Failed", 603: "Incomplete",
                                                      604: "Blocked", 605: "Unexecuted"}
    assert [s["id"] for s in statuses if s["is_default"]] == [605]


# logs

def test_run_status_follows_the_last_submitted_log(client):
    case = approved_case(client)
    run = client.run(case["id"], client.cycle("C")["id"])
    first = client.post(f"/test-runs/{run['id']}/test-logs", json=log_body(602, note="broken"))
    assert first.status_code == 201 and first.json()["status"]["name"] == "Failed"
    after_fail = client.get(f"/test-runs/{run['id']}").json()
    assert property_value(after_fail, "Status")["field_value_name"] == "Failed"
    assert after_fail["latest_test_log"]["status"] == "Failed"
    for status in (603, 604, 601):
        client.post(f"/test-runs/{run['id']}/test-logs", json=log_body(status))
    assert property_value(client.get(f"/test-runs/{run['id']}").json(), "Status")["field_value"] == "601"
    assert client.get(f"/test-runs/{run['id']}/test-logs/last-run").json()["status"]["id"] == 601
    statuses, page = [], 1
    while True:
        logs = client.get(f"/test-runs/{run['id']}/test-logs", params={"pageSize": 3, "page": page}).json()
        assert logs["total"] == 4 and logs["page_size"] == 3
        statuses.extend(item["status"]["id"] for item in logs["items"])
        if not logs["items"] or page * 3 >= logs["total"]:
            break
        page += 1
    assert statuses == [602, 603, 604, 601] and page == 2


def test_log_binds_to_the_latest_approved_version_and_checks_its_steps(client):
    case = approved_case(client)
    updated = client.put(f"/test-cases/{case['id']}", json={"description": "changed", "properties": []}).json()
    assert updated["version"] == "1.1"
    run = client.run(case["id"], client.cycle("C")["id"], test_case_version_id=updated["test_case_version_id"])
    approved_step = case["test_steps"][0]["id"]
    newer_step = updated["test_steps"][0]["id"]
    log = client.post(f"/test-runs/{run['id']}/test-logs", json=log_body(
        601, test_step_logs=[{"test_step_id": approved_step, "status": {"id": 601}, "actual_result": "ok"}]))
    assert log.status_code == 201, log.text
    assert log.json()["test_case_version_id"] == case["test_case_version_id"]
    wrong_version = log_body(601, test_step_logs=[{"test_step_id": newer_step, "status": {"id": 601}}])
    assert client.post(f"/test-runs/{run['id']}/test-logs", json=wrong_version).status_code == 400
    explicit = log_body(601, test_case_version_id=updated["test_case_version_id"],
                        test_step_logs=[{"test_step_id": newer_step, "status": {"id": 602}, "order": 1}])
    assert client.post(f"/test-runs/{run['id']}/test-logs", json=explicit).status_code == 201


def test_log_refusals(client):
    case = approved_case(client)
    run = client.run(case["id"], client.cycle("C")["id"])
    path = f"/test-runs/{run['id']}/test-logs"
    assert client.post(path, json=log_body(609)).status_code == 400
    assert client.post(path, json={"status": {"id": 601}, "exe_end_date": END}).status_code == 400
    assert client.post(path, json=dict(log_body(601), exe_start_date="2024-05-01 10:00")).status_code == 400
    assert client.post(path, json=dict(log_body(601), exe_end_date="2024-05-01T10:05:00")).status_code == 400
    assert client.post(path, json=dict(log_body(601), exe_start_date=END, exe_end_date=START)).status_code == 400
    steps = log_body(601, test_step_logs=[{"test_step_id": 123, "status": {"id": 601}}])
    assert client.post(path, json=steps).status_code == 400
    bad_step_status = log_body(601, test_step_logs=[{"test_step_id": case["test_steps"][0]["id"], "status": {"id": 1}}])
    assert client.post(path, json=bad_step_status).status_code == 400
    assert client.post("/test-runs/1/test-logs", json=log_body(601)).status_code == 404
    assert client.get(path).json()["total"] == 0


def test_log_without_version_on_a_never_approved_case(client):
    draft = client.case("Draft")
    run = client.run(draft["id"], client.cycle("C")["id"])
    refused = client.post(f"/test-runs/{run['id']}/test-logs", json=log_body(601))
    assert refused.status_code == 400 and "approved" in refused.json()["message"]
    app, server = start_qtest(unapproved_log_policy="run_version")
    try:
        other = QTestClient(server)
        case = other.case("Draft")
        run = other.run(case["id"], other.cycle("C")["id"])
        accepted = other.post(f"/test-runs/{run['id']}/test-logs", json=log_body(601))
        assert accepted.json()["test_case_version_id"] == case["test_case_version_id"]
    finally:
        server.stop()


def test_log_update_keeps_step_orders(client):
    case = approved_case(client)
    run = client.run(case["id"], client.cycle("C")["id"])
    step = case["test_steps"][1]["id"]
    log = client.post(f"/test-runs/{run['id']}/test-logs", json=log_body(
        602, test_step_logs=[{"test_step_id": step, "status": {"id": 602}, "actual_result": "no"}])).json()
    assert log["test_step_logs"][0]["order"] == 2
    changed = client.put(f"/test-runs/{run['id']}/test-logs/{log['id']}", json=log_body(
        601, test_step_logs=[{"test_step_id": step, "status": {"id": 601}, "order": 2}]))
    assert changed.status_code == 200 and changed.json()["status"]["id"] == 601
    assert property_value(client.get(f"/test-runs/{run['id']}").json(), "Status")["field_value"] == "601"
    reordered = log_body(601, test_step_logs=[{"test_step_id": step, "status": {"id": 601}, "order": 1}])
    assert client.put(f"/test-runs/{run['id']}/test-logs/{log['id']}", json=reordered).status_code == 400


@pytest.mark.parametrize("policy, expected", [("submitted", 601), ("exe_end_date", 602)])
def test_run_status_policy_is_configurable(policy, expected):
    app, server = start_qtest(run_status_policy=policy)
    try:
        client = QTestClient(server)
        case = approved_case(client, steps=0)
        run = client.run(case["id"], client.cycle("C")["id"])
        late = dict(log_body(602), exe_start_date="2024-06-01T00:00:00Z", exe_end_date="2024-06-01T00:01:00Z")
        client.post(f"/test-runs/{run['id']}/test-logs", json=late)
        client.post(f"/test-runs/{run['id']}/test-logs", json=log_body(601))
        assert property_value(client.get(f"/test-runs/{run['id']}").json(), "Status")["field_value"] == str(expected)
    finally:
        server.stop()


def test_called_steps_are_logged_through_their_call_step(client):
    login = client.case("Login", steps=[{"description": "type password", "expected": "accepted"}])
    flow = client.case("Checkout", steps=[{"description": "", "expected": "", "called_test_case_id": login["id"]}])
    flow = client.put(f"/test-cases/{flow['id']}/approve").json()
    call_step, called_step = flow["test_steps"][0]["id"], login["test_steps"][0]["id"]
    run = client.run(flow["id"], client.cycle("C")["id"])
    path = f"/test-runs/{run['id']}/test-logs"
    through_call = {"test_step_id": called_step, "status": {"id": 601}, "order": 1,
                    "called_test_case_id": login["id"], "parent_test_step_id": call_step}
    logged = client.post(path, json=log_body(601, test_step_logs=[through_call]))
    assert logged.status_code == 201, logged.text
    assert logged.json()["test_step_logs"][0]["parent_test_step_id"] == call_step
    without_parent = {"test_step_id": called_step, "status": {"id": 601}}
    assert client.post(path, json=log_body(601, test_step_logs=[without_parent])).status_code == 400
    wrong_case = dict(through_call, called_test_case_id=flow["id"])
    assert client.post(path, json=log_body(601, test_step_logs=[wrong_case])).status_code == 400
