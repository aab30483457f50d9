"""qTest simulator: modules, test cases, versions, steps and field settings."""

from concurrent.futures import ThreadPoolExecutor

from tests.integration.sandbox.qtest.helpers import QTestClient, client, property_value, qtest, qtest_server  # noqa: F401
from ztoq_luigi.sandbox.qtest.server import start_qtest


def priority(client, label="High"):
    fld = client.field("test-cases", "Priority")
    return {"field_id": fld["id"], "field_value": str(client.value_id("test-cases", "Priority", label))}


# modules

def test_module_tree_by_parent_and_with_descendants(client):
    top = client.module("Pump")
    child = client.module("Axial", top["id"])
    client.module("Valves", child["id"])
    client.module("Other")
    roots = client.get("/modules").json()
    assert [m["name"] for m in roots] == ["Pump", "Other"]
    assert "children" not in roots[0] and "parent_id" not in roots[0]
    assert [m["name"] for m in client.get("/modules", params={"parentId": top["id"]}).json()] == ["Axial"]
    tree = client.get("/modules", params={"expand": "descendants"}).json()
    axial = tree[0]["children"][0]
    assert axial["parent_id"] == top["id"] and axial["children"][0]["name"] == "Valves"
    assert {link["rel"] for link in axial["links"]} == {"self", "module"}
    assert child["pid"].startswith("MD-") and child["pid"] != top["pid"]


def test_module_with_unknown_parent_is_404(client):
    assert client.post("/modules", params={"parentId": 1}, json={"name": "x"}).status_code == 404


def test_module_move_ignores_the_body_and_delete_needs_force(client):
    a, b = client.module("A"), client.module("B")
    moved = client.put(f"/modules/{b['id']}", params={"parentId": a["id"]}, json={"name": "Renamed"}).json()
    assert moved["parent_id"] == a["id"] and moved["name"] == "B"
    assert client.put(f"/modules/{a['id']}", params={"parentId": b["id"]}, json={}).status_code == 400
    assert client.delete(f"/modules/{a['id']}").status_code == 400
    assert client.delete(f"/modules/{a['id']}", params={"force": "true"}).status_code == 200
    assert client.get(f"/modules/{b['id']}").status_code == 404


def test_case_without_parent_goes_to_one_created_via_api_module(client):
    first = client.case("No parent 1")
    second = client.case("No parent 2")
    roots = [m for m in client.get("/modules").json() if m["name"] == "Created via API"]
    assert len(roots) == 1
    assert first["parent_id"] == second["parent_id"] == roots[0]["id"]


# test cases: what is refused

def test_select_value_given_as_label_is_refused(client):
    fld = client.field("test-cases", "Priority")
    response = client.post("/test-cases", json={"name": "x", "properties": [{"field_id": fld["id"], "field_value": "High"}]})
    assert response.status_code == 400 and "message" in response.json()


def test_unknown_field_id_missing_name_and_missing_properties_are_refused(client):
    assert client.post("/test-cases", json={"name": "x", "properties": [{"field_id": 1, "field_value": "a"}]}).status_code == 400
    assert client.post("/test-cases", json={"properties": []}).status_code == 400
    assert client.post("/test-cases", json={"name": "x"}).status_code == 400
    run_field = client.field("test-runs", "Priority")["id"]
    assert client.post("/test-cases", json={"name": "x", "properties": [{"field_id": run_field, "field_value": "1"}]}).status_code == 400


def test_unknown_parent_and_bad_steps_are_refused_without_side_effects(qtest, client):
    app, _ = qtest
    assert client.post("/test-cases", json={"name": "x", "parent_id": 42, "properties": []}).status_code == 404
    no_description = {"name": "x", "properties": [], "test_steps": [{"expected": "e"}]}
    assert client.post("/test-cases", json=no_description).status_code == 400
    no_expected = {"name": "x", "properties": [], "test_steps": [{"description": "d"}]}
    assert client.post("/test-cases", json=no_expected).status_code == 400
    bad_call = {"name": "x", "properties": [], "test_steps": [{"description": "d", "expected": "e", "called_test_case_id": 9}]}
    assert client.post("/test-cases", json=bad_call).status_code == 404
    assert app.state.counts()["test_cases"] == 0 and app.state.counts()["modules"] == 0


def test_typed_values_are_checked(client):
    specs = {"Tags": (17, ["alpha", "beta"]), "Done": (8, ["Yes"]), "Effort": (7, []), "Due": (4, [])}
    ids = {}
    for label, (data_type, values) in specs.items():
        body = {"label": label, "data_type": data_type, "multiple": data_type in (8, 17),
                "allowed_values": [{"label": v} for v in values]}
        created = client.post("/settings/test-cases/fields", json=body)
        assert created.status_code == 201, created.text
        ids[label] = created.json()
    tags = [v["value"] for v in ids["Tags"]["allowed_values"]]

    def create(label, value):
        return client.post("/test-cases", json={"name": "t", "properties": [{"field_id": ids[label]["id"], "field_value": value}]})

    assert create("Tags", f"[{tags[0]},{tags[1]}]").status_code == 201
    assert create("Tags", "[alpha]").status_code == 400
    done = ids["Done"]["allowed_values"][0]["value"]
    assert create("Done", f"[{done}]").status_code == 201
    assert create("Done", "true").status_code == 400
    assert create("Effort", "3.5").status_code == 201
    assert create("Effort", "three").status_code == 400
    assert create("Due", "2024-05-01T00:00:00+00:00").status_code == 201
    assert create("Due", "2024-05-01").status_code == 400
    stored = create("Tags", str(tags[1])).json()
    assert property_value(stored, "Tags")["field_value_name"] == "beta"


def test_created_case_has_version_01_properties_with_names_and_numbered_steps(client):
    module = client.module("M")
    case = client.case("Check pump", module["id"], [priority(client)],
                       [{"description": "one", "expected": "1"}, {"description": "two", "expected": "2"}])
    assert case["version"] == "0.1" and case["pid"].startswith("TC-") and case["parent_id"] == module["id"]
    assert property_value(case, "Priority")["field_value_name"] == "High"
    assert property_value(case, "Status")["field_value_name"] == "New"
    assert [(s["order"], s["description"]) for s in case["test_steps"]] == [(1, "one"), (2, "two")]
    assert case["web_url"] and case["links"][0]["rel"] == "self"


def test_update_bumps_minor_version_and_approve_makes_a_major_one(client):
    case = client.case("V", steps=[{"description": "d", "expected": "e"}])
    updated = client.put(f"/test-cases/{case['id']}", json={"name": "V2", "properties": [priority(client, "Low")]}).json()
    assert updated["version"] == "0.2" and updated["test_case_version_id"] != case["test_case_version_id"]
    assert property_value(updated, "Priority")["field_value_name"] == "Low"
    approved = client.put(f"/test-cases/{case['id']}/approve").json()
    assert approved["version"] == "1.0" and approved["test_case_version_id"] != updated["test_case_version_id"]
    versions = client.get(f"/test-cases/{case['id']}/versions").json()
    assert [v["version"] for v in versions] == ["0.1", "0.2", "1.0"]
    old = client.get(f"/test-cases/{case['id']}", params={"versionId": case["test_case_version_id"]}).json()
    assert old["name"] == "V" and old["version"] == "0.1"
    old_steps = client.get(f"/test-cases/{case['id']}/versions/{case['test_case_version_id']}/test-steps").json()
    new_steps = client.get(f"/test-cases/{case['id']}/test-steps").json()
    assert old_steps[0]["id"] == case["test_steps"][0]["id"] and new_steps[0]["id"] != old_steps[0]["id"]
    assert client.get(f"/test-cases/{case['id']}", params={"versionId": 1}).status_code == 404


def test_test_steps_endpoints_and_call_steps(client):
    called = client.case("Login")
    case = client.case("Flow", steps=[{"description": "a", "expected": "1"}])
    added = client.post(f"/test-cases/{case['id']}/test-steps",
                        json={"description": "", "expected": "", "called_test_case_id": called["id"]}).json()
    assert added["called_test_case_id"] == called["id"] and added["called_test_case_name"] == "Login"
    assert added["order"] == 2
    first = client.get(f"/test-cases/{case['id']}/test-steps").json()[0]
    changed = client.put(f"/test-cases/{case['id']}/test-steps/{first['id']}", json={"expected": "2"}).json()
    assert changed["expected"] == "2"
    assert client.delete(f"/test-cases/{case['id']}/test-steps/{first['id']}").status_code == 200
    assert [s["id"] for s in client.get(f"/test-cases/{case['id']}/test-steps").json()] == [added["id"]]
    self_call = {"description": "", "expected": "", "called_test_case_id": case["id"]}
    assert client.post(f"/test-cases/{case['id']}/test-steps", json=self_call).status_code == 400


def test_test_case_list_pages_by_size_as_a_bare_array(client):
    module = client.module("Many")
    for n in range(45):
        client.case(f"Case {n}", module["id"])
    default = client.get("/test-cases", params={"parentId": module["id"]}).json()
    assert isinstance(default, list) and len(default) == 20
    names, page = [], 1
    while True:
        batch = client.get("/test-cases", params={"parentId": module["id"], "page": page, "size": 16}).json()
        names.extend(c["name"] for c in batch)
        if len(batch) < 16:
            break
        page += 1
    assert names == [f"Case {n}" for n in range(45)] and page == 3
    ignored = client.get("/test-cases", params={"parentId": module["id"], "pageSize": 100}).json()
    assert len(ignored) == 20
    bare = client.get("/test-cases", params={"parentId": module["id"], "expandProps": "false", "size": 1}).json()[0]
    assert "properties" not in bare and "test_steps" not in bare
    steps = client.get("/test-cases", params={"parentId": module["id"], "expandSteps": "true", "size": 1}).json()[0]
    assert steps["test_steps"] == []


def test_concurrent_creates_get_distinct_ids_and_pids(qtest):
    module = QTestClient(qtest[1]).module("Parallel")

    def create(n):
        return QTestClient(qtest[1]).case(f"p{n}", module["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(create, range(80)))
    assert len({c["id"] for c in created}) == len({c["pid"] for c in created}) == 80
    assert qtest[0].state.counts()["test_cases"] == 80


def test_delete_case(client):
    case = client.case("Gone")
    assert client.delete(f"/test-cases/{case['id']}").status_code == 200
    assert client.get(f"/test-cases/{case['id']}").status_code == 404


# field settings

def test_custom_field_creation_rules(client):
    text = client.post("/settings/test-cases/fields", json={"label": "Zephyr Key", "data_type": 1})
    assert text.status_code == 201 and text.json()["system_field"] is False
    assert client.post("/settings/test-cases/fields", json={"label": "zephyr key", "data_type": 1}).status_code == 400
    assert client.post("/settings/test-cases/fields", json={"label": "Priority", "data_type": 3}).status_code == 400
    assert client.post("/settings/test-cases/fields", json={"label": "Labels", "data_type": 17}).status_code == 400
    assert client.post("/settings/test-cases/fields", json={"label": "Bad", "data_type": 10}).status_code == 400
    assert client.post("/settings/test-logs/fields", json={"label": "X", "data_type": 1}).status_code == 400
    labels = [f["label"] for f in client.get("/settings/test-cases/fields").json()]
    assert "Zephyr Key" in labels


def test_allowed_values_can_be_added_and_used(client):
    fld = client.post("/settings/test-cases/fields",
                      json={"label": "Component", "data_type": 3, "allowed_values": [{"label": "Pump"}]}).json()
    added = client.post(f"/settings/test-cases/fields/{fld['id']}/allowed-values", json=[{"label": "Valve"}])
    assert added.status_code == 201
    valve = added.json()["items"][0]["value"]
    dup = client.post(f"/settings/test-cases/fields/{fld['id']}/allowed-values", json=[{"label": "valve"}])
    assert dup.status_code == 400
    listed = client.get(f"/settings/test-cases/fields/{fld['id']}/allowed-values").json()
    assert [v["label"] for v in listed] == ["Pump", "Valve"]
    case = client.case("Uses valve", properties=[{"field_id": fld["id"], "field_value": str(valve)}])
    assert property_value(case, "Component")["field_value_name"] == "Valve"
    text = client.post("/settings/test-cases/fields", json={"label": "Plain", "data_type": 1}).json()
    assert client.post(f"/settings/test-cases/fields/{text['id']}/allowed-values", json=[{"label": "a"}]).status_code == 400


def test_inactive_fields_are_hidden_and_refused(client):
    fld = client.post("/settings/test-cases/fields", json={"label": "Old", "data_type": 1}).json()
    assert client.put(f"/settings/test-cases/fields/{fld['id']}", json={"is_active": False}).status_code == 200
    assert "Old" not in [f["label"] for f in client.get("/settings/test-cases/fields").json()]
    everything = client.get("/settings/test-cases/fields", params={"includeInactive": "true"}).json()
    assert "Old" in [f["label"] for f in everything]
    refused = client.post("/test-cases", json={"name": "x", "properties": [{"field_id": fld["id"], "field_value": "v"}]})
    assert refused.status_code == 400
    system = client.field("test-cases", "Status")
    assert client.delete(f"/settings/test-cases/fields/{system['id']}").status_code == 400


def test_field_ids_differ_per_object_type_and_per_site(client):
    case_priority = client.field("test-cases", "Priority")
    run_priority = client.field("test-runs", "Priority")
    assert case_priority["id"] != run_priority["id"]
    assert {v["value"] for v in case_priority["allowed_values"]}.isdisjoint(v["value"] for v in run_priority["allowed_values"])
    app, server = start_qtest(seed=99)
    try:
        assert app.state.field_id("test-cases", "Priority") != case_priority["id"]
    finally:
        server.stop()
