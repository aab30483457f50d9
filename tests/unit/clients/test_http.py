"""The shared HTTP base: which failures are retried, how long it waits, and what each error says."""

import logging

import pytest
import requests

from ztoq_luigi.clients.errors import (
    AmbiguousWriteError, ApiError, AuthenticationError, MalformedPayloadError, NotFoundError, RateLimitedError,
    RequestRejectedError, ServerError, TransportError,
)
from ztoq_luigi.clients.budget import RateBudget
from ztoq_luigi.clients.http import HttpClient, RetryPolicy
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.errors import ExitStatus
from ztoq_luigi.secrets import Secret

BASE = "https://api.example.test/v2"
URL = f"{BASE}/things"
OK = {"ok": True}


@pytest.fixture
def waits():
    return []


def make_client(waits, attempts=4, initial_backoff=1.0, max_backoff=30.0, **policy):
    retry = RetryPolicy(attempts=attempts, initial_backoff=initial_backoff, max_backoff=max_backoff, **policy)
    return HttpClient(BASE, retry=retry, sleep=waits.append)


def raised(call):
    with pytest.raises(ApiError) as caught:
        call()
    assert "\n" not in str(caught.value), "errors are printed as one line"
    return caught.value


# --- rate limiting ----------------------------------------------------------------------------------

def test_429_with_retry_after_waits_that_many_seconds(rsps, waits):
    rsps.get(URL, status=429, headers={"Retry-After": "2"}, json={"message": "Too many requests"})
    rsps.get(URL, json=OK)
    assert make_client(waits).get_json("/things") == OK
    assert waits == [2.0]
    assert len(rsps.calls) == 2


def test_every_attempt_waits_for_the_budget_and_a_429_slows_it_for_every_thread(rsps, waits):
    rsps.get(URL, status=429, headers={"Retry-After": "2"})
    rsps.get(URL, json=OK)
    budget = RateBudget(10)
    client = HttpClient(BASE, retry=RetryPolicy(attempts=3), sleep=waits.append, budget=budget)
    taken = []
    budget.acquire = lambda: taken.append(True)
    assert client.get_json("/things") == OK
    assert len(taken) == 2, "the retry waited for the budget as well"
    assert budget.throttled == 1 and budget.rate() == pytest.approx(5, abs=0.1)


def test_fractional_retry_after_is_honoured(rsps, waits):
    rsps.get(URL, status=429, headers={"Retry-After": "0.5"})
    rsps.get(URL, json=OK)
    make_client(waits).get_json("/things")
    assert waits == [0.5]


def test_a_very_long_retry_after_is_capped(rsps, waits):
    rsps.get(URL, status=429, headers={"Retry-After": "3600"})
    rsps.get(URL, json=OK)
    make_client(waits, max_retry_after=120.0).get_json("/things")
    assert waits == [120.0]


@pytest.mark.parametrize("headers", [{"Retry-After": "0"}, {}, {"Retry-After": "-3"}, {"Retry-After": "soon"},
                                     {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}],
                         ids=["zero", "absent", "negative", "garbage", "http-date"])
def test_429_without_a_usable_retry_after_backs_off_exponentially(rsps, waits, headers):
    for _ in range(3):
        rsps.get(URL, status=429, headers=headers)
    rsps.get(URL, json=OK)
    assert make_client(waits, attempts=5, initial_backoff=1.0).get_json("/things") == OK
    assert len(waits) == 3
    # initial * 2**(n-1) plus up to `initial` of jitter
    for n, wait in enumerate(waits):
        assert 2 ** n <= wait <= 2 ** n + 1.0, waits
    assert waits == sorted(waits) and waits[2] > waits[0]


def test_backoff_never_exceeds_the_maximum(rsps, waits):
    for _ in range(6):
        rsps.get(URL, status=429)
    rsps.get(URL, json=OK)
    make_client(waits, attempts=7, initial_backoff=1.0, max_backoff=3.0).get_json("/things")
    assert len(waits) == 6 and max(waits) <= 3.0


def test_persistent_429_gives_up_after_the_configured_attempts(rsps, waits):
    rsps.get(URL, status=429, headers={"Retry-After": "1"}, json={"message": "slow down"})
    error = raised(lambda: make_client(waits, attempts=3).get_json("/things"))
    assert isinstance(error, RateLimitedError)
    assert error.status == 429 and error.retry_after == 1.0
    assert "rate limited" in str(error) and "slow down" in str(error)
    assert len(rsps.calls) == 3 and waits == [1.0, 1.0]


def test_429_on_a_write_is_retried_because_it_was_not_applied(rsps, waits):
    rsps.post(URL, status=429, headers={"Retry-After": "1"})
    rsps.post(URL, status=201, json={"id": 7})
    response = make_client(waits).request("POST", "/things", json_body={"name": "x"})
    assert response.json() == {"id": 7}
    assert len(rsps.calls) == 2 and waits == [1.0]


# --- server errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_a_read_is_retried_then_succeeds(rsps, waits, status):
    rsps.get(URL, status=status, json={"message": "upstream trouble"})
    rsps.get(URL, status=status)
    rsps.get(URL, json=OK)
    assert make_client(waits).get_json("/things") == OK
    assert len(rsps.calls) == 3 and len(waits) == 2


def test_5xx_on_a_read_gives_up_with_server_error(rsps, waits):
    rsps.get(URL, status=503, json={"message": "maintenance"})
    error = raised(lambda: make_client(waits, attempts=3).get_json("/things"))
    assert isinstance(error, ServerError) and error.status == 503
    assert "maintenance" in str(error) and "/things" in str(error)
    assert len(rsps.calls) == 3


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_on_a_write_is_ambiguous_and_never_resent(rsps, waits, method, status):
    rsps.add(method, URL, status=status, json={"message": "oops"})
    error = raised(lambda: make_client(waits).request(method, "/things", json_body={"name": "x"}))
    assert isinstance(error, AmbiguousWriteError)
    assert error.status == status and error.method == method
    assert "may or may not have been applied" in str(error)
    assert len(rsps.calls) == 1 and waits == []


@pytest.mark.parametrize("failure", [{"status": 503}, {"body": requests.exceptions.ConnectionError("reset")}],
                         ids=["503", "reset"])
def test_a_post_marked_idempotent_is_retried_like_a_read(rsps, waits, failure):
    rsps.post(URL, **failure)
    rsps.post(URL, json=OK)
    assert make_client(waits).request("POST", "/things", json_body={"q": 1}, idempotent=True).json() == OK
    assert len(rsps.calls) == 2 and len(waits) == 1


def test_a_read_that_keeps_failing_when_marked_idempotent_ends_as_server_error(rsps, waits):
    rsps.post(URL, status=500)
    error = raised(lambda: make_client(waits, attempts=2).request("POST", "/things", idempotent=True))
    assert type(error) is ServerError and len(rsps.calls) == 2


# --- client errors ------------------------------------------------------------------------------------

def test_400_is_rejected_with_the_message_excerpt_and_not_retried(rsps, waits):
    rsps.post(URL, status=400, json={"errorCode": 400, "message": "projectKey must not be null"})
    error = raised(lambda: make_client(waits).request("POST", "/things?projectKey=", json_body={}))
    assert isinstance(error, RequestRejectedError)
    assert error.status == 400 and error.excerpt == "projectKey must not be null"
    assert str(error) == "API POST /things answered 400: projectKey must not be null"
    assert len(rsps.calls) == 1 and waits == []


@pytest.mark.parametrize("status", [405, 409, 413, 422])
def test_other_4xx_are_rejected_requests(rsps, waits, status):
    rsps.get(URL, status=status, json={"message": "no"})
    error = raised(lambda: make_client(waits).get_json("/things"))
    assert type(error) is RequestRejectedError and error.status == status
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("status, kind, exit_status", [
    (401, AuthenticationError, ExitStatus.AUTH_ERROR),
    (403, AuthenticationError, ExitStatus.AUTH_ERROR),
    (404, NotFoundError, ExitStatus.API_ERROR),
])
def test_auth_and_not_found_statuses_map_to_their_errors_without_retry(rsps, waits, status, kind, exit_status):
    rsps.get(URL, status=status, json={"message": "Unauthorized" if status == 401 else "nope"})
    error = raised(lambda: make_client(waits).get_json("/things"))
    assert type(error) is kind and error.status == status
    assert error.exit_status == exit_status
    assert error.service == "API" and error.method == "GET" and error.path == "/things"
    assert len(rsps.calls) == 1 and waits == []


@pytest.mark.parametrize("kwargs, excerpt", [
    ({"json": {"error": "invalid_grant", "error_description": "Bad credentials"}}, "Bad credentials"),
    ({"json": {"error": "invalid_grant"}}, "invalid_grant"),
    ({"json": {"errorMessage": "Field id 9 unknown"}}, "Field id 9 unknown"),
    ({"json": {"message": "Missing Authentication Token"}}, "Missing Authentication Token"),
    ({"json": ["a", "list"]}, '["a", "list"]'),
    ({"json": {"errors": [{"field": "name"}]}}, '{"errors": [{"field": "name"}]}'),
    ({"body": "<html>\n  <h1>Bad   Gateway</h1>\n</html>"}, "<html> <h1>Bad Gateway</h1> </html>"),
    ({"body": ""}, "Bad Request"),
])
def test_error_detail_is_read_leniently_and_kept_on_one_line(rsps, waits, kwargs, excerpt):
    rsps.get(URL, status=400, **kwargs)
    error = raised(lambda: make_client(waits).get_json("/things"))
    assert error.excerpt == excerpt


def test_a_long_error_body_is_shortened(rsps, waits):
    rsps.get(URL, status=400, json={"message": "x" * 1000})
    error = raised(lambda: make_client(waits).get_json("/things"))
    assert len(error.excerpt) == 300 and error.excerpt.endswith("...")


def test_query_strings_are_left_out_of_error_messages(rsps, waits):
    rsps.get(URL, status=404, json={"message": "gone"})
    error = raised(lambda: make_client(waits).get_json("/things?projectKey=SA&startAt=0"))
    assert str(error) == "API GET /things answered 404: gone"


# --- payloads -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["<html>Service Unavailable</html>", "", "{not json"])
def test_a_success_that_is_not_json_is_a_malformed_payload(rsps, waits, body):
    rsps.get(URL, status=200, body=body, content_type="text/html")
    error = raised(lambda: make_client(waits).get_json("/things"))
    assert isinstance(error, MalformedPayloadError)
    assert "not JSON" in str(error) and "expected a JSON document" in str(error)
    assert len(rsps.calls) == 1


# --- transport failures --------------------------------------------------------------------------------

def test_a_connection_error_on_a_read_is_retried(rsps, waits):
    rsps.get(URL, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    rsps.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.get(URL, json=OK)
    assert make_client(waits).get_json("/things") == OK
    assert len(rsps.calls) == 3 and len(waits) == 2


def test_a_read_that_keeps_failing_to_connect_gives_up_with_transport_error(rsps, waits):
    rsps.get(URL, body=requests.exceptions.ConnectionError("Name or service not known"))
    error = raised(lambda: make_client(waits, attempts=2).get_json("/things"))
    assert isinstance(error, TransportError)
    assert "Name or service not known" in str(error) and BASE in str(error)
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("failure", [requests.exceptions.ConnectionError("Connection reset by peer"),
                                     requests.exceptions.ReadTimeout("read timed out")], ids=["reset", "timeout"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_dropped_write_is_ambiguous_and_never_resent(rsps, waits, method, failure):
    rsps.add(method, URL, body=failure)
    error = raised(lambda: make_client(waits).request(method, "/things", json_body={"name": "x"}))
    assert isinstance(error, AmbiguousWriteError)
    assert len(rsps.calls) == 1 and waits == []


def test_a_write_that_never_connected_is_safe_to_retry(rsps, waits):
    rsps.post(URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    rsps.post(URL, status=201, json={"id": 1})
    assert make_client(waits).request("POST", "/things", json_body={}).status_code == 201
    assert len(rsps.calls) == 2


# --- request shape ---------------------------------------------------------------------------------------

def test_requests_ask_for_json_and_join_the_base_url(rsps, waits):
    rsps.get(URL, json=OK)
    rsps.get("https://elsewhere.test/abs", json=OK)
    client = make_client(waits)
    client.get_json("/things", params={"projectKey": "SA"})
    client.get_json("https://elsewhere.test/abs")
    assert rsps.calls[0].request.headers["Accept"] == "application/json"
    assert rsps.calls[0].request.url == f"{URL}?projectKey=SA"
    assert rsps.calls[1].request.url == "https://elsewhere.test/abs"


def test_a_trailing_slash_on_the_base_url_is_ignored(rsps, waits):
    rsps.get(URL, json=OK)
    HttpClient(BASE + "/", sleep=waits.append).get_json("/things")
    assert rsps.calls[0].request.url == URL


# --- secrets never show -------------------------------------------------------------------------------

TOKEN = "zt-Sup3rS3cret.jwt.token"


def zephyr(waits, token=TOKEN):
    return ZephyrClient(BASE, Secret(token), retry=RetryPolicy(attempts=2, initial_backoff=0.01), sleep=waits.append)


def assert_hidden(error, secret):
    """The error and every ApiError it was raised from (a login failure wraps another) hide the secret."""
    texts = []
    while error is not None:
        if isinstance(error, ApiError):
            texts += [str(error), repr(error), str(error.excerpt), repr(error.args)]
        error = error.__cause__ or error.__context__
    for text in texts:
        assert secret not in text, text


@pytest.mark.parametrize("method, kwargs", [
    ("GET", {"status": 400, "json": {"message": f"bad token {TOKEN}"}}),
    ("GET", {"status": 401, "json": {"message": f"Token {TOKEN} expired"}}),
    ("GET", {"status": 403, "body": f"Forbidden for Bearer {TOKEN}"}),
    ("GET", {"status": 404, "json": {"detail": f"no such thing for {TOKEN}"}}),
    ("GET", {"status": 429, "json": {"message": f"quota for {TOKEN} exceeded"}}),
    ("GET", {"status": 503, "json": {"message": f"down ({TOKEN})"}}),
    ("POST", {"status": 500, "json": {"message": f"failed with header Authorization: Bearer {TOKEN}"}}),
    ("GET", {"status": 200, "body": f"<html>token={TOKEN}</html>"}),
    ("GET", {"body": requests.exceptions.ConnectionError(f"proxy refused Bearer {TOKEN}")}),
    ("POST", {"body": requests.exceptions.ReadTimeout(f"timeout on {TOKEN}")}),
])
def test_the_token_never_appears_in_an_error_even_when_echoed(rsps, waits, caplog, method, kwargs):
    rsps.add(method, URL, **kwargs)
    client = zephyr(waits)
    with caplog.at_level(logging.DEBUG):
        error = raised(lambda: client.get_json("/things") if method == "GET"
                       else client.request(method, "/things", json_body={}))
    assert_hidden(error, TOKEN)
    assert "***" in str(error) or "***" in str(error.excerpt)
    assert TOKEN not in caplog.text


def test_the_token_is_sent_as_a_bearer_header(rsps, waits):
    rsps.get(URL, json=OK)
    zephyr(waits).get_json("/things")
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_non_ascii_token_echoed_in_a_structured_body_is_hidden(rsps, waits):
    token = "tök-Grüße-密钥"
    rsps.get(URL, status=400, json={"errors": [{"field": "token", "rejectedValue": token}]})
    error = raised(lambda: zephyr(waits, token).get_json("/things"))
    assert "\\u00f6" not in str(error) and "\\u5bc6" not in str(error)


# --- one retry budget ------------------------------------------------------------------------------------

def test_connection_failures_are_retried_by_one_layer_only(rsps, waits):
    """Each attempt is one connection try: urllib3 does not retry inside a tenacity attempt."""
    rsps.get(URL, body=requests.exceptions.ConnectionError("Connection refused"))
    client = make_client(waits, attempts=3)
    error = raised(lambda: client.get_json("/things"))
    assert isinstance(error, TransportError) and len(rsps.calls) == 3
    assert client.session.get_adapter(URL).max_retries.total == 0
    assert str(error).endswith("(gave up after 3 attempts in 0 s)")


def test_our_own_backoff_stops_at_the_time_budget(rsps):
    rsps.get(URL, body=requests.exceptions.ConnectionError("Connection refused"))
    client = HttpClient(BASE, retry=RetryPolicy(attempts=50, initial_backoff=0.02, max_backoff=0.05, budget=0.3))
    error = raised(lambda: client.get_json("/things"))
    assert isinstance(error, TransportError)
    assert 3 <= len(rsps.calls) < 50, "the budget, not the attempt count, ended the retries"


def test_a_servers_retry_after_is_honoured_beyond_the_budget(rsps, waits):
    rsps.get(URL, status=429, headers={"Retry-After": "90"})
    rsps.get(URL, json=OK)
    assert make_client(waits, budget=60.0).get_json("/things") == OK
    assert waits == [90.0]


def test_a_request_that_gave_up_is_not_retried_by_an_enclosing_one(rsps, waits):
    """A login inside a request used to multiply the attempts: 6 logins in each of 6 attempts."""
    inner_url = f"{BASE}/login"
    rsps.post(inner_url, body=requests.exceptions.ConnectionError("Connection refused"))
    client = make_client(waits, attempts=4)
    client.auth_headers = lambda: client.request("POST", "/login", authenticated=False, idempotent=True) and {}
    error = raised(lambda: client.get_json("/things"))
    assert isinstance(error, TransportError)
    assert len(rsps.calls) == 4 and len(waits) == 3


# --- the environment ----------------------------------------------------------------------------------

class _Bearer(HttpClient):
    def auth_headers(self):
        return {"Authorization": "Bearer our-token"}


def test_a_netrc_entry_for_the_host_does_not_replace_our_credentials(rsps, waits, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.example.test login someone password elses\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    rsps.get(URL, json=OK)
    _Bearer(BASE, sleep=waits.append).get_json("/things")
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer our-token"


def test_the_environment_s_proxies_are_read_once_per_host_and_honour_no_proxy(waits, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.setenv("NO_PROXY", "files.example.test")
    session = HttpClient(BASE, sleep=waits.append).session
    through = session.merge_environment_settings(URL, {}, None, None, None)
    direct = session.merge_environment_settings("https://files.example.test/a", {}, True, None, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example.test:3128")
    again = session.merge_environment_settings(f"{BASE}/other", {}, None, None, None)
    assert through["proxies"]["https"] == "http://proxy.example.test:3128" and through["stream"] is False
    assert "https" not in direct["proxies"] and direct["stream"] is True
    assert again["proxies"]["https"] == "http://proxy.example.test:3128", "read once, when the host is first used"
