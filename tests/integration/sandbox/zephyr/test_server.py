"""Conformance of the Zephyr Scale Cloud v2 simulator, over real HTTP, against the spec's behaviour."""

import re
import threading
import time

import pytest
import requests

from tests.integration.sandbox.zephyr import fixtures as fx
from ztoq_luigi.sandbox.faults import FaultConfig, FaultInjector
from ztoq_luigi.sandbox.zephyr.server import start_zephyr

AUTH = {"Authorization": f"Bearer {fx.TOKEN}"}
VERSION_SELF = re.compile(r"/v2/testcases/(?P<key>[^/]+)/versions/(?P<version>\d+)$")


@pytest.fixture(scope="module")
def servers():
    """Every server the module starts, stopped together at the end.

    ServerThread.stop waits up to half a second for serve_forever to notice,
    so stopping them one by one after each test would dominate the runtime.
    """
    threads = []
    yield threads
    stoppers = [threading.Thread(target=thread.stop) for thread in threads]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


@pytest.fixture(scope="module")
def server(servers):
    """A read-only server shared by the tests that do not write."""
    app, thread = start_zephyr(fx.small_dataset(), fx.TOKEN)
    servers.append(thread)
    return thread


@pytest.fixture
def started(servers):
    """Start a server on a fresh dataset with the given options."""
    def start(**kwargs):
        app, thread = start_zephyr(fx.small_dataset(), fx.TOKEN, **kwargs)
        servers.append(thread)
        return app, thread
    return start


def get(server, path, headers=AUTH, **params):
    return requests.get(server.base_url + path, params=params, headers=headers, timeout=5)


def post(server, path, body, headers=AUTH):
    return requests.post(server.base_url + path, json=body, headers=headers, timeout=5)


def ok(response):
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response, status, contains=""):
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"errorCode": status, "message": body["message"]}
    assert contains in body["message"]


def walk(first_url, headers=AUTH):
    """Follow `next` links to the end; returns the pages."""
    pages, url = [], first_url
    while url:
        response = requests.get(url, headers=headers, timeout=5)
        pages.append(ok(response))
        url = pages[-1].get("next")
    return pages


class TestPaging:
    def test_capped_walk_echoes_effective_max_results_and_links_next_pages(self, started):
        _, thread = started(max_results_cap=7)
        first = ok(get(thread, "/testcases", projectKey="SA", maxResults=50))
        assert (first["startAt"], first["maxResults"], first["total"], first["isLast"]) == (0, 7, fx.CASE_COUNT, False)
        assert len(first["values"]) == 7
        assert first["next"] == f"{thread.base_url}/testcases?projectKey=SA&startAt=7&maxResults=7"
        pages = walk(first["next"])
        assert [page["startAt"] for page in pages] == [7, 14, 21, 28, 35]
        keys = [case["key"] for page in [first, *pages] for case in page["values"]]
        assert keys == [fx.case_key(n) for n in range(1, fx.CASE_COUNT + 1)]
        assert pages[-1]["isLast"] is True and "next" not in pages[-1]
        assert all(page["isLast"] is False for page in [first, *pages[:-1]])

    def test_max_results_defaults_to_ten(self, server):
        page = ok(get(server, "/testcases"))
        assert page["maxResults"] == 10 and len(page["values"]) == 10 and page["total"] == fx.CASE_COUNT

    def test_start_at_past_the_end_is_an_empty_last_page(self, server):
        page = ok(get(server, "/testcases", startAt=500))
        assert page["values"] == [] and page["isLast"] is True and "next" not in page

    @pytest.mark.parametrize("params", [{"startAt": -1}, {"maxResults": 0}, {"maxResults": "ten"}, {"startAt": "1.5"}])
    def test_invalid_paging_is_a_400(self, server, params):
        assert_error(get(server, "/testcases", **params), 400)

    @pytest.mark.parametrize("params", [{"startAt": 5, "maxResults": 10}, {"startAt": 5}, {"startAt": 7, "maxResults": 2}],
                                        ids=["sent", "default-10", "small"])
    def test_a_start_that_is_no_multiple_of_max_results_is_a_400(self, server, params):
        assert_error(get(server, "/testcases", **params), 400, "startAt must be a multiple of maxResults")

    def test_the_multiple_is_of_the_max_results_sent_not_of_the_capped_one(self, started):
        """Asked 1000, given 7: the next request must send a maxResults that its startAt is a multiple of."""
        _, thread = started(max_results_cap=7)
        assert ok(get(thread, "/testcases", maxResults=1000))["maxResults"] == 7
        assert_error(get(thread, "/testcases", startAt=7, maxResults=1000), 400, "startAt=7 and maxResults=1000")
        page = ok(get(thread, "/testcases", startAt=7, maxResults=7))
        assert page["startAt"] == 7 and [case["key"] for case in page["values"]] == [fx.case_key(n) for n in range(8, 15)]

    def test_test_steps_page_at_most_100_but_default_to_10(self, started):
        _, thread = started(max_results_cap=1000)
        assert ok(get(thread, "/testcases/SA-T1/teststeps"))["maxResults"] == 10
        first = ok(get(thread, "/testcases/SA-T1/teststeps", maxResults=1000))
        assert first["maxResults"] == 100 and first["total"] == fx.STEP_CASE_STEPS
        pages = [first, *walk(first["next"])]
        assert [len(page["values"]) for page in pages] == [100, 100, 50]
        descriptions = [step["inline"]["description"] for page in pages for step in page["values"]]
        assert descriptions == [f"Do {n}" for n in range(1, fx.STEP_CASE_STEPS + 1)]
        assert all("testCase" not in step for step in first["values"])

    def test_other_lists_use_the_server_cap_not_the_step_limit(self, started):
        _, thread = started(max_results_cap=1000)
        assert ok(get(thread, "/testcases", maxResults=1000))["maxResults"] == 1000


class TestFilters:
    def test_folders_by_type(self, server):
        values = ok(get(server, "/folders", projectKey="SA", folderType="TEST_CYCLE", maxResults=50))["values"]
        assert [folder["id"] for folder in values] == [4]
        root = ok(get(server, "/folders/1"))
        assert root["parentId"] is None and root["project"] == {"id": 10005, "self": f"{server.base_url}/projects/10005"}
        assert ok(get(server, "/folders/2"))["parentId"] == 1

    def test_statuses_by_type_without_a_type_field(self, server):
        values = ok(get(server, "/statuses", statusType="TEST_EXECUTION", maxResults=50))["values"]
        assert [status["name"] for status in values] == fx.STATUS_NAMES["TEST_EXECUTION"]
        assert all("statusType" not in status for status in values)
        assert ok(get(server, "/statuses", maxResults=50))["total"] == sum(map(len, fx.STATUS_NAMES.values()))

    @pytest.mark.parametrize("path, params", [
        ("/folders", {"folderType": "TESTCASE"}),
        ("/statuses", {"statusType": "test_case"}),
        ("/testcases", {"projectKey": "sa"}),
        ("/testcases", {"folderId": "0"}),
        ("/testexecutions", {"actualEndDateAfter": "2024-02-02"}),
        ("/testexecutions", {"onlyLastExecutions": "yes"}),
        ("/testexecutions", {"testCycle": "not-a-cycle"}),
    ])
    def test_malformed_filters_are_400(self, server, path, params):
        assert_error(get(server, path, **params), 400)

    def test_another_project_is_not_accessible(self, server):
        assert_error(get(server, "/testcases", projectKey="OTHER"), 400, "OTHER")

    def test_options_lists(self, server):
        priorities = ok(get(server, "/priorities", projectKey="SA"))["values"]
        assert [(p["name"], p["default"]) for p in priorities] == [("High", False), ("Normal", True), ("Low", False)]
        assert ok(get(server, "/environments"))["values"][0] == {
            "id": 300, "project": {"id": 10005, "self": f"{server.base_url}/projects/10005"},
            "name": "Chrome", "description": "Latest Chrome", "index": 0, "archived": False}
        assert ok(get(server, "/environments/301"))["name"] == "Firefox"
        assert ok(get(server, "/priorities/200"))["color"] == "#ff0000"

    def test_test_cases_by_folder_are_direct_children_only(self, server):
        assert ok(get(server, "/testcases", folderId=2, maxResults=100))["total"] == 20
        assert ok(get(server, "/testcases", folderId=1))["total"] == 0
        assert ok(get(server, "/testcases", folderId=3, maxResults=100))["values"][0]["key"] == "SA-T21"

    def test_cycles_by_folder_and_jira_version(self, server):
        assert [c["key"] for c in ok(get(server, "/testcycles", folderId=4))["values"]] == ["SA-R1"]
        assert [c["key"] for c in ok(get(server, "/testcycles", jiraProjectVersionId=10200))["values"]] == ["SA-R2"]
        assert ok(get(server, "/testcycles", folderId=4, jiraProjectVersionId=10200))["total"] == 0

    @pytest.mark.parametrize("params, expected", [
        ({"testCycle": "SA-R1"}, [601, 602, 603, 607]),
        ({"testCycle": "400"}, [601, 602, 603, 607]),
        ({"testCase": "SA-T1"}, [601, 602, 604]),
        ({"testCase": str(fx.case_id(1))}, [601, 602, 604]),
        ({"testCycle": "SA-R1", "testCase": "SA-T1"}, [601, 602]),
        ({"actualEndDateAfter": "2024-02-02T10:00:00Z"}, [602, 603, 604]),
        ({"actualEndDateBefore": "2024-02-03T10:00:00Z"}, [601, 605]),
        ({"actualEndDateAfter": "2024-02-01T00:00:00Z", "actualEndDateBefore": "2024-02-04T00:00:00Z"}, [601, 602]),
        ({"jiraProjectVersionId": "10100"}, [601, 602, 603, 607]),
        ({"onlyLastExecutions": "true"}, [602, 604, 605, 606, 607]),
        ({"onlyLastExecutions": "false"}, [601, 602, 603, 604, 605, 606, 607]),
        ({"testCycle": "SA-R1", "onlyLastExecutions": "true"}, [602, 607]),
        ({"testCycle": "SA-R99"}, []),
        ({"testCase": "SA-T99"}, []),
    ])
    def test_execution_filters(self, server, params, expected):
        page = ok(get(server, "/testexecutions", projectKey="SA", maxResults=50, includeStepLinks="true", **params))
        assert [execution["id"] for execution in page["values"]] == expected
        assert page["total"] == len(expected)

    def test_filtered_executions_page_like_any_list(self, server):
        first = ok(get(server, "/testexecutions", testCycle="SA-R1", maxResults=3))
        assert first["next"] == f"{server.base_url}/testexecutions?testCycle=SA-R1&startAt=3&maxResults=3"
        assert [e["id"] for e in walk(first["next"])[0]["values"]] == [607]


class TestRendering:
    def test_test_case_references_are_links_without_names(self, server):
        case = ok(get(server, "/testcases/SA-T1"))
        base = server.base_url
        assert case["priority"] == {"id": 201, "self": f"{base}/priorities/201"}
        assert case["status"] == {"id": fx.status_id("TEST_CASE", "Draft"), "self": f"{base}/statuses/{fx.status_id('TEST_CASE', 'Draft')}"}
        assert case["folder"] == {"id": 2, "self": f"{base}/folders/2"}
        assert case["owner"] == {"self": f"https://sandbox-jira.atlassian.net/rest/api/2/user?accountId={fx.OWNER}", "accountId": fx.OWNER}
        assert case["component"]["id"] == 10001 and "atlassian.net" in case["component"]["self"]
        assert case["testScript"] == {"self": f"{base}/testcases/SA-T1/teststeps"}
        assert case["customFields"] == {"Build Number": 1, "Category": ["Performance"]}
        assert ok(requests.get(case["priority"]["self"], headers=AUTH, timeout=5))["name"] == "Normal"

    def test_cases_without_script_folder_or_owner(self, server):
        case = ok(get(server, "/testcases/SA-T32"))
        assert not {"testScript", "folder", "owner"} & set(case)
        assert ok(get(server, "/testcases/SA-T2"))["testScript"]["self"].endswith("/testcases/SA-T2/testscript")

    def test_links_of_a_case(self, server):
        links = ok(get(server, "/testcases/SA-T1/links"))
        assert links["self"] == f"{server.base_url}/testcases/SA-T1/links"
        assert links["issues"] == [{"self": f"{server.base_url}/links/500", "issueId": fx.ISSUE_SA_7, "id": 500,
                                    "target": f"https://sandbox-jira.atlassian.net/rest/api/2/issue/{fx.ISSUE_SA_7}", "type": "COVERAGE"}]
        assert links["webLinks"][0]["url"] == "https://atlassian.com"

    def test_cycle_and_plan_links_point_at_each_other(self, server):
        cycle = ok(get(server, "/testcycles/SA-R1"))
        assert cycle == ok(get(server, "/testcycles/400"))
        assert cycle["links"]["testPlans"] == [{"id": 504, "self": f"{server.base_url}/links/504", "testPlanId": 450,
                                                "type": "RELATED", "target": f"{server.base_url}/testplans/450"}]
        assert cycle["jiraProjectVersion"]["id"] == 10100
        assert ok(get(server, "/testcycles/SA-R1/links"))["issues"][0]["issueId"] == fx.ISSUE_SA_7
        plan = ok(get(server, "/testplans/SA-P1"))
        assert plan == ok(get(server, "/testplans/450"))
        assert plan["links"]["testCycles"][0]["testCycleId"] == 400 and plan["labels"] == ["release-1"]

    def test_execution_test_case_is_a_version_link_whose_key_lives_in_self(self, server):
        old = ok(get(server, "/testexecutions/SA-E5"))
        match = VERSION_SELF.search(old["testCase"]["self"])
        assert (match["key"], match["version"]) == ("SA-T5", "1")
        assert old["testCase"]["id"] == fx.VERSIONED_CASE_IDS[1] != ok(get(server, "/testcases/SA-T5"))["id"]
        assert set(old["testCase"]) == {"id", "self"}
        latest = ok(get(server, "/testexecutions/606"))
        assert latest["testCase"]["id"] == ok(get(server, "/testcases/SA-T5"))["id"]
        assert not {"testCycle", "environment", "jiraProjectVersion"} & set(latest)

    def test_execution_fields(self, server):
        execution = ok(get(server, "/testexecutions/SA-E1"))
        assert execution["testExecutionStatus"] == {"id": fx.status_id("TEST_EXECUTION", "Fail"),
                                                    "self": f"{server.base_url}/statuses/{fx.status_id('TEST_EXECUTION', 'Fail')}"}
        assert execution["testCycle"] == {"id": 400, "self": f"{server.base_url}/testcycles/400"}
        assert execution["environment"]["id"] == 300 and execution["executionTime"] == 30000
        assert ok(get(server, "/testexecutions/601/links"))["issues"][0]["issueId"] == fx.ISSUE_SA_7

    def test_execution_step_results_and_row_filter(self, server):
        steps = ok(get(server, "/testexecutions/SA-E2/teststeps", maxResults=50))
        assert steps["total"] == 5
        assert steps["values"][0]["inline"]["status"]["id"] == fx.status_id("TEST_EXECUTION", "Pass")
        assert ok(get(server, "/testexecutions/SA-E2/teststeps", testDataRowNumber=0))["total"] == 2

    def test_versions_are_newest_first(self, server):
        versions = ok(get(server, "/testcases/SA-T5/versions"))["values"]
        assert versions == [{"id": fx.VERSIONED_CASE_IDS[v], "self": f"{server.base_url}/testcases/SA-T5/versions/{v}"} for v in (3, 2, 1)]
        assert ok(get(server, "/testcases/SA-T5/versions/2"))["id"] == fx.VERSIONED_CASE_IDS[2]
        assert_error(get(server, "/testcases/SA-T5/versions/4"), 404)

    def test_scripts(self, server):
        plain = ok(get(server, "/testcases/SA-T2/testscript"))
        assert plain == {"id": 700, "type": "plain", "text": f'Look at <img src="{server.root_url}{fx.SCREEN_PATH}">'}
        assert ok(get(server, "/testcases/SA-T3/testscript"))["type"] == "bdd"
        assert_error(get(server, "/testcases/SA-T1/testscript"), 404, "SA-T1")
        assert_error(get(server, "/testcases/SA-T32/testscript"), 404)
        assert ok(get(server, "/testcases/SA-T2/teststeps"))["values"] == []

    def test_call_to_test_step(self, server):
        call = ok(get(server, "/testcases/SA-T4/teststeps"))["values"][1]
        assert "inline" not in call
        assert call["testCase"] == {"self": f"{server.base_url}/testcases/SA-T5/versions/3", "testCaseKey": "SA-T5",
                                    "parameters": [{"name": "user", "type": "DEFAULT_VALUE", "value": "admin"}]}

    def test_issue_links_are_plain_arrays(self, server):
        assert ok(get(server, "/issuelinks/SA-7/testcases")) == [
            {"key": "SA-T1", "version": 1, "self": f"{server.base_url}/testcases/SA-T1/versions/1"}]
        assert ok(get(server, "/issuelinks/SA-7/testcycles")) == [{"id": 400, "self": f"{server.base_url}/testcycles/400"}]
        assert ok(get(server, "/issuelinks/SA-7/testplans")) == [{"id": 450, "self": f"{server.base_url}/testplans/450"}]
        assert ok(get(server, "/issuelinks/SA-7/executions")) == [{"id": 601, "self": f"{server.base_url}/testexecutions/601"}]
        assert ok(get(server, "/issuelinks/SA-8/testcases")) == []

    def test_projects_and_healthcheck(self, server):
        assert ok(get(server, "/projects"))["values"] == [fx.PROJECT]
        assert ok(get(server, "/projects/SA")) == ok(get(server, "/projects/10005")) == fx.PROJECT
        assert get(server, "/healthcheck").status_code == 200
        assert get(server, "/healthcheck", headers={}).status_code == 401


class TestErrors:
    def test_missing_and_wrong_tokens_are_401_gateway_bodies(self, server):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": fx.TOKEN}, {"Authorization": f"bearer {fx.TOKEN}"}):
            response = get(server, "/testcases", headers=headers)
            assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}

    @pytest.mark.parametrize("method, path", [
        ("GET", "/v2/testexecution"), ("GET", "/v2/testcases/SA-T1/attachments"), ("GET", "/v2/customfields"),
        ("DELETE", "/v2/testcases/SA-T1"), ("POST", "/v2/projects"), ("GET", "/v2"),
    ])
    def test_unrouted_paths_and_methods_are_403_before_auth(self, server, method, path):
        for headers in (AUTH, {}):
            response = requests.request(method, server.root_url + path, headers=headers, timeout=5)
            assert response.status_code == 403 and response.json() == {"message": "Missing Authentication Token"}

    @pytest.mark.parametrize("path, contains", [
        ("/testcases/SA-T999", "SA-T999"), ("/testcycles/SA-R9", "SA-R9"), ("/testcycles/999", "999"),
        ("/testplans/SA-P9", "SA-P9"), ("/testexecutions/SA-E99", "SA-E99"), ("/folders/99", "99"),
        ("/statuses/9", "Status '9'"), ("/priorities/9", "Priority '9'"), ("/environments/9", "Environment '9'"),
        ("/projects/XX", "XX"), ("/testcases/SA-T999/teststeps", ""), ("/testexecutions/9999/teststeps", ""),
    ])
    def test_unknown_entities_are_404(self, server, path, contains):
        assert_error(get(server, path), 404, contains)

    @pytest.mark.parametrize("path", ["/testcases/1001", "/testcycles/SA-P1", "/folders/abc", "/testcases/SA-T5/versions/x"])
    def test_malformed_path_references_are_400(self, server, path):
        assert_error(get(server, path), 400)


class TestEmbeddedFiles:
    def test_files_need_the_token(self, server):
        url = server.root_url + fx.SCREEN_PATH
        served = requests.get(url, headers=AUTH, timeout=5)
        assert served.status_code == 200 and served.content == fx.SCREEN_BYTES
        assert served.headers["Content-Type"] == "image/png"
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401
        assert_error(requests.get(server.root_url + "/files/att-1/missing.png", headers=AUTH, timeout=5), 404)


class TestSeeding:
    def test_create_test_case_resolves_names_and_defaults(self, started):
        _, thread = started()
        created = post(thread, "/testcases", {"projectKey": "SA", "name": "New case", "priorityName": "High",
                                              "folderId": 3, "labels": ["x"], "customFields": {"Build Number": 3}})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["key"] == f"SA-T{fx.CASE_COUNT + 1}" and body["self"] == f"{thread.base_url}/testcases/{body['key']}"
        case = ok(get(thread, f"/testcases/{body['key']}"))
        assert case["id"] == body["id"] and case["priority"]["id"] == 200 and case["folder"]["id"] == 3
        assert case["status"]["id"] == fx.status_id("TEST_CASE", "Draft")
        assert "testScript" not in case and case["links"]["issues"] == []
        assert ok(get(thread, "/testcases", folderId=3, maxResults=50))["values"][-1]["key"] == body["key"]
        default_priority = ok(get(thread, f"/testcases/{post(thread, '/testcases', {'projectKey': 'SA', 'name': 'n'}).json()['key']}"))
        assert default_priority["priority"]["id"] == 201

    @pytest.mark.parametrize("body, contains", [
        ({"name": "x"}, "projectKey must not be null"),
        ({"projectKey": "SA"}, "name must not be null"),
        ({"projectKey": "SA", "name": "   "}, "name"),
        ({"projectKey": "SA", "name": "x", "statusName": "Nope"}, "Nope"),
        ({"projectKey": "SA", "name": "x", "statusName": "Deprecated"}, "Deprecated"),
        ({"projectKey": "SA", "name": "x", "statusName": "Pass"}, "Pass"),
        ({"projectKey": "SA", "name": "x", "priorityName": "Critical"}, "Critical"),
        ({"projectKey": "SA", "name": "x", "folderId": "3"}, "folderId"),
        ({"projectKey": "SA", "name": "x", "folderId": 4}, "TEST_CASE"),
        ({"projectKey": "SA", "name": "x", "estimatedTime": -1}, "estimatedTime"),
        ({"projectKey": "OTHER", "name": "x"}, "OTHER"),
    ])
    def test_invalid_test_case_bodies_are_400(self, started, body, contains):
        app, thread = started()
        assert_error(post(thread, "/testcases", body), 400, contains)
        assert len(app.dataset.testcases) == fx.CASE_COUNT

    def test_body_must_be_json(self, started):
        _, thread = started()
        response = requests.post(thread.base_url + "/testcases", data="not json", headers=AUTH, timeout=5)
        assert_error(response, 400)

    def test_folders_statuses_priorities_environments(self, started):
        _, thread = started()
        folder = post(thread, "/folders", {"projectKey": "SA", "name": "Child", "folderType": "TEST_CASE", "parentId": 1})
        assert folder.status_code == 201 and folder.json()["self"] == f"{thread.base_url}/folders/{folder.json()['id']}"
        assert ok(get(thread, f"/folders/{folder.json()['id']}"))["index"] == 1
        assert_error(post(thread, "/folders", {"projectKey": "SA", "name": "Child", "folderType": "TEST_CASE", "parentId": 1}), 400, "already exists")
        assert_error(post(thread, "/folders", {"projectKey": "SA", "name": "X", "folderType": "TEST_CYCLE", "parentId": 1}), 400)
        assert_error(post(thread, "/folders", {"projectKey": "SA", "name": "X", "folderType": "FOLDER"}), 400, "folderType")
        status = post(thread, "/statuses", {"projectKey": "SA", "name": "Review", "type": "TEST_CASE", "color": "#abc"})
        assert status.status_code == 201
        assert ok(get(thread, "/statuses", statusType="TEST_CASE"))["values"][-1]["name"] == "Review"
        assert_error(post(thread, "/statuses", {"projectKey": "SA", "name": "Review", "type": "TEST_CASE"}), 400, "already exists")
        assert_error(post(thread, "/statuses", {"projectKey": "SA", "name": "Odd", "type": "TEST_CASE", "color": "red"}), 400, "color")
        assert post(thread, "/priorities", {"projectKey": "SA", "name": "Critical"}).status_code == 201
        assert post(thread, "/testcases", {"projectKey": "SA", "name": "c", "priorityName": "Critical", "statusName": "Review"}).status_code == 201
        environment = post(thread, "/environments", {"projectKey": "SA", "name": "Safari"})
        assert ok(get(thread, f"/environments/{environment.json()['id']}"))["archived"] is False
        assert_error(post(thread, "/environments", {"projectKey": "SA", "name": "Chrome"}), 400, "An environment with this name already exists.")

    def test_steps_append_overwrite_and_script_replacement(self, started):
        _, thread = started()
        steps = [{"inline": {"description": f"s{n}", "expectedResult": "ok"}} for n in range(3)]
        created = post(thread, "/testcases/SA-T32/teststeps", {"mode": "APPEND", "items": steps})
        assert created.status_code == 201 and created.json()["self"].endswith("/testcases/SA-T32/teststeps")
        post(thread, "/testcases/SA-T32/teststeps", {"mode": "APPEND", "items": [{"testCase": {"testCaseKey": "SA-T3"}}]})
        listed = ok(get(thread, "/testcases/SA-T32/teststeps"))["values"]
        assert [s["inline"]["description"] if "inline" in s else s["testCase"]["testCaseKey"] for s in listed] == ["s0", "s1", "s2", "SA-T3"]
        post(thread, "/testcases/SA-T32/teststeps", {"mode": "OVERWRITE", "items": steps[:1]})
        assert ok(get(thread, "/testcases/SA-T32/teststeps"))["total"] == 1
        script = post(thread, "/testcases/SA-T32/testscript", {"type": "plain", "text": "Just do it"})
        assert script.status_code == 201
        assert ok(get(thread, "/testcases/SA-T32/teststeps"))["total"] == 0
        assert ok(get(thread, "/testcases/SA-T32/testscript"))["text"] == "Just do it"
        post(thread, "/testcases/SA-T32/teststeps", {"mode": "APPEND", "items": steps[:2]})
        assert_error(get(thread, "/testcases/SA-T32/testscript"), 404)
        assert ok(get(thread, "/testcases/SA-T32"))["testScript"]["self"].endswith("/teststeps")

    @pytest.mark.parametrize("body, contains", [
        ({"mode": "APPEND", "items": [{"inline": {"description": "x"}}] * 101}, "100"),
        ({"mode": "INSERT", "items": []}, "mode"),
        ({"items": []}, "mode must not be null"),
        ({"mode": "APPEND", "items": [{"inline": {"description": "x"}, "testCase": {"testCaseKey": "SA-T3"}}]}, "either inline or testCase"),
        ({"mode": "APPEND", "items": [{}]}, "either inline or testCase"),
        ({"mode": "APPEND", "items": [{"testCase": {"testCaseKey": "SA-T32"}}]}, "own test case"),
        ({"mode": "APPEND", "items": [{"testCase": {"testCaseKey": "SA-T999"}}]}, "SA-T999"),
        ({"mode": "APPEND", "items": [{"testCase": {"testCaseKey": "SA-T3", "parameters": [{"type": "RANDOM"}]}}]}, "type"),
    ])
    def test_invalid_step_posts_are_400(self, started, body, contains):
        _, thread = started()
        assert_error(post(thread, "/testcases/SA-T32/teststeps", body), 400, contains)
        assert ok(get(thread, "/testcases/SA-T32/teststeps"))["total"] == 0

    def test_invalid_script_posts_are_400(self, started):
        _, thread = started()
        assert_error(post(thread, "/testcases/SA-T1/testscript", {"type": "steps", "text": "x"}), 400, "type")
        assert_error(post(thread, "/testcases/SA-T1/testscript", {"type": "plain", "text": ""}), 400, "text")
        assert_error(post(thread, "/testcases/SA-T999/testscript", {"type": "plain", "text": "x"}), 404)

    def test_cycles_and_plans(self, started):
        _, thread = started()
        cycle = post(thread, "/testcycles", {"projectKey": "SA", "name": "C", "folderId": 4, "jiraProjectVersion": 10300,
                                             "plannedStartDate": "2024-05-01T00:00:00Z", "statusName": "Done"})
        assert cycle.status_code == 201 and cycle.json()["key"] == "SA-R3"
        rendered = ok(get(thread, "/testcycles/SA-R3"))
        assert rendered["status"]["id"] == fx.status_id("TEST_CYCLE", "Done") and rendered["jiraProjectVersion"]["id"] == 10300
        assert_error(post(thread, "/testcycles", {"projectKey": "SA", "name": "C", "plannedStartDate": "2024-05-01"}), 400, "plannedStartDate")
        plan = post(thread, "/testplans", {"projectKey": "SA", "name": "P", "folderId": 5})
        assert plan.status_code == 201 and plan.json()["key"] == "SA-P2"
        assert ok(get(thread, "/testplans/SA-P2"))["status"]["id"] == fx.status_id("TEST_PLAN", "Not Executed")
        assert_error(post(thread, "/testplans", {"projectKey": "SA", "name": "P", "folderId": 4}), 400, "TEST_PLAN")

    def test_execution_creation_answers_201_without_body_and_a_location(self, started):
        _, thread = started()
        response = post(thread, "/testexecutions", {
            "projectKey": "SA", "testCaseKey": "SA-T1", "testCycleKey": "SA-R2", "statusName": "Pass",
            "environmentName": "Firefox", "actualEndDate": "2024-04-01T10:00:00Z", "executionTime": 5000,
        })
        assert response.status_code == 201 and response.content == b""
        location = response.headers["Location"]
        assert re.fullmatch(rf"{re.escape(thread.base_url)}/testexecutions/\d+", location)
        execution = ok(requests.get(location, headers=AUTH, timeout=5))
        assert execution["testCycle"]["id"] == 401 and execution["environment"]["id"] == 301
        assert VERSION_SELF.search(execution["testCase"]["self"])["key"] == "SA-T1"
        steps = ok(get(thread, f"/testexecutions/{execution['id']}/teststeps", maxResults=300))
        assert steps["total"] == fx.STEP_CASE_STEPS
        assert steps["values"][0]["inline"]["status"]["id"] == fx.status_id("TEST_EXECUTION", "Not Executed")
        last = ok(get(thread, "/testexecutions", testCycle="SA-R2", onlyLastExecutions="true"))["values"]
        assert [e["id"] for e in last] == [execution["id"]]

    @pytest.mark.parametrize("change, contains", [
        ({"statusName": None}, "statusName must not be null"),
        ({"testCycleKey": None}, "testCycleKey must not be null"),
        ({"statusName": "Approved"}, "Approved"),
        ({"environmentName": "Opera"}, "Opera"),
        ({"testCaseKey": "SA-T999"}, "SA-T999"),
        ({"testCycleKey": "SA-R99"}, "SA-R99"),
        ({"testCaseKey": "SA-T4"}, "call to test"),
        ({"testScriptResults": [{"statusName": "Pass"}]}, "do not match"),
        ({"executionTime": "5s"}, "executionTime"),
    ])
    def test_invalid_executions_are_400(self, started, change, contains):
        app, thread = started()
        body = {"projectKey": "SA", "testCaseKey": "SA-T2", "testCycleKey": "SA-R1", "statusName": "Pass", **change}
        assert_error(post(thread, "/testexecutions", {k: v for k, v in body.items() if v is not None}), 400, contains)
        assert len(app.dataset.testexecutions) == 7

    def test_script_results_set_step_statuses(self, started):
        _, thread = started()
        post(thread, "/testcases/SA-T32/teststeps", {"mode": "APPEND", "items": [{"inline": {"description": "a"}}, {"inline": {"description": "b"}}]})
        response = post(thread, "/testexecutions", {"projectKey": "SA", "testCaseKey": "SA-T32", "testCycleKey": "400", "statusName": "Fail",
                                                    "testScriptResults": [{"statusName": "Pass"}, {"statusName": "Fail", "actualResult": "broke"}]})
        steps = ok(requests.get(response.headers["Location"] + "/teststeps", headers=AUTH, timeout=5))["values"]
        assert [s["inline"]["status"]["id"] for s in steps] == [fx.status_id("TEST_EXECUTION", n) for n in ("Pass", "Fail")]
        assert steps[1]["inline"]["actualResult"] == "broke"

    def test_links_answer_per_entity_as_the_spec_says(self, started):
        _, thread = started()
        case_link = post(thread, "/testcases/SA-T2/links/issues", {"issueId": 10042})
        assert case_link.status_code == 201 and case_link.json()["self"] == f"{thread.base_url}/links/{case_link.json()['id']}"
        assert ok(get(thread, "/issuelinks/SA-42/testcases"))[0]["key"] == "SA-T2"
        web = post(thread, "/testcases/SA-T2/links/weblinks", {"url": "https://example.com"})
        assert web.status_code == 201
        cycle_link = post(thread, "/testcycles/SA-R2/links/issues", {"issueId": 10042})
        assert cycle_link.status_code == 201 and cycle_link.content == b"" and "/links/" in cycle_link.headers["Location"]
        execution_link = post(thread, "/testexecutions/SA-E3/links/issues", {"issueId": 10042})
        assert execution_link.status_code == 201 and execution_link.content == b""
        assert_error(post(thread, "/testplans/SA-P1/links/weblinks", {"url": "https://example.com"}), 400, "description must not be null")
        plan_link = post(thread, "/testplans/SA-P1/links/testcycles", {"testCycleIdOrKey": "SA-R2"})
        assert plan_link.status_code == 201
        assert ok(get(thread, "/testcycles/SA-R2"))["links"]["testPlans"][0]["testPlanId"] == 450
        assert_error(post(thread, "/testcases/SA-T2/links/issues", {"issueId": "10042"}), 400, "issueId")
        link_id = case_link.json()["id"]
        assert requests.delete(f"{thread.base_url}/links/{link_id}", headers=AUTH, timeout=5).status_code == 200
        assert ok(get(thread, "/testcases/SA-T2/links"))["issues"] == []
        assert ok(get(thread, "/issuelinks/SA-42/testcases")) == []
        assert_error(requests.delete(f"{thread.base_url}/links/{link_id}", headers=AUTH, timeout=5), 404)

    def test_writes_need_the_token(self, started):
        app, thread = started()
        assert post(thread, "/testcases", {"projectKey": "SA", "name": "x"}, headers={}).status_code == 401
        assert len(app.dataset.testcases) == fx.CASE_COUNT



def put(server, path, body, headers=AUTH):
    return requests.put(server.base_url + path, json=body, headers=headers, timeout=5)


class TestUpdates:
    def test_a_test_case_round_trips_unchanged(self, started):
        _, thread = started()
        before = ok(get(thread, "/testcases/SA-T1"))
        response = put(thread, "/testcases/SA-T1", before)
        assert response.status_code == 200 and response.content == b""
        assert ok(get(thread, "/testcases/SA-T1")) == before

    def test_fields_left_out_are_cleared(self, started):
        _, thread = started()
        case = ok(get(thread, "/testcases/SA-T1"))
        partial = {name: case[name] for name in ("id", "key", "project", "priority", "status", "customFields")}
        partial.update(name="Renamed", status={"id": fx.status_id("TEST_CASE", "Approved")})
        assert put(thread, "/testcases/SA-T1", partial).status_code == 200
        updated = ok(get(thread, "/testcases/SA-T1"))
        assert updated["name"] == "Renamed" and updated["status"]["id"] == fx.status_id("TEST_CASE", "Approved")
        assert updated["labels"] == [] and not {"objective", "folder", "owner", "component"} & set(updated)
        assert updated["testScript"] == case["testScript"]
        assert "SA-T1" not in [c["key"] for c in ok(get(thread, "/testcases", folderId=2, maxResults=50))["values"]]

    def test_moving_a_case_moves_it_between_folder_filters(self, started):
        _, thread = started()
        case = ok(get(thread, "/testcases/SA-T1"))
        assert put(thread, "/testcases/SA-T1", dict(case, folder={"id": 3})).status_code == 200
        assert ok(get(thread, "/testcases", folderId=3, maxResults=50))["values"][-1]["key"] == "SA-T1"
        assert ok(get(thread, "/testcases", folderId=2, maxResults=50))["total"] == 19

    @pytest.mark.parametrize("change, contains", [
        ({"customFields": {"Build Number": 1}}, "Category"),
        ({"customFields": None}, "Build Number"),
        ({"id": 1002}, "id and key"),
        ({"key": "SA-T2"}, "id and key"),
        ({"project": {"id": 1}}, "Provided project does not match the current project."),
        ({"status": {"id": fx.status_id("TEST_EXECUTION", "Pass")}}, "TEST_CASE status"),
        ({"status": {"id": fx.status_id("TEST_CASE", "Deprecated")}}, "TEST_CASE status"),
        ({"priority": None}, "priority must not be null"),
        ({"folder": {"id": 4}}, "TEST_CASE"),
        ({"owner": {"accountId": "not valid!"}}, "accountId"),
    ])
    def test_invalid_case_updates_are_400(self, started, change, contains):
        _, thread = started()
        case = ok(get(thread, "/testcases/SA-T1"))
        assert_error(put(thread, "/testcases/SA-T1", {**case, **change}), 400, contains)
        assert ok(get(thread, "/testcases/SA-T1")) == case

    def test_cycle_update_keeps_planned_dates_left_out(self, started):
        _, thread = started()
        cycle = ok(get(thread, "/testcycles/SA-R1"))
        body = {name: cycle[name] for name in ("id", "key", "name", "project", "status", "customFields")}
        response = put(thread, "/testcycles/SA-R1", body)
        assert response.status_code == 200 and response.headers["Location"] == f"{thread.base_url}/testcycles/400"
        updated = ok(get(thread, "/testcycles/400"))
        assert updated["plannedStartDate"] == cycle["plannedStartDate"] and updated["plannedEndDate"] == cycle["plannedEndDate"]
        assert not {"description", "folder", "jiraProjectVersion"} & set(updated)
        assert ok(get(thread, "/testcycles", jiraProjectVersionId=10100))["total"] == 0

    def test_execution_update_changes_only_what_it_carries(self, started):
        _, thread = started()
        before = ok(get(thread, "/testexecutions/SA-E1"))
        response = put(thread, "/testexecutions/SA-E1", {"statusName": "Blocked", "comment": "retested"})
        assert response.status_code == 200 and response.headers["Location"] == f"{thread.base_url}/testexecutions/601"
        after = ok(get(thread, "/testexecutions/SA-E1"))
        assert after["testExecutionStatus"]["id"] == fx.status_id("TEST_EXECUTION", "Blocked") and after["comment"] == "retested"
        assert after["environment"] == before["environment"] and after["actualEndDate"] == before["actualEndDate"]
        assert_error(put(thread, "/testexecutions/SA-E1", {"statusName": "Draft"}), 400, "Draft")

    def test_option_updates_clear_and_move_the_default(self, started):
        _, thread = started()
        high = ok(get(thread, "/priorities/200"))
        assert put(thread, "/priorities/200", {"id": 200, "project": high["project"], "name": "Highest", "index": 0, "default": True}).status_code == 200
        priorities = ok(get(thread, "/priorities"))["values"]
        assert [(p["name"], p["default"], p.get("color", "absent")) for p in priorities][:2] == [("Highest", True, "absent"), ("Normal", False, "#ffff00")]
        assert_error(put(thread, "/priorities/200", {"id": 200, "project": high["project"], "name": "Low", "index": 0, "default": False}), 400, "already exists")
        assert_error(put(thread, "/priorities/200", {"id": 200, "project": high["project"], "name": "X", "index": 0, "default": "yes"}), 400, "default")
        status_body = {"id": 100, "project": high["project"], "name": "Draft", "index": 0, "default": True}
        assert_error(put(thread, "/statuses/100", status_body), 400, "archived must not be null")
        assert put(thread, "/statuses/100", {**status_body, "archived": True}).status_code == 200
        assert ok(get(thread, "/statuses/100"))["archived"] is True
        assert put(thread, "/environments/300", {"id": 300, "project": high["project"], "name": "Chromium", "index": 0}).status_code == 200
        assert "description" not in ok(get(thread, "/environments/300"))
        assert_error(put(thread, "/environments/999", {"id": 999, "project": high["project"], "name": "x", "index": 0}), 404)


OUTAGE_SECONDS = 2.0  # long enough that the first request falls inside it on a loaded CI machine (0.3 did not)


def faulty(started, **config):
    return started(faults=FaultInjector(FaultConfig(**config)))


class TestFaults:
    def test_latency(self, started):
        _, thread = faulty(started, latency_ms=150)
        began = time.monotonic()
        assert get(thread, "/healthcheck").status_code == 200
        assert time.monotonic() - began >= 0.15

    def test_server_errors(self, started):
        _, thread = faulty(started, error_rate=1.0)
        statuses = {get(thread, "/testcases").status_code for _ in range(20)}
        assert statuses <= {500, 502, 503} and statuses

    def test_500_uses_the_service_error_shape_and_502_the_gateway_one(self, started):
        app, thread = started()
        app.faults.inject("500", "GET", "/v2/testcases")
        app.faults.inject("502", "GET", "/v2/testcases")
        assert_error(get(thread, "/testcases"), 500)
        bad_gateway = get(thread, "/testcases")
        assert bad_gateway.status_code == 502 and set(bad_gateway.json()) == {"message"}
        assert get(thread, "/testcases").status_code == 200

    @pytest.mark.parametrize("retry_after", ["0", "1", None])
    def test_throttling_with_each_retry_after(self, started, retry_after):
        app, thread = started()
        app.faults.inject("429", "GET", "/v2/testcases/{testCaseKey}", retry_after=retry_after)
        throttled = get(thread, "/testcases/SA-T1")
        assert throttled.status_code == 429 and throttled.json() == {"message": "Too Many Requests"}
        assert throttled.headers.get("Retry-After") == retry_after
        assert get(thread, "/testcases/SA-T1").status_code == 200

    def test_random_throttling(self, started):
        _, thread = faulty(started, throttle_rate=1.0, seed=3)
        responses = [get(thread, "/projects") for _ in range(12)]
        assert {r.status_code for r in responses} == {429}
        assert {r.headers.get("Retry-After") for r in responses} <= {"0", "1", None}

    def test_request_budget(self, started):
        _, thread = faulty(started, rate_limit_rps=3)
        statuses = [get(thread, "/projects").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        time.sleep(1.05)
        assert get(thread, "/projects").status_code == 200

    def test_dropped_before_the_write_is_not_applied(self, started):
        app, thread = started()
        app.faults.inject("drop_before", "POST", "/v2/testcases")
        with pytest.raises(requests.ConnectionError):
            post(thread, "/testcases", {"projectKey": "SA", "name": "dropped"})
        assert len(app.dataset.testcases) == fx.CASE_COUNT

    def test_dropped_after_the_write_is_applied(self, started):
        app, thread = started()
        app.faults.inject("drop_after", "POST", "/v2/testcases")
        with pytest.raises(requests.ConnectionError):
            post(thread, "/testcases", {"projectKey": "SA", "name": "applied"})
        assert ok(get(thread, f"/testcases/SA-T{fx.CASE_COUNT + 1}"))["name"] == "applied"

    def test_applied_but_502(self, started):
        app, thread = started()
        app.faults.inject("applied_502", "POST", "/v2/testexecutions")
        response = post(thread, "/testexecutions", {"projectKey": "SA", "testCaseKey": "SA-T2", "testCycleKey": "SA-R1", "statusName": "Pass"})
        assert response.status_code == 502 and "Location" not in response.headers
        assert len(app.dataset.testexecutions) == 8
        assert ok(get(thread, "/testexecutions", testCycle="SA-R1"))["total"] == 5

    def test_random_drops_hit_writes_only(self, started):
        _, thread = faulty(started, drop_rate=1.0)
        assert get(thread, "/projects").status_code == 200
        with pytest.raises(requests.ConnectionError):
            post(thread, "/folders", {"projectKey": "SA", "name": "F", "folderType": "TEST_CASE"})

    def test_outage(self, started):
        app, thread = started()
        app.faults.start_outage(OUTAGE_SECONDS)
        down = get(thread, "/testcases")
        assert down.status_code == 503 and down.headers["Retry-After"] == "1"
        time.sleep(OUTAGE_SECONDS + 0.1)
        assert get(thread, "/testcases").status_code == 200

    def test_scheduled_outage(self, started):
        _, thread = faulty(started, outage_after_s=0.0, outage_seconds=OUTAGE_SECONDS)
        assert get(thread, "/projects").status_code == 503
        time.sleep(OUTAGE_SECONDS + 0.1)
        assert get(thread, "/projects").status_code == 200

    def test_request_counters_by_route_template(self, started):
        app, thread = started()
        for key in ("SA-T1", "SA-T2", "SA-T999"):
            get(thread, f"/testcases/{key}")
        get(thread, "/testcases", headers={})
        post(thread, "/folders", {"projectKey": "SA", "name": "F", "folderType": "TEST_CASE"})
        get(thread, "/nope")
        assert app.counters.get("GET", "/v2/testcases/{testCaseKey}") == 3
        assert app.counters.get("GET", "/v2/testcases") == 1
        assert app.counters.get("POST", "/v2/folders") == 1 and app.counters.writes() == 1
        assert app.counters.get("GET", "/v2/nope") == 1
        assert app.counters.total() == 6
