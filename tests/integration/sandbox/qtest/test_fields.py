"""qTest simulator: check boxes as multiple picklists, and the allowed-values endpoints of field settings.

field_api.py: a check box (data_type 8) is created like a multi-select, with
`multiple: true` and `allowed_values`; its values are managed through
`/settings/{objectType}/fields/{fieldId}/allowed-values` (at most 100 created
per request, answered as AllowedValueResponseResource); a property holds the
ids of its ticked options, so `"true"`/`"false"` are not values of it.
"""

from tests.integration.sandbox.qtest.helpers import client, property_value, qtest, qtest_server  # noqa: F401

FIELDS = "/settings/test-cases/fields"


def create_field(client, label, data_type, options=(), multiple=None):
    body = {"label": label, "data_type": data_type, "multiple": data_type in (8, 17) if multiple is None else multiple,
            "allowed_values": [{"label": option} for option in options]}
    response = client.post(FIELDS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create_case(client, field_id, value):
    return client.post("/test-cases", json={"name": "t", "properties": [{"field_id": field_id, "field_value": value}]})


def test_a_check_box_is_created_as_a_multiple_picklist_with_its_allowed_values(client):
    refused = client.post(FIELDS, json={"label": "Implemented", "data_type": 8, "allowed_values": [{"label": "Yes"}]})
    assert refused.status_code == 400 and "multiple" in refused.json()["message"]
    created = create_field(client, "Implemented", 8, ["Yes"])
    assert created["multiple"] is True and [v["label"] for v in created["allowed_values"]] == ["Yes"]
    listed = client.field("test-cases", "Implemented")
    assert listed["data_type"] == 8 and listed["allowed_values"][0]["value"] == created["allowed_values"][0]["value"]


def test_a_check_box_value_is_the_id_list_of_its_ticked_options_never_true_or_false(client):
    fld = create_field(client, "Implemented", 8, ["Yes", "Partly"])
    yes, partly = (v["value"] for v in fld["allowed_values"])
    for boolean in ("true", "false", True, "yes", "Yes", str(yes), "[0]", f"[{yes},99999999]"):
        refused = create_case(client, fld["id"], boolean)
        assert refused.status_code == 400, boolean
        assert "Implemented" in refused.json()["message"]
    ticked = create_case(client, fld["id"], f"[{yes}]")
    assert ticked.status_code == 201, ticked.text
    prop = property_value(ticked.json(), "Implemented")
    assert (prop["field_value"], prop["field_value_name"]) == (f"[{yes}]", "Yes")
    both = property_value(create_case(client, fld["id"], f"[{partly}, {yes}]").json(), "Implemented")
    assert both["field_value"] == f"[{partly},{yes}]"
    assert property_value(create_case(client, fld["id"], "").json(), "Implemented")["field_value"] == ""


def test_an_unticked_check_box_has_no_value_unless_it_has_a_default(client):
    fld = create_field(client, "Implemented", 8, ["Yes"])
    plain = client.case("No properties")
    assert property_value(plain, "Implemented")["field_value"] == ""
    defaulted = client.post(FIELDS, json={"label": "Reviewed", "data_type": 8, "multiple": True,
                                          "allowed_values": [{"label": "Yes", "is_default": True}]}).json()
    assert defaulted["default_value"] == f"[{defaulted['allowed_values'][0]['value']}]"
    case = client.case("Defaults applied")
    assert property_value(case, "Reviewed")["field_value"] == defaulted["default_value"]
    assert property_value(case, "Implemented")["field_value"] == "" and fld.get("default_value") is None


def test_allowed_values_are_added_to_a_check_box_and_answered_in_their_envelope(client):
    fld = create_field(client, "Implemented", 8)
    added = client.post(f"{FIELDS}/{fld['id']}/allowed-values", json=[{"label": "Done"}])
    assert added.status_code == 201, added.text
    body = added.json()
    assert set(body) == {"links", "total", "items"} and body["total"] == 1
    done = body["items"][0]
    assert done["label"] == "Done" and isinstance(done["value"], int) and done["is_active"] is True
    assert create_case(client, fld["id"], f"[{done['value']}]").status_code == 201


def test_at_most_100_allowed_values_are_created_by_one_request(client):
    fld = create_field(client, "Component", 3)
    url = f"{FIELDS}/{fld['id']}/allowed-values"
    too_many = client.post(url, json=[{"label": f"v{n}"} for n in range(101)])
    assert too_many.status_code == 400 and "100" in too_many.json()["message"]
    assert client.get(url).json() == []
    hundred = client.post(url, json=[{"label": f"v{n}"} for n in range(100)])
    assert hundred.status_code == 201 and hundred.json()["total"] == 100


def test_allowed_values_are_listed_in_pages_and_only_for_picklists_and_user_lists(client):
    fld = create_field(client, "Component", 17, [f"v{n}" for n in range(5)])
    url = f"{FIELDS}/{fld['id']}/allowed-values"
    assert [v["label"] for v in client.get(url, params={"page": 2, "pageSize": 2}).json()] == ["v2", "v3"]
    assert len(client.get(url).json()) == 5
    assert client.get(f"{FIELDS}/{client.field('test-cases', 'Assigned To')['id']}/allowed-values").json()
    text = create_field(client, "Notes", 1)
    assert client.get(f"{FIELDS}/{text['id']}/allowed-values").status_code == 400
    assert client.post(f"{FIELDS}/{text['id']}/allowed-values", json=[{"label": "a"}]).status_code == 400


def test_an_allowed_value_is_updated_and_deleted_by_its_id(client):
    fld = create_field(client, "Implemented", 8, ["Yes", "No"])
    yes, no = (v["value"] for v in fld["allowed_values"])
    url = f"{FIELDS}/{fld['id']}/allowed-values"
    renamed = client.put(f"{url}/{yes}", json={"label": "Done"})
    assert renamed.status_code == 200 and renamed.json()["value"] == yes and renamed.json()["label"] == "Done"
    assert client.put(f"{url}/{no}", json={"label": "done"}).status_code == 400
    assert client.put(f"{url}/{no}", json={"is_active": False}).status_code == 200
    assert create_case(client, fld["id"], f"[{no}]").status_code == 400
    assert client.delete(f"{url}/{yes}").status_code == 200
    assert [v["label"] for v in client.get(url).json()] == ["No"]
    assert create_case(client, fld["id"], f"[{yes}]").status_code == 400
    assert client.delete(f"{url}/{yes}").status_code == 404
    assert client.put(f"{url}/{yes}", json={"label": "Back"}).status_code == 404


def test_a_field_update_keeps_its_data_type_and_deletes_the_values_it_leaves_out(client):
    fld = create_field(client, "Implemented", 8, ["Yes", "No"])
    yes, no = (v["value"] for v in fld["allowed_values"])
    url = f"{FIELDS}/{fld['id']}"
    changed = client.put(url, json={"data_type": 1})
    assert changed.status_code == 400 and "data type" in changed.json()["message"]
    updated = client.put(url, json={"data_type": 8, "allowed_values": [{"value": yes, "label": "Ticked"},
                                                                        {"label": "Maybe"}]})
    assert updated.status_code == 200, updated.text
    values = {v["label"]: v["value"] for v in updated.json()["allowed_values"]}
    assert set(values) == {"Ticked", "Maybe"} and values["Ticked"] == yes and no not in values.values()
    assert create_case(client, fld["id"], f"[{no}]").status_code == 400
    assert client.put(url, json={"allowed_values": [{"value": 99999999, "label": "Ghost"}]}).status_code == 400
    twice = client.put(url, json={"allowed_values": [{"value": yes, "label": "Same"}, {"label": "same"}]})
    assert twice.status_code == 400
    swapped = client.put(url, json={"allowed_values": [{"value": values["Maybe"], "label": "Ticked"},
                                                       {"value": yes, "label": "Maybe"}]})
    assert swapped.status_code == 200, swapped.text
    assert {v["label"]: v["value"] for v in swapped.json()["allowed_values"]} == {"Ticked": values["Maybe"],
                                                                                  "Maybe": yes}
