"""Zephyr Scale v2 reads: paging that never skips or repeats a record, and a case's steps or script."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from ztoq_luigi.clients.errors import AuthenticationError, MalformedPayloadError, NotFoundError
from ztoq_luigi.clients.http import RetryPolicy
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.secrets import Secret

BASE = "https://api.zephyrscale.example.test/v2"
TOKEN = "zephyr-jwt-abc.def.ghi"


@pytest.fixture
def client():
    return ZephyrClient(BASE, Secret(TOKEN), retry=RetryPolicy(attempts=2, initial_backoff=0.01),
                        sleep=lambda seconds: None)


def query(call):
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def paged_server(records, cap, total=True, is_last=True):
    """A PagedList endpoint that silently lowers maxResults to `cap` (a number, or a function of startAt)
    and echoes what it used; a startAt that is not a multiple of the maxResults sent is a 400."""

    def respond(request):
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        start, asked = int(params.get("startAt", 0)), int(params.get("maxResults", 10))
        if start % asked:
            return 400, {"Content-Type": "application/json"}, json.dumps(
                {"errorCode": 400, "message": f"startAt must be a multiple of maxResults, got {start} and {asked}"})
        size = min(asked, cap(start) if callable(cap) else cap)
        values = records[start:start + size]
        page = {"startAt": start, "maxResults": size, "values": values}
        if total:
            page["total"] = len(records)
        if is_last:
            page["isLast"] = start + len(values) >= len(records)
        return 200, {"Content-Type": "application/json"}, json.dumps(page)

    return respond


def windows(calls):
    """(startAt, maxResults) of each request, as numbers."""
    return [(int(query(call)["startAt"]), int(query(call)["maxResults"])) for call in calls]


def records(n):
    return [{"id": i, "key": f"SA-T{i}", "name": f"case {i}"} for i in range(1, n + 1)]


# --- paging -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("total, is_last", [(True, True), (True, False), (False, True)],
                         ids=["total+isLast", "total-only", "isLast-only"])
def test_a_server_that_lowers_maxresults_loses_no_record(rsps, client, total, is_last):
    data = records(23)
    rsps.add_callback(responses.GET, f"{BASE}/testcases", callback=paged_server(data, cap=5, total=total,
                                                                                is_last=is_last))
    assert list(client.test_cases("SA")) == data
    assert windows(rsps.calls) == [(0, 1000), (5, 5), (10, 5), (15, 5), (20, 5)]
    assert all(query(call)["projectKey"] == "SA" for call in rsps.calls)


def test_a_page_size_lowered_mid_list_keeps_every_request_aligned_and_every_record_once(rsps, client):
    """100 per page at first, then 40 from record 300 on: 340 is no multiple of 40, so one page of 20 leads
    back to full pages of 40."""
    data = records(700)
    rsps.add_callback(responses.GET, f"{BASE}/testcases",
                      callback=paged_server(data, cap=lambda start: 100 if start < 300 else 40))
    assert list(client.test_cases("SA")) == data
    asked = windows(rsps.calls)
    assert asked[:5] == [(0, 1000), (100, 100), (200, 100), (300, 100), (340, 20)]
    assert asked[5:] == [(start, 40) for start in range(360, 700, 40)]


def test_a_short_page_that_is_not_the_last_is_followed_by_an_aligned_request(rsps, client):
    """Two values on a page of three: the next request starts at 2, so it asks for one value, never three."""
    rsps.get(f"{BASE}/statuses", json={"startAt": 0, "maxResults": 3, "values": [{"id": 1}, {"id": 2}]})
    rsps.get(f"{BASE}/statuses", json={"startAt": 2, "maxResults": 1, "values": [{"id": 3}]})
    rsps.get(f"{BASE}/statuses", json={"startAt": 3, "maxResults": 3, "values": []})
    assert [s["id"] for s in client.statuses("SA", "TEST_CASE")] == [1, 2, 3]
    assert windows(rsps.calls) == [(0, 1000), (2, 1), (3, 3)]
    assert query(rsps.calls[0])["statusType"] == "TEST_CASE"


def test_a_page_that_starts_elsewhere_than_asked_is_a_malformed_payload_error(rsps, client):
    """Taking it would repeat or skip records: the server aligned the request some other way."""
    rsps.get(f"{BASE}/testcases", json={"startAt": 0, "maxResults": 2, "isLast": False, "values": [{"id": 1}, {"id": 2}]})
    rsps.get(f"{BASE}/testcases", json={"startAt": 0, "maxResults": 2, "isLast": False, "values": [{"id": 1}, {"id": 2}]})
    with pytest.raises(MalformedPayloadError, match="startAt=2.*starts at 0"):
        list(client.test_cases("SA"))


def test_paging_stops_on_is_last_without_asking_for_more(rsps, client):
    rsps.get(f"{BASE}/folders", json={"startAt": 0, "maxResults": 1000, "isLast": True,
                                      "values": [{"id": 1, "name": "A"}]})
    assert list(client.folders("SA", "TEST_CASE")) == [{"id": 1, "name": "A"}]
    assert len(rsps.calls) == 1
    assert query(rsps.calls[0])["folderType"] == "TEST_CASE"


def test_without_is_last_paging_stops_when_total_is_reached(rsps, client):
    rsps.get(f"{BASE}/priorities", json={"startAt": 0, "maxResults": 2, "total": 3, "values": [{"id": 1}, {"id": 2}]})
    rsps.get(f"{BASE}/priorities", json={"startAt": 2, "maxResults": 2, "total": 3, "values": [{"id": 3}]})
    assert [p["id"] for p in client.priorities("SA")] == [1, 2, 3]
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("page", [
    {"startAt": 0, "maxResults": 10, "values": []},
    {"startAt": 0, "maxResults": 10, "isLast": False, "values": []},
    {"startAt": 0, "maxResults": 10, "total": 50, "values": []},
    {"startAt": 0, "maxResults": 10},
])
def test_an_empty_page_ends_the_list(rsps, client, page):
    rsps.get(f"{BASE}/environments", json=page)
    assert list(client.environments("SA")) == []
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("page, problem", [
    ([{"id": 1}], "expected a JSON object"),
    ({"maxResults": 10, "values": []}, "startAt"),
    ({"startAt": 0, "values": [{"id": 1}]}, "maxResults"),
    ({"startAt": "zero", "maxResults": 10, "values": []}, "startAt"),
    ({"startAt": -1, "maxResults": 10, "values": []}, "startAt"),
    ({"startAt": 0, "maxResults": 10, "values": {"id": 1}}, "values"),
    ({"startAt": 0, "maxResults": 10, "values": None}, "values"),
    ({"startAt": 0, "maxResults": 10, "isLast": "maybe", "values": []}, "isLast"),
])
def test_a_malformed_envelope_is_a_malformed_payload_error(rsps, client, page, problem):
    rsps.get(f"{BASE}/testcases", json=page)
    with pytest.raises(MalformedPayloadError) as caught:
        list(client.test_cases("SA"))
    message = str(caught.value)
    assert problem in message and "/testcases" in message and "PagedList" in message
    assert "\n" not in message


def test_a_malformed_later_page_says_where_it_happened(rsps, client):
    rsps.get(f"{BASE}/testcases", json={"startAt": 0, "maxResults": 2, "isLast": False, "values": [{"id": 1}, {"id": 2}]})
    rsps.get(f"{BASE}/testcases", json={"oops": True})
    with pytest.raises(MalformedPayloadError, match="startAt=2"):
        list(client.test_cases("SA"))


def test_every_request_carries_the_bearer_token(rsps, client):
    rsps.get(f"{BASE}/priorities", json={"startAt": 0, "maxResults": 10, "isLast": True, "values": []})
    list(client.priorities("SA"))
    assert rsps.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


# --- project ------------------------------------------------------------------------------------------

def test_project_is_read_by_key(rsps, client):
    rsps.get(f"{BASE}/projects/SA", json={"id": 10005, "key": "SA", "jiraProjectId": 10000, "enabled": True})
    assert client.project("SA")["id"] == 10005


def test_a_malformed_project_is_a_malformed_payload_error(rsps, client):
    rsps.get(f"{BASE}/projects/SA", json={"key": "SA"})
    with pytest.raises(MalformedPayloadError, match="id"):
        client.project("SA")


@pytest.mark.parametrize("status, hint", [(401, "--zephyr-api-token"), (403, "--zephyr-base-url")])
def test_auth_failures_say_what_to_fix_and_hide_the_token(rsps, client, status, hint):
    rsps.get(f"{BASE}/projects/SA", status=status, json={"message": f"Invalid token {TOKEN}"})
    with pytest.raises(AuthenticationError) as caught:
        client.project("SA")
    assert hint in str(caught.value) and TOKEN not in str(caught.value)


# --- steps and script ------------------------------------------------------------------------------------

STEPS = [{"inline": {"description": "Open", "testData": None, "expectedResult": "Opens"}, "testCase": None},
         {"inline": None, "testCase": {"testCaseKey": "SA-T2", "parameters": []}}]
SCRIPT = {"id": 1, "type": "bdd", "text": "Feature: Login\n  Scenario: ok\n    Given a user"}


def case(link):
    raw = {"id": 1, "key": "SA-T10", "name": "Check"}
    if link is not ...:
        raw["testScript"] = link
    return raw


def steps_page(values=STEPS):
    return {"startAt": 0, "maxResults": 100, "total": len(values), "isLast": True, "values": values}


@pytest.mark.parametrize("link", [{"self": f"{BASE}/testcases/SA-T10/teststeps"},
                                  {"self": f"{BASE}/testcases/SA-T10/teststeps/"}])
def test_a_steps_link_reads_the_steps(rsps, client, link):
    rsps.get(f"{BASE}/testcases/SA-T10/teststeps", json=steps_page())
    assert client.steps_and_script(case(link)) == (STEPS, None)
    assert len(rsps.calls) == 1
    assert query(rsps.calls[0])["maxResults"] == "100"


@pytest.mark.parametrize("link", [{"self": f"{BASE}/testcases/SA-T10/testscript"},
                                  {"self": f"{BASE}/testcases/SA-T10/testscript/"}])
def test_a_testscript_link_reads_the_script_and_not_the_steps(rsps, client, link):
    rsps.get(f"{BASE}/testcases/SA-T10/testscript", json=SCRIPT)
    assert client.steps_and_script(case(link)) == ([], SCRIPT)
    assert len(rsps.calls) == 1


def test_a_testscript_link_that_answers_404_falls_back_to_the_steps(rsps, client):
    rsps.get(f"{BASE}/testcases/SA-T10/testscript", status=404,
             json={"errorCode": 404, "message": "Test script not found"})
    rsps.get(f"{BASE}/testcases/SA-T10/teststeps", json=steps_page())
    assert client.steps_and_script(case({"self": f"{BASE}/testcases/SA-T10/testscript"})) == (STEPS, None)
    assert [urlsplit(c.request.url).path.rsplit("/", 1)[-1] for c in rsps.calls] == ["testscript", "teststeps"]


@pytest.mark.parametrize("link", [..., None, {}, {"self": None}], ids=["absent", "null", "empty", "self-null"])
def test_no_script_link_reads_the_steps(rsps, client, link):
    rsps.get(f"{BASE}/testcases/SA-T10/teststeps", json=steps_page([]))
    assert client.steps_and_script(case(link)) == ([], None)


def test_steps_are_read_across_pages_in_order(rsps, client):
    many = [{"inline": {"description": f"step {n}"}} for n in range(130)]
    rsps.add_callback(responses.GET, f"{BASE}/testcases/SA-T10/teststeps", callback=paged_server(many, cap=100))
    steps, script = client.steps_and_script(case(None))
    assert steps == many and script is None
    assert [query(c)["startAt"] for c in rsps.calls] == ["0", "100"]


def test_test_script_is_none_when_zephyr_answers_404(rsps, client):
    rsps.get(f"{BASE}/testcases/SA-T10/testscript", status=404, json={"message": "not found"})
    assert client.test_script("SA-T10") is None


def test_other_script_failures_are_not_hidden(rsps, client):
    rsps.get(f"{BASE}/testcases/SA-T10/testscript", status=403, json={"message": "Forbidden"})
    with pytest.raises(AuthenticationError):
        client.test_script("SA-T10")


def test_a_vanished_case_raises_not_found_from_the_steps(rsps, client):
    rsps.get(f"{BASE}/testcases/SA-T10/teststeps", status=404, json={"message": "Test case not found"})
    with pytest.raises(NotFoundError):
        client.steps_and_script(case(None))


def test_keys_are_quoted_in_paths(rsps, client):
    rsps.get(f"{BASE}/testcases/A%20B-T1/teststeps", json=steps_page([]))
    client.test_steps("A B-T1")
    assert "/testcases/A%20B-T1/teststeps" in rsps.calls[0].request.url
