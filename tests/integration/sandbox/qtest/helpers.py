"""Shared fixtures for the qTest simulator conformance tests: a live server and a thin client.

The client speaks plain HTTP through `requests`, as the migration does; it
only saves repeating the project prefix and the bearer header.
"""

import base64

import pytest
import requests

from ztoq_luigi.sandbox.faults import FaultConfig
from ztoq_luigi.sandbox.qtest.server import DEFAULT_API_TOKEN, DEFAULT_PASSWORD, DEFAULT_USERNAME, start_qtest

PROJECT_ID = 12345


class QTestClient:
    def __init__(self, server, token=DEFAULT_API_TOKEN, project_id=PROJECT_ID):
        self.root = server.root_url
        self.api = f"{server.root_url}/api/v3/projects/{project_id}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kw):
        return self.session.get(self.api + path, timeout=10, **kw)

    def post(self, path, **kw):
        return self.session.post(self.api + path, timeout=10, **kw)

    def put(self, path, **kw):
        return self.session.put(self.api + path, timeout=10, **kw)

    def delete(self, path, **kw):
        return self.session.delete(self.api + path, timeout=10, **kw)

    def field(self, object_type, label):
        fields = self.get(f"/settings/{object_type}/fields").json()
        return next(f for f in fields if f["label"] == label)

    def value_id(self, object_type, field_label, value_label):
        fld = self.field(object_type, field_label)
        return next(v["value"] for v in fld["allowed_values"] if v["label"] == value_label)

    def module(self, name, parent_id=None):
        params = {} if parent_id is None else {"parentId": parent_id}
        response = self.post("/modules", params=params, json={"name": name})
        assert response.status_code == 201, response.text
        return response.json()

    def case(self, name, parent_id=None, properties=(), steps=()):
        body = {"name": name, "properties": list(properties), "test_steps": list(steps)}
        if parent_id is not None:
            body["parent_id"] = parent_id
        response = self.post("/test-cases", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def cycle(self, name, parent_id=0, parent_type="root"):
        response = self.post("/test-cycles", params={"parentId": parent_id, "parentType": parent_type}, json={"name": name})
        assert response.status_code == 201, response.text
        return response.json()

    def run(self, case_id, parent_id, parent_type="test-cycle", name=None, **body):
        """Create a run; the 2023.6 swagger names the run `Test-Run` in this body."""
        payload = {"test_case": {"id": case_id}, "properties": [], **body}
        if name is not None:
            payload["Test-Run"] = name
        response = self.post("/test-runs", params={"parentId": parent_id, "parentType": parent_type}, json=payload)
        assert response.status_code == 201, response.text
        return response.json()


def login(server, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, basic="apitryout:"):
    return requests.post(
        server.root_url + "/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
        headers={"Authorization": "Basic " + base64.b64encode(basic.encode()).decode()},
        timeout=10,
    )


def property_value(item, label):
    return next(p for p in item["properties"] if p["field_name"] == label)


@pytest.fixture(scope="module")
def qtest_server():
    """One server per test module: stopping a server costs half a second of polling."""
    app, server = start_qtest(seed=20240501)
    yield app, server
    server.stop()


@pytest.fixture
def qtest(qtest_server):
    """The module's server, back to a fresh project with no faults, hooks or counts."""
    app, server = qtest_server
    app.state.reset()
    app.faults.configure(FaultConfig())
    app.faults.clear()
    app.counters.reset()
    app.clear_write_hooks()
    return app, server


@pytest.fixture
def client(qtest):
    return QTestClient(qtest[1])
