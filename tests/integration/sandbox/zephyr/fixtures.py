"""A small hand-built Zephyr dataset covering every shape the simulator's conformance tests need.

Built by hand rather than by the generator so that each test knows exactly
which record it is looking at: 37 test cases over a folder tree (SA-T1 with
250 steps, plain and BDD scripts, a call-to-test, a case with three
versions), two cycles, one plan, executions with history and ad-hoc ones,
issue links to Jira issue SA-7 and one embedded file.
"""

import copy

from ztoq_luigi.sandbox.zephyr.store import ROOT_PLACEHOLDER, ZephyrDataset

TOKEN = "test-token-123"
PROJECT = {"id": 10005, "key": "SA", "jiraProjectId": 10000, "enabled": True}
CASE_COUNT = 37
STEP_CASE_STEPS = 250
ISSUE_SA_7 = 10007
OWNER = "5b10a2844c20165700ede21g"
SCREEN_PATH = "/files/att-1/screen.png"
SCREEN_BYTES = b"\x89PNG\r\n\x1a\nfake-image"
VERSIONED_CASE_IDS = {1: 9001, 2: 9002, 3: 1005}

FOLDERS = [
    {"id": 1, "parentId": None, "name": "Pumps", "index": 0, "folderType": "TEST_CASE"},
    {"id": 2, "parentId": 1, "name": "Axial", "index": 0, "folderType": "TEST_CASE"},
    {"id": 3, "parentId": None, "name": "Valves", "index": 1, "folderType": "TEST_CASE"},
    {"id": 4, "parentId": None, "name": "Sprint 1", "index": 0, "folderType": "TEST_CYCLE"},
    {"id": 5, "parentId": None, "name": "Releases", "index": 0, "folderType": "TEST_PLAN"},
]
STATUS_NAMES = {
    "TEST_CASE": ["Draft", "Approved", "Deprecated"],
    "TEST_CYCLE": ["Not Executed", "In Progress", "Done"],
    "TEST_PLAN": ["Not Executed", "Done"],
    "TEST_EXECUTION": ["Not Executed", "In Progress", "Pass", "Fail", "Blocked"],
}


def statuses():
    records, next_id = [], 100
    for status_type, names in STATUS_NAMES.items():
        for index, name in enumerate(names):
            records.append({
                "id": next_id, "name": name, "description": None, "index": index, "color": "#00ff00",
                "archived": name == "Deprecated", "default": index == 0, "statusType": status_type,
            })
            next_id += 1
    return records


def status_id(status_type, name):
    """The id statuses() gives the status `name` of `status_type`."""
    offset = 100
    for kind, names in STATUS_NAMES.items():
        if kind == status_type:
            return offset + names.index(name)
        offset += len(names)
    raise KeyError(status_type)


PRIORITIES = [
    {"id": 200, "name": "High", "description": "Urgent", "index": 0, "color": "#ff0000", "default": False},
    {"id": 201, "name": "Normal", "description": None, "index": 1, "color": "#ffff00", "default": True},
    {"id": 202, "name": "Low", "description": None, "index": 2, "color": "#00ff00", "default": False},
]
ENVIRONMENTS = [
    {"id": 300, "name": "Chrome", "description": "Latest Chrome", "index": 0, "archived": False},
    {"id": 301, "name": "Firefox", "description": None, "index": 1, "archived": False},
]


def case_key(number):
    return f"SA-T{number}"


def case_id(number):
    return 1000 + number


def _folder_of(number):
    if number <= 20:
        return 2
    if number <= 30:
        return 3
    return None


def _case(number):
    return {
        "id": case_id(number), "key": case_key(number), "name": f"Case {number}",
        "createdOn": "2024-01-02T03:04:05Z",
        "objective": f"<p>Objective {number}</p>", "precondition": None, "estimatedTime": 60000,
        "labels": ["Regression"], "componentId": 10001 if number == 1 else None,
        "priorityId": 201, "statusId": status_id("TEST_CASE", "Draft"), "folderId": _folder_of(number),
        "ownerId": OWNER if number % 2 else None,
        "customFields": {"Build Number": number, "Category": ["Performance"]},
        "version": 1, "versionIds": {1: case_id(number)}, "script": None, "steps": [],
        "issueLinks": [], "webLinks": [],
    }


def _inline(text):
    return {"inline": {"description": f"Do {text}", "testData": f"data {text}", "expectedResult": f"{text} works",
                       "customFields": {"Browser": "Chrome"}, "reflectRef": None}}


def test_cases():
    cases = [_case(number) for number in range(1, CASE_COUNT + 1)]
    cases[0].update(script={"type": "steps"}, steps=[_inline(n) for n in range(1, STEP_CASE_STEPS + 1)],
                    issueLinks=[{"id": 500, "issueId": ISSUE_SA_7, "type": "COVERAGE"}],
                    webLinks=[{"id": 501, "url": "https://atlassian.com", "description": "Atlassian", "type": "RELATED"}])
    cases[1].update(script={"id": 700, "type": "plain",
                            "text": f'Look at <img src="{ROOT_PLACEHOLDER}{SCREEN_PATH}">'})
    cases[2].update(script={"id": 701, "type": "bdd", "text": "Given a pump\nWhen enabled\nThen it runs"})
    cases[3].update(script={"type": "steps"}, steps=[
        _inline("first"),
        {"testCase": {"testCaseKey": "SA-T5", "version": 3,
                      "parameters": [{"name": "user", "type": "DEFAULT_VALUE", "value": "admin"}]}},
    ])
    cases[4].update(version=3, versionIds=dict(VERSIONED_CASE_IDS), id=VERSIONED_CASE_IDS[3])
    return cases


CYCLES = [
    {"id": 400, "key": "SA-R1", "name": "Sprint 1 regression", "description": "First", "plannedStartDate": "2024-02-01T00:00:00Z",
     "plannedEndDate": "2024-02-10T00:00:00Z", "statusId": status_id("TEST_CYCLE", "In Progress"), "folderId": 4, "ownerId": OWNER,
     "jiraProjectVersionId": 10100, "customFields": {}, "issueLinks": [{"id": 502, "issueId": ISSUE_SA_7, "type": "RELATED"}],
     "webLinks": []},
    {"id": 401, "key": "SA-R2", "name": "Sprint 2 regression", "description": None, "plannedStartDate": None,
     "plannedEndDate": None, "statusId": status_id("TEST_CYCLE", "Done"), "folderId": None, "ownerId": None,
     "jiraProjectVersionId": 10200, "customFields": {}, "issueLinks": [], "webLinks": []},
]
PLANS = [
    {"id": 450, "key": "SA-P1", "name": "Release 1", "objective": "Ship it", "statusId": status_id("TEST_PLAN", "Not Executed"), "folderId": 5, "ownerId": OWNER,
     "customFields": {}, "labels": ["release-1"], "issueLinks": [{"id": 503, "issueId": ISSUE_SA_7, "type": "RELATED"}],
     "webLinks": [], "testCycleLinks": [{"id": 504, "testCycleId": 400, "type": "RELATED"}]},
]


def _execution(execution_id, case_number, cycle_id, status, end, version=1, row=None):
    return {
        "id": execution_id, "key": f"SA-E{execution_id - 600}", "testCaseKey": case_key(case_number), "testCaseVersion": version,
        "environmentId": 300 if cycle_id else None, "jiraProjectVersionId": 10100 if cycle_id == 400 else None,
        "statusId": status_id("TEST_EXECUTION", status), "actualEndDate": end, "estimatedTime": 60000,
        "executionTime": 30000, "executedById": OWNER, "assignedToId": None, "comment": f"run {execution_id}",
        "automated": False, "testCycleId": cycle_id, "customFields": {}, "issueLinks": [],
        "stepResults": [{"inline": {"description": "Do 1", "testData": None, "expectedResult": "1 works", "actualResult": "ok",
                                    "testDataRowNumber": row, "reflectRef": None, "statusId": status_id("TEST_EXECUTION", status)}}],
    }


def executions():
    records = [
        _execution(601, 1, 400, "Fail", "2024-02-02T10:00:00Z"),
        _execution(602, 1, 400, "Pass", "2024-02-03T10:00:00Z"),
        _execution(603, 2, 400, "Pass", "2024-02-04T10:00:00Z"),
        _execution(604, 1, 401, "Blocked", "2024-03-01T10:00:00Z"),
        _execution(605, 5, None, "Pass", "2024-01-15T10:00:00Z", version=1),
        _execution(606, 5, None, "Fail", None, version=3),
        _execution(607, 2, 400, "In Progress", None),
    ]
    records[0]["issueLinks"] = [{"id": 505, "issueId": ISSUE_SA_7, "type": "RELATED"}]
    records[1]["stepResults"] = [
        {"inline": {"description": f"Do {n}", "testData": None, "expectedResult": None, "actualResult": None,
                    "testDataRowNumber": n % 2, "reflectRef": None, "statusId": status_id("TEST_EXECUTION", "Pass")}}
        for n in range(1, 6)
    ]
    return records


def small_dataset():
    """A fresh dataset each call: the seeding routes append to it."""
    return ZephyrDataset(
        project=dict(PROJECT), statuses=statuses(), priorities=[dict(p) for p in PRIORITIES],
        environments=[dict(e) for e in ENVIRONMENTS], folders=[dict(f) for f in FOLDERS],
        testcases=test_cases(), testcycles=copy.deepcopy(CYCLES), testplans=copy.deepcopy(PLANS), testexecutions=executions(),
        files={SCREEN_PATH: ("image/png", SCREEN_BYTES)},
    )
