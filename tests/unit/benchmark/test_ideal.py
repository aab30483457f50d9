"""The floor of requests a migration is measured against, counted from a hand-made Zephyr project."""

from benchmark.ideal import JIRA, QTEST, ZEPHYR, ideal_seconds, minimal_requests, route_of
from ztoq_luigi.sandbox.zephyr.store import ZephyrDataset

PROJECT = "/api/v3/projects/{projectId}"
IMG = '<img src="{{zephyr-root}}/files/a/shot.png">'


def status(status_id, status_type, name):
    return {"id": status_id, "statusType": status_type, "name": name}


def execution(number, case, status_id, cycle=1, ended="2024-01-01T10:00:00Z", comment="", results=1):
    return {"id": number, "key": f"P-E{number}", "testCaseKey": case, "statusId": status_id, "testCycleId": cycle,
            "actualEndDate": ended, "comment": comment,
            "stepResults": [{"inline": {"actualResult": ""}} for _ in range(results)]}


def project():
    statuses = [status(1, "TEST_EXECUTION", "Not Executed"), status(2, "TEST_EXECUTION", "Pass")]
    statuses += [status(10 + n, "TEST_CASE", f"S{n}") for n in range(101)]
    cases = [
        {"key": "P-T1", "folderId": 5, "objective": IMG, "steps": [{"inline": {"description": "d"}}] * 150},
        {"key": "P-T2", "folderId": 5, "script": {"type": "plain", "text": "x"}, "steps": []},
        {"key": "P-T3", "folderId": None, "objective": '<a href="{{jira-root}}/secure/attachment/1/a.png">a</a>'
                                                      '<img src="{{zephyr-root}}/files/gone.png">', "steps": []},
    ]
    executions = [
        execution(1, "P-T1", 2, comment=IMG + '<img src="{{jira-root}}/secure/attachment/2/b.png">', results=101),
        execution(2, "P-T1", 2),
        execution(3, "P-T1", 1, ended=None),
        execution(4, "P-T2", 2, ended=None),
        execution(5, "P-T2", 2, cycle=None),
        execution(6, "P-T9", 2),
    ]
    return ZephyrDataset(
        project={"key": "P"}, statuses=statuses, priorities=[{}] * 3, environments=[],
        folders=[{"folderType": "TEST_CASE"}, {"folderType": "TEST_CYCLE"}, {"folderType": "TEST_PLAN"}],
        testcases=cases, testcycles=[{}], testplans=[{}, {}], testexecutions=executions,
        files={"/files/a/shot.png": ("image/png", b"")}, jira_files={"/secure/attachment/1/a.png": ("image/png", b"")})


def test_zephyr_is_read_in_pages_of_100_and_once_per_case_and_executed_execution():
    floor = minimal_requests(project())
    assert floor[(ZEPHYR, "GET", "/v2/statuses")] == 2 + 1 + 1 + 1, "101 test case statuses take two pages"
    assert floor[(ZEPHYR, "GET", "/v2/folders")] == 2, "test case and test cycle folders; plan folders unused"
    assert floor[(ZEPHYR, "GET", "/v2/environments")] == 1, "an empty listing still costs a request"
    assert floor[(ZEPHYR, "GET", "/v2/testexecutions")] == 1, "one project-wide listing, not one per cycle"
    assert floor[(ZEPHYR, "GET", "/v2/testcases/{testCaseKey}/teststeps")] == 2 + 1
    assert floor[(ZEPHYR, "GET", "/v2/testcases/{testCaseKey}/testscript")] == 1
    assert floor[(ZEPHYR, "GET", "/v2/testexecutions/{testExecutionIdOrKey}/teststeps")] == 2 + 1 + 1, \
        "executions 1 (two pages of results), 2 and 5; not the unexecuted, the undated or another project's case"


def test_each_file_is_fetched_once_and_uploaded_once_per_object_embedding_it():
    floor = minimal_requests(project())
    assert floor[(ZEPHYR, "GET", "/files/{path}")] == 2, "shot.png once for a case and a log, and the dead link"
    assert floor[(JIRA, "GET", "/secure/attachment/{attachmentId}/{fileName}")] == 2
    assert floor[(JIRA, "GET", "/file/{token}/binary")] == 1, "only the Jira file that exists is redirected to"
    assert floor[(QTEST, "POST", PROJECT + "/{objectType}/{objectId}/blob-handles")] == 3
    assert floor[(QTEST, "PUT", PROJECT + "/test-cases/{testCaseId}")] == 2
    assert floor[(QTEST, "PUT", PROJECT + "/test-runs/{testRunId}/test-logs/{id}")] == 1
    assert floor[(QTEST, "GET", PROJECT + "/{objectType}/{objectId}/attachments/{attachmentId}")] == 3


def test_qtest_gets_one_create_per_object_and_a_read_back_in_pages():
    floor = minimal_requests(project())
    assert floor[(QTEST, "POST", PROJECT + "/modules")] == 1 + 1, "the folder and the module of unfiled cases"
    assert floor[(QTEST, "POST", PROJECT + "/test-cases")] == 3
    assert floor[(QTEST, "POST", PROJECT + "/releases")] == 2
    assert floor[(QTEST, "POST", PROJECT + "/test-cycles")] == 1 + 1 + 1, "cycle folder, cycle, ad-hoc container"
    assert floor[(QTEST, "POST", PROJECT + "/test-runs")] == 3, "(cycle, P-T1), (cycle, P-T2), (ad hoc, P-T2)"
    assert floor[(QTEST, "POST", PROJECT + "/test-runs/{testRunId}/test-logs")] == 3
    assert floor[(QTEST, "GET", PROJECT + "/settings/{objectType}/fields")] == 2
    assert floor[(QTEST, "GET", PROJECT + "/test-cases")] == 1
    assert floor[(QTEST, "POST", PROJECT + "/search")] == 1


def test_field_creation_is_taken_as_measured():
    route = PROJECT + "/settings/{objectType}/fields"
    floor = minimal_requests(project(), field_writes={("POST", route): 7})
    assert floor[(QTEST, "POST", route)] == 7


def test_ideal_time_spreads_the_latency_of_the_two_apis_over_the_requests_in_flight():
    floor = {(ZEPHYR, "GET", "/a"): 30, (QTEST, "POST", "/b"): 10, (JIRA, "GET", "/c"): 99}
    assert ideal_seconds(floor, latency_ms=20, concurrency=4) == 40 * 0.020 / 4


def test_file_paths_fold_into_one_route():
    assert route_of(ZEPHYR, "GET", "/files/x/y.png") == (ZEPHYR, "GET", "/files/{path}")
    assert route_of(QTEST, "GET", "/files/x") == (QTEST, "GET", "/files/x")
