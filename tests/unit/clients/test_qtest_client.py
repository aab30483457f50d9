"""qTest Manager v3: login at the instance root, one re-login on 401, search paging, idempotent look-ups."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from ztoq_luigi.clients.errors import (
    AmbiguousWriteError, ApiError, AuthenticationError, MalformedPayloadError,
)
from ztoq_luigi.clients.http import RetryPolicy
from ztoq_luigi.clients.qtest import QTestClient, listed_run_name, property_value
from ztoq_luigi.errors import ExitStatus
from ztoq_luigi.secrets import Secret

ROOT = "https://acme.qtestnet.com"
BASE = f"{ROOT}/api/v3"
PROJECT = f"{BASE}/projects/12345"
LOGIN = f"{ROOT}/oauth/token"
PASSWORD = "pä$$ w0rd&=!"
API_TOKEN = "qtest-api-token-0f9e8d7c"


def client(**credentials):
    credentials = credentials or {"username": "alice@example.com", "password": Secret(PASSWORD)}
    return QTestClient(BASE, 12345, retry=RetryPolicy(attempts=3, initial_backoff=0.01),
                       sleep=lambda seconds: None, **credentials)


def login_ok(rsps, token="access-1"):
    rsps.post(LOGIN, json={"access_token": token, "token_type": "bearer", "scope": "read write"})


def calls_to(rsps, url):
    return [call for call in rsps.calls if call.request.url.split("?")[0] == url]


def form(call):
    return {k: v[0] for k, v in parse_qs(call.request.body if isinstance(call.request.body, str)
                                         else call.request.body.decode()).items()}


def params(call):
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def project_ok(rsps):
    rsps.get(PROJECT, json={"id": 12345, "name": "Pump"})


# --- construction -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [ROOT, f"{ROOT}/api/v3/projects", f"{ROOT}/api"])
def test_the_base_url_must_end_in_api_v3(url):
    with pytest.raises(ValueError, match="/api/v3"):
        QTestClient(url, 1, api_token=Secret(API_TOKEN))


def test_a_trailing_slash_after_api_v3_is_accepted(rsps):
    login_ok(rsps)
    project_ok(rsps)
    QTestClient(BASE + "/", 12345, username="u", password=Secret("p")).project()
    assert rsps.calls[0].request.url == LOGIN


# --- login ----------------------------------------------------------------------------------------------

def test_login_posts_a_form_to_the_instance_root_with_a_basic_site_header(rsps):
    login_ok(rsps)
    project_ok(rsps)
    assert client().project() == {"id": 12345, "name": "Pump"}
    login = rsps.calls[0].request
    assert login.url == LOGIN and login.method == "POST"
    assert login.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert login.headers["Authorization"] == "Basic " + base64.b64encode(b"acme:").decode()
    assert form(rsps.calls[0]) == {"grant_type": "password", "username": "alice@example.com", "password": PASSWORD}
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer access-1"


def test_the_token_is_reused_for_later_requests(rsps):
    login_ok(rsps)
    rsps.get(PROJECT, json={"id": 12345, "name": "Pump"})
    rsps.get(f"{PROJECT}/modules", json=[])
    qtest = client()
    qtest.project()
    qtest.project()
    qtest.modules()
    assert len(calls_to(rsps, LOGIN)) == 1
    assert all(c.request.headers["Authorization"] == "Bearer access-1" for c in rsps.calls[1:])


def test_a_401_logs_in_again_once_and_resends_with_the_new_token(rsps):
    login_ok(rsps, "access-1")
    rsps.get(PROJECT, status=401, json={"message": "Token expired"})
    login_ok(rsps, "access-2")
    rsps.get(PROJECT, json={"id": 12345, "name": "Pump"})
    assert client().project()["id"] == 12345
    assert [c.request.url for c in rsps.calls] == [LOGIN, PROJECT, LOGIN, PROJECT]
    assert rsps.calls[3].request.headers["Authorization"] == "Bearer access-2"


def test_a_second_401_after_the_re_login_gives_up(rsps):
    login_ok(rsps, "access-1")
    login_ok(rsps, "access-2")
    rsps.get(PROJECT, status=401, json={"message": "Unauthorized"})
    with pytest.raises(AuthenticationError) as caught:
        client().project()
    assert caught.value.status == 401 and caught.value.exit_status == ExitStatus.AUTH_ERROR
    assert len(calls_to(rsps, LOGIN)) == 2 and len(calls_to(rsps, PROJECT)) == 2
    assert "--qtest-username" in str(caught.value)


def test_a_403_does_not_log_in_again(rsps):
    login_ok(rsps)
    rsps.get(PROJECT, status=403, json={"message": "Forbidden"})
    with pytest.raises(AuthenticationError) as caught:
        client().project()
    assert "project 12345" in str(caught.value)
    assert len(calls_to(rsps, LOGIN)) == 1 and len(calls_to(rsps, PROJECT)) == 1


def test_an_api_token_is_sent_as_is_and_never_logs_in(rsps):
    rsps.get(PROJECT, json={"id": 12345, "name": "Pump"})
    rsps.get(f"{PROJECT}/modules", status=401, json={"message": "Unauthorized"})
    qtest = client(api_token=Secret(API_TOKEN), username="alice", password=Secret(PASSWORD))
    qtest.project()
    with pytest.raises(AuthenticationError) as caught:
        qtest.modules()
    assert calls_to(rsps, LOGIN) == []
    assert len(rsps.calls) == 2
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {API_TOKEN}"
    assert "--qtest-api-token" in str(caught.value) and API_TOKEN not in str(caught.value)


@pytest.mark.parametrize("status", [
    400,
    pytest.param(401),
])
def test_bad_credentials_are_one_authentication_error_after_one_attempt(rsps, status):
    rsps.post(LOGIN, status=status, json={"error": "invalid_grant", "error_description": "Bad credentials"})
    with pytest.raises(AuthenticationError) as caught:
        client().project()
    assert len(rsps.calls) == 1, "a wrong password must be tried once (accounts get locked)"
    assert caught.value.status == status


@pytest.mark.parametrize("status", [400, 401, 403])
def test_bad_credentials_message_is_one_line_and_actionable(rsps, status):
    rsps.post(LOGIN, status=status, json={"error": "invalid_grant",
                                          "error_description": f"Bad credentials for password {PASSWORD}"})
    with pytest.raises(AuthenticationError) as caught:
        client().project()
    message = str(caught.value)
    assert message.startswith("qTest login as 'alice@example.com' failed")
    assert "Bad credentials" in message and "--qtest-password" in message and "--qtest-api-token" in message
    assert "\n" not in message
    assert PASSWORD not in message and PASSWORD not in repr(caught.value)
    assert caught.value.exit_status == ExitStatus.AUTH_ERROR


@pytest.mark.parametrize("body", [{"token_type": "bearer"}, {"access_token": 42}, ["access-1"]])
def test_a_login_answer_without_a_token_is_a_malformed_payload(rsps, body):
    rsps.post(LOGIN, json=body)
    with pytest.raises(MalformedPayloadError, match="oauth/token"):
        client().project()


def test_a_login_answer_that_is_not_json_is_a_malformed_payload(rsps):
    rsps.post(LOGIN, body="<html>login page</html>", content_type="text/html")
    with pytest.raises(MalformedPayloadError, match="not JSON"):
        client().project()


@pytest.mark.parametrize("failure", [{"status": 503, "json": {"message": "busy"}},
                                     {"body": requests.exceptions.ConnectionError("Connection reset by peer")}],
                         ids=["503", "reset"])
def test_a_failed_login_request_is_retried_since_logging_in_twice_is_harmless(rsps, failure):
    rsps.post(LOGIN, **failure)
    login_ok(rsps)
    project_ok(rsps)
    assert client().project()["id"] == 12345
    assert len(calls_to(rsps, LOGIN)) == 2


# --- secrets --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("credentials, secret", [
    ({"username": "alice", "password": Secret(PASSWORD)}, PASSWORD),
    ({"api_token": Secret(API_TOKEN)}, API_TOKEN),
])
@pytest.mark.parametrize("status", [400, 404, 409, 500])
def test_secrets_echoed_by_the_server_never_reach_an_error(rsps, credentials, secret, status):
    if "password" in credentials:
        login_ok(rsps)
    rsps.post(f"{PROJECT}/test-cases", status=status, json={"message": f"request with {secret} failed"})
    with pytest.raises(ApiError) as caught:
        client(**credentials).create_test_case({"name": "x"})
    assert secret not in str(caught.value) and secret not in str(caught.value.excerpt)
    assert "***" in str(caught.value)


def test_the_session_token_echoed_by_the_server_is_hidden_too(rsps):
    login_ok(rsps, "session-token-XYZ")
    rsps.get(PROJECT, status=400, json={"message": "bad session session-token-XYZ"})
    with pytest.raises(ApiError) as caught:
        client().project()
    assert "session-token-XYZ" not in str(caught.value)


# --- search ---------------------------------------------------------------------------------------------

def item(case_id, key, field="Zephyr Key"):
    return {"id": case_id, "name": f"case {case_id}",
            "properties": [{"field_id": 8100, "field_name": field, "field_value": key}]}


def search_page(page, items, total, page_size=100):
    return {"links": [], "page": page, "page_size": page_size, "total": total, "items": items}


def test_search_reads_every_page(rsps):
    first = [item(n, f"SA-T{n}") for n in range(1, 101)]
    second = [item(n, f"SA-T{n}") for n in range(101, 151)]
    rsps.post(f"{PROJECT}/search", json=search_page(1, first, 150))
    rsps.post(f"{PROJECT}/search", json=search_page(2, second, 150))
    found = list(client(api_token=Secret(API_TOKEN)).search("test-cases", "'Name' ~ 'case'"))
    assert [i["id"] for i in found] == list(range(1, 151))
    assert [params(c) for c in rsps.calls] == [{"page": "1", "pageSize": "100"}, {"page": "2", "pageSize": "100"}]
    assert json.loads(rsps.calls[0].request.body) == {"object_type": "test-cases", "fields": ["*"],
                                                       "query": "'Name' ~ 'case'"}


def test_search_stops_when_the_total_is_reached_on_a_full_page(rsps):
    rsps.post(f"{PROJECT}/search", json=search_page(1, [item(n, "k") for n in range(100)], 100))
    assert len(list(client(api_token=Secret(API_TOKEN)).search("test-cases", "q"))) == 100
    assert len(rsps.calls) == 1


def test_search_follows_the_page_size_the_server_used(rsps):
    rsps.post(f"{PROJECT}/search", json=search_page(1, [item(n, "k") for n in range(50)], None, page_size=50))
    rsps.post(f"{PROJECT}/search", json=search_page(2, [item(n, "k") for n in range(50, 60)], None, page_size=50))
    assert len(list(client(api_token=Secret(API_TOKEN)).search("test-cases", "q"))) == 60
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("body", [{"items": []}, {"page": 1, "page_size": 100}, [], {"page": 1, "page_size": 100,
                                                                                    "items": "none"}])
def test_a_malformed_search_page_is_a_malformed_payload(rsps, body):
    rsps.post(f"{PROJECT}/search", json=body)
    with pytest.raises(MalformedPayloadError):
        list(client(api_token=Secret(API_TOKEN)).search("test-cases", "q"))


@pytest.mark.parametrize("failure", [{"status": 503, "json": {"message": "busy"}},
                                     {"body": requests.exceptions.ReadTimeout("read timed out")}],
                         ids=["503", "timeout"])
def test_a_failed_search_is_retried_like_any_read(rsps, failure):
    rsps.post(f"{PROJECT}/search", **failure)
    rsps.post(f"{PROJECT}/search", json=search_page(1, [item(1, "SA-T1")], 1))
    assert [i["id"] for i in client(api_token=Secret(API_TOKEN)).search("test-cases", "q")] == [1]
    assert len(rsps.calls) == 2


# --- find_test_case ---------------------------------------------------------------------------------------

def test_find_test_case_returns_the_item_whose_key_matches_exactly(rsps):
    rsps.post(f"{PROJECT}/search", json=search_page(1, [item(10, "SA-T10"), item(11, "SA-T1", field="Name"),
                                                        item(1, "SA-T1")], 3))
    assert client(api_token=Secret(API_TOKEN)).find_test_case("Zephyr Key", "SA-T1") == 1
    assert json.loads(rsps.calls[0].request.body)["query"] == "'Zephyr Key' = 'SA-T1'"


def test_find_test_case_falls_back_to_the_module_listing_when_search_lags(rsps):
    rsps.post(f"{PROJECT}/search", json=search_page(1, [], 0))
    full = [item(n, f"SA-T{n}") for n in range(1, 101)]
    rsps.get(f"{PROJECT}/test-cases", json=full)
    rsps.get(f"{PROJECT}/test-cases", json=[item(500, "OTHER"), item(777, "SA-T777")])
    assert client(api_token=Secret(API_TOKEN)).find_test_case("Zephyr Key", "SA-T777", parent_id=5001) == 777
    listing = calls_to(rsps, f"{PROJECT}/test-cases")
    assert [params(c)["page"] for c in listing] == ["1", "2"]
    assert params(listing[0])["parentId"] == "5001" and params(listing[0])["size"] == "100"


def test_find_test_case_is_none_when_nothing_matches(rsps):
    rsps.post(f"{PROJECT}/search", json=search_page(1, [item(10, "SA-T10")], 1))
    rsps.get(f"{PROJECT}/test-cases", json=[item(10, "SA-T10")])
    qtest = client(api_token=Secret(API_TOKEN))
    assert qtest.find_test_case("Zephyr Key", "SA-T1", parent_id=5001) is None


def test_find_test_case_without_a_module_does_not_list(rsps):
    rsps.post(f"{PROJECT}/search", json=search_page(1, [], 0))
    assert client(api_token=Secret(API_TOKEN)).find_test_case("Zephyr Key", "SA-T1") is None
    assert len(rsps.calls) == 1


def test_property_value_reads_by_field_name():
    case = {"properties": [{"field_id": 1, "field_name": "Priority", "field_value": "711"},
                           {"field_id": 2, "field_name": "Zephyr Key", "field_value": "SA-T1"}]}
    assert property_value(case, "Zephyr Key") == "SA-T1"
    assert property_value(case, "Missing") is None
    assert property_value({"properties": None}, "Zephyr Key") is None


# --- modules and cases ----------------------------------------------------------------------------------

def test_find_module_matches_name_and_description_under_the_parent(rsps):
    rsps.get(f"{PROJECT}/modules", json=[
        {"id": 1, "name": "Pumps", "description": "Zephyr folder 9"},
        {"id": 2, "name": "Pumps", "description": "Zephyr folder 10"},
        {"id": 3, "name": "Valves", "description": None},
    ])
    qtest = client(api_token=Secret(API_TOKEN))
    assert qtest.find_module(5000, "Pumps", "Zephyr folder 10") == 2
    assert params(rsps.calls[0]) == {"parentId": "5000"}


def test_find_module_treats_a_missing_description_as_empty_and_lists_roots_without_parent(rsps):
    rsps.get(f"{PROJECT}/modules", json=[{"id": 3, "name": "Valves", "description": None}])
    qtest = client(api_token=Secret(API_TOKEN))
    assert qtest.find_module(None, "Valves", "") == 3
    assert qtest.find_module(None, "Valves", "Zephyr folder 1") is None
    assert params(rsps.calls[0]) == {}


def test_create_module_sends_the_parent_as_a_query_parameter(rsps):
    rsps.post(f"{PROJECT}/modules", json={"id": 5001, "name": "Axial", "parent_id": 5000})
    assert client(api_token=Secret(API_TOKEN)).create_module("Axial", 5000, "Zephyr folder 7")["id"] == 5001
    assert params(rsps.calls[0]) == {"parentId": "5000"}
    assert json.loads(rsps.calls[0].request.body) == {"name": "Axial", "description": "Zephyr folder 7"}


def test_a_created_case_without_an_id_is_a_malformed_payload(rsps):
    rsps.post(f"{PROJECT}/test-cases", status=201, json={"name": "x"})
    with pytest.raises(MalformedPayloadError, match="id"):
        client(api_token=Secret(API_TOKEN)).create_test_case({"name": "x"})


def test_a_test_case_create_that_fails_on_the_server_is_ambiguous(rsps):
    rsps.post(f"{PROJECT}/test-cases", status=502)
    with pytest.raises(AmbiguousWriteError):
        client(api_token=Secret(API_TOKEN)).create_test_case({"name": "x"})
    assert len(rsps.calls) == 1


def test_an_upload_streams_the_file_and_a_throttled_one_sends_it_whole_again(rsps, tmp_path):
    path = tmp_path / "trace.har"
    path.write_bytes(b"x" * 300_000)
    received, answers = [], iter([(429, {"Retry-After": "0"}, "{}"), (201, {}, json.dumps({"id": 77, "name": "trace.har"}))])

    def blob_handles(request):
        received.append((request.headers["File-Name"], request.body))
        return next(answers)

    rsps.add_callback(responses.POST, f"{PROJECT}/test-logs/9/blob-handles", callback=blob_handles)
    answer = client(api_token=Secret(API_TOKEN)).upload_attachment("test-logs", 9, "trace.har", "text/plain", path)
    assert answer["id"] == 77
    assert [(name, len(body)) for name, body in received] == [("trace.har", 300_000)] * 2


# --- listings: one paging helper, in each endpoint's own style -------------------------------------------

def cycle(n):
    return {"id": n, "name": f"Cycle {n}", "description": ""}


def test_test_cycles_page_explicitly_until_a_short_page(rsps):
    rsps.get(f"{PROJECT}/test-cycles", json=[cycle(n) for n in range(100)])
    rsps.get(f"{PROJECT}/test-cycles", json=[cycle(n) for n in range(100, 103)])
    found = client(api_token=Secret(API_TOKEN)).test_cycles(7, "test-cycle")
    assert [c["id"] for c in found] == list(range(103))
    assert [params(c) for c in rsps.calls] == [
        {"parentId": "7", "parentType": "test-cycle", "page": str(page), "pageSize": "100"} for page in (1, 2)]


def test_runs_and_logs_page_through_the_envelope(rsps):
    rsps.get(f"{PROJECT}/test-runs", json=search_page(1, [{"id": n, "Test-Run": "r"} for n in range(100)], 101))
    rsps.get(f"{PROJECT}/test-runs", json=search_page(2, [{"id": 100, "Test-Run": "r"}], 101))
    rsps.get(f"{PROJECT}/test-runs/5/test-logs", json=search_page(1, [{"id": 9, "note": "n"}], 1))
    qtest = client(api_token=Secret(API_TOKEN))
    assert len(list(qtest.test_runs(3))) == 101
    assert [log["id"] for log in qtest.test_logs(5)] == [9]
    assert [params(c)["page"] for c in rsps.calls] == ["1", "2", "1"]
    assert all(params(c)["pageSize"] == "100" for c in rsps.calls)


@pytest.mark.parametrize("listing, url, expected", [
    (lambda q: q.modules(5000), f"{PROJECT}/modules", {"parentId": "5000"}),
    (lambda q: q.releases(), f"{PROJECT}/releases", {"includeClosed": "true"}),
    (lambda q: q.users(), f"{PROJECT}/users", {}),
    (lambda q: q.execution_statuses(), f"{PROJECT}/test-runs/execution-statuses", {}),
    (lambda q: q.attachments("test-cases", 4), f"{PROJECT}/test-cases/4/attachments", {}),
], ids=["modules", "releases", "users", "statuses", "attachments"])
def test_listings_documented_without_paging_are_read_whole_in_one_request(rsps, listing, url, expected):
    items = [{"id": n, "name": f"n{n}", "label": "l", "value": n} for n in range(150)]
    rsps.get(url, json=items)
    assert len(listing(client(api_token=Secret(API_TOKEN)))) == 150
    assert len(rsps.calls) == 1 and params(rsps.calls[0]) == expected


@pytest.mark.parametrize("body", [{"items": []}, {"message": "oops"}])
def test_a_listing_that_is_not_an_array_is_a_malformed_payload(rsps, body):
    rsps.get(f"{PROJECT}/test-cycles", json=body)
    with pytest.raises(MalformedPayloadError, match="JSON array"):
        client(api_token=Secret(API_TOKEN)).test_cycles()


def test_listed_runs_are_named_by_test_run():
    assert listed_run_name({"id": 1, "Test-Run": "Checkout"}) == "Checkout"
    assert listed_run_name({"id": 1, "name": "Checkout"}) == "Checkout"


def test_an_attachment_is_downloaded_forced_past_the_malware_scan(rsps, tmp_path):
    rsps.get(f"{PROJECT}/test-logs/9/attachments/77", body=b"bytes", content_type="text/plain")
    sha256, content_type, size = client(api_token=Secret(API_TOKEN)).download_attachment(
        "test-logs", 9, 77, tmp_path / "file")
    assert params(rsps.calls[0]) == {"forceDownload": "true"}
    assert (content_type, size) == ("text/plain", 5) and (tmp_path / "file").read_bytes() == b"bytes"
