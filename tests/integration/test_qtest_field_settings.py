"""The qTest client against the qTest simulator: field settings as the load phase changes them."""

import pytest

from ztoq_luigi.clients.qtest import QTestClient
from ztoq_luigi.sandbox.qtest.server import DEFAULT_API_TOKEN, start_qtest
from ztoq_luigi.secrets import Secret


@pytest.fixture
def qtest():
    app, server = start_qtest(seed=7)
    yield app, QTestClient(f"{server.root_url}/api/v3", app.state.project_id, api_token=Secret(DEFAULT_API_TOKEN))
    server.stop()


def test_more_than_100_allowed_values_are_added_100_a_request(qtest):
    app, client = qtest
    field = client.create_field("test-cases", {"label": "Component", "data_type": 17, "multiple": True})
    wanted = [{"label": f"Option {n:03}"} for n in range(250)]
    created = client.add_allowed_values("test-cases", field["id"], wanted)
    assert [value["label"] for value in created] == [value["label"] for value in wanted]
    listed = next(f for f in client.fields("test-cases") if f["id"] == field["id"])["allowed_values"]
    assert [value["label"] for value in listed] == [value["label"] for value in wanted]
    route = "/api/v3/projects/{projectId}/settings/{objectType}/fields/{fieldId}/allowed-values"
    assert app.counters.get("POST", route) == 3

