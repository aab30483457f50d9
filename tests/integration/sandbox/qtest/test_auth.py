"""qTest simulator: login, tokens and the answers to requests it cannot serve."""

import base64
import time

import requests

from tests.integration.sandbox.qtest.helpers import QTestClient, client, login, qtest, qtest_server  # noqa: F401
from ztoq_luigi.sandbox.qtest.server import start_qtest


def test_login_returns_a_bearer_token_that_opens_the_api(qtest):
    _, server = qtest
    response = login(server)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert {"access_token", "refresh_token", "scope", "agent"} <= set(body)
    projects = QTestClient(server, token=body["access_token"]).session.get(server.root_url + "/api/v3/projects")
    assert projects.status_code == 200
    assert [p["id"] for p in projects.json()] == [12345]


def test_bad_credentials_are_an_oauth_invalid_grant(qtest):
    response = login(qtest[1], password="wrong")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "error_description": "Bad credentials"}


def test_login_refuses_a_json_body(qtest):
    response = requests.post(
        qtest[1].root_url + "/oauth/token",
        json={"grant_type": "password", "username": "api.user@example.com", "password": "sandbox-password"},
        headers={"Authorization": "Basic " + base64.b64encode(b"site:").decode()},
    )
    assert response.status_code == 400


def test_login_requires_the_basic_client_header(qtest):
    response = requests.post(qtest[1].root_url + "/oauth/token",
                             data={"grant_type": "password", "username": "api.user@example.com", "password": "x"})
    assert response.status_code == 401


def test_static_api_token_with_a_lowercase_scheme_is_accepted(client):
    client.session.headers["Authorization"] = "bearer sandbox-qtest-api-token"
    assert client.get("").status_code == 200


def test_missing_or_unknown_token_is_401_with_a_message(qtest):
    url = qtest[1].root_url + "/api/v3/projects/12345/modules"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Zm9vOg=="}):
        response = requests.get(url, headers=headers)
        assert response.status_code == 401
        assert "message" in response.json()


def test_expired_token_answers_401_until_a_new_login():
    app, server = start_qtest(token_ttl_s=0.3)
    try:
        first = login(server).json()
        assert first["expires_in"] == 1
        client = QTestClient(server, token=first["access_token"])
        assert client.get("/modules").status_code == 200
        time.sleep(0.4)
        expired = client.get("/modules")
        assert expired.status_code == 401
        assert "expired" in expired.json()["message"].lower()
        fresh = QTestClient(server, token=login(server).json()["access_token"])
        assert fresh.get("/modules").status_code == 200
        assert client.get("/modules").status_code == 401
    finally:
        server.stop()


def test_unknown_path_is_404_and_wrong_method_405(client):
    missing = client.get("/no-such-thing/here/at/all")
    assert missing.status_code == 404 and "message" in missing.json()
    wrong = client.session.patch(client.api + "/modules")
    assert wrong.status_code == 405


def test_unknown_project_is_404_by_default_and_403_when_configured(qtest):
    other = QTestClient(qtest[1], project_id=999)
    assert other.get("/modules").status_code == 404
    app, server = start_qtest(unknown_project_status=403)
    try:
        assert QTestClient(server, project_id=999).get("/test-cases").status_code == 403
    finally:
        server.stop()


def test_non_numeric_path_id_is_400(client):
    assert client.get("/modules/MD-1").status_code == 400
    assert client.get("/test-runs/TR-1").status_code == 400


def test_project_and_users(client):
    project = client.get("").json()
    assert project["id"] == 12345 and project["links"][0]["rel"] == "self"
    users = client.get("/users").json()
    assert {"api.user@example.com", "jane.roe@example.com"} <= {u["username"] for u in users}


def test_json_bodies_must_be_sent_as_json(client):
    raw = '{"name": "x"}'
    assert client.post("/modules", data=raw).status_code == 415
    assert client.post("/modules", data=raw, headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/modules", data=raw, headers={"Content-Type": "application/json"}).status_code == 201
    assert client.post("/modules", data="{not json", headers={"Content-Type": "application/json"}).status_code == 400
