"""The fewest requests the two APIs need to migrate a generated project: the floor a migration is measured against.

Counted from the generated data alone, route by route as the simulators
count them, for a migration into an empty qTest project:

- Zephyr: every listing read once in pages of 100 (the most Zephyr answers),
  executions in one project-wide listing; per test case one read of its steps
  (per 100 steps) or of its script; one step-result read per executed
  execution (per 100 results); each embedded file fetched once (a Jira file
  costs two requests: the site redirects to its media host).
- qTest: one login, the project, the field settings of test cases and of test
  runs, the execution statuses; one create per module, test case, release,
  test cycle (folders, cycles and the ad-hoc container), run and log; one
  upload per file and object embedding it, and one update per object whose
  texts then point at its uploads; a read-back validation in pages of 100
  (one request for each container tree) and one download per upload to
  compare its bytes.
- Fields that qTest lacks depend on the target, not on the Zephyr data; their
  creation is passed in as measured (`field_writes`).

Only the rules of what becomes what are shared with the tool (the pure
mapping: which texts embed files, which executions become logs).
"""

import math
from collections import Counter
from urllib.parse import urlsplit

from ztoq_luigi.mapping.attachments import case_texts, execution_texts, find_files
from ztoq_luigi.mapping.executions import NOT_EXECUTED

PAGE = 100
ZEPHYR, QTEST, JIRA = "zephyr", "qtest", "jira"
ZEPHYR_ROOT, JIRA_ROOT = "http://zephyr.test", "http://jira.test"
ZEPHYR_BASE = ZEPHYR_ROOT + "/v2"
QTEST_PROJECT = "/api/v3/projects/{projectId}"
FILE_ROUTE = "/files/{path}"
JIRA_ROUTES = ("/secure/attachment/{attachmentId}/{fileName}", "/file/{token}/binary")
STATUS_TYPES = ("TEST_CASE", "TEST_EXECUTION", "TEST_CYCLE", "TEST_PLAN")
FOLDER_TYPES = ("TEST_CASE", "TEST_CYCLE")


def pages(count):
    """Requests to read a listing of `count` items: an empty listing still costs one."""
    return max(1, math.ceil(count / PAGE))


def route_of(service, method, route):
    """A simulator's counter key with file paths folded into one route, as the floor counts them."""
    if service == ZEPHYR and route.startswith("/files/"):
        route = FILE_ROUTE
    return service, method, route


def minimal_requests(dataset, field_writes=None):
    """Counter of (service, method, route) -> the fewest requests migrating `dataset` needs."""
    floor = Counter()
    executed = executed_executions(dataset)
    uploads = _zephyr_reads(floor, dataset, executed)
    _qtest_writes(floor, dataset, executed, uploads)
    _validation_reads(floor, dataset, executed, uploads)
    for (method, route), count in (field_writes or {}).items():
        floor[(QTEST, method, route)] += count
    return floor


def executed_executions(dataset):
    """The executions that become test logs: of a test case in the project, with a status other than Not Executed
    and an end date (qTest needs an execution date)."""
    names = {status["id"]: status["name"] for status in dataset.statuses if status["statusType"] == "TEST_EXECUTION"}
    cases = {case["key"] for case in dataset.testcases}
    return [execution for execution in dataset.testexecutions
            if execution["testCaseKey"] in cases and names.get(execution["statusId"]) != NOT_EXECUTED
            and execution.get("actualEndDate")]


def runs(dataset):
    """The (cycle or ad hoc, test case) pairs: one qTest run each."""
    cases = {case["key"] for case in dataset.testcases}
    return {(execution["testCycleId"], execution["testCaseKey"]) for execution in dataset.testexecutions
            if execution["testCaseKey"] in cases}


def _zephyr_reads(floor, dataset, executed):
    """The Zephyr and Jira reads; returns {owner: files it embeds that exist}, the uploads to make."""
    zephyr = lambda route: (ZEPHYR, "GET", "/v2" + route)  # noqa: E731
    floor[zephyr("/projects/{projectIdOrKey}")] += 1
    for status_type in STATUS_TYPES:
        floor[zephyr("/statuses")] += pages(sum(s["statusType"] == status_type for s in dataset.statuses))
    floor[zephyr("/priorities")] += pages(len(dataset.priorities))
    floor[zephyr("/environments")] += pages(len(dataset.environments))
    for folder_type in FOLDER_TYPES:
        floor[zephyr("/folders")] += pages(sum(f["folderType"] == folder_type for f in dataset.folders))
    for route, items in (("/testcases", dataset.testcases), ("/testcycles", dataset.testcycles),
                         ("/testplans", dataset.testplans), ("/testexecutions", dataset.testexecutions)):
        floor[zephyr(route)] += pages(len(items))
    for case in dataset.testcases:
        if (case.get("script") or {}).get("type") in ("plain", "bdd"):
            floor[zephyr("/testcases/{testCaseKey}/testscript")] += 1
        else:
            floor[zephyr("/testcases/{testCaseKey}/teststeps")] += pages(len(case.get("steps") or []))
    for execution in executed:
        floor[zephyr("/testexecutions/{testExecutionIdOrKey}/teststeps")] += pages(len(execution["stepResults"]))
    return _files(floor, dataset, executed)


def _files(floor, dataset, executed):
    owners = {}
    for case in dataset.testcases:
        owners[("case", case["key"])] = case_texts(case, case.get("steps"), case.get("script"))
    for execution in executed:
        owners[("log", execution["key"])] = execution_texts(execution, execution["stepResults"])
    fetched, uploads = {}, {}
    for owner, texts in owners.items():
        for text in texts:
            for url in find_files(_resolved(text), ZEPHYR_BASE):
                if url not in fetched:
                    fetched[url] = _fetch(floor, dataset, url)
                if fetched[url]:
                    uploads.setdefault(owner, set()).add(url)
    return uploads


def _resolved(text):
    return text.replace("{{zephyr-root}}", ZEPHYR_ROOT).replace("{{jira-root}}", JIRA_ROOT)


def _fetch(floor, dataset, url):
    """Count the requests that fetch `url`; whether the file exists (a dead link is one request, no upload)."""
    parts = urlsplit(url)
    host = f"{parts.scheme}://{parts.netloc}"
    if host == ZEPHYR_ROOT:
        floor[(ZEPHYR, "GET", FILE_ROUTE)] += 1
        return parts.path in dataset.files
    if host == JIRA_ROOT:
        floor[(JIRA, "GET", JIRA_ROUTES[0])] += 1
        if parts.path in dataset.jira_files:
            floor[(JIRA, "GET", JIRA_ROUTES[1])] += 1
            return True
    return False


def _qtest_writes(floor, dataset, executed, uploads):
    qtest = lambda method, route: (QTEST, method, QTEST_PROJECT + route)  # noqa: E731
    floor[(QTEST, "POST", "/oauth/token")] += 1
    floor[qtest("GET", "")] += 1
    floor[qtest("GET", "/settings/{objectType}/fields")] += 2
    floor[qtest("GET", "/test-runs/execution-statuses")] += 1
    case_folders = sum(folder["folderType"] == "TEST_CASE" for folder in dataset.folders)
    unfiled = any(case.get("folderId") is None for case in dataset.testcases)
    floor[qtest("POST", "/modules")] += case_folders + unfiled
    floor[qtest("POST", "/test-cases")] += len(dataset.testcases)
    floor[qtest("POST", "/releases")] += len(dataset.testplans)
    cycle_folders = sum(folder["folderType"] == "TEST_CYCLE" for folder in dataset.folders)
    adhoc = any(execution["testCycleId"] is None for execution in dataset.testexecutions)
    floor[qtest("POST", "/test-cycles")] += cycle_folders + len(dataset.testcycles) + adhoc
    floor[qtest("POST", "/test-runs")] += len(runs(dataset))
    floor[qtest("POST", "/test-runs/{testRunId}/test-logs")] += len(executed)
    floor[qtest("POST", "/{objectType}/{objectId}/blob-handles")] += sum(len(urls) for urls in uploads.values())
    floor[qtest("PUT", "/test-cases/{testCaseId}")] += sum(kind == "case" for kind, _ in uploads)
    floor[qtest("PUT", "/test-runs/{testRunId}/test-logs/{id}")] += sum(kind == "log" for kind, _ in uploads)


def _validation_reads(floor, dataset, executed, uploads):
    qtest = lambda method, route: (QTEST, method, QTEST_PROJECT + route)  # noqa: E731
    floor[qtest("GET", "/modules")] += 1
    floor[qtest("GET", "/test-cycles")] += 1
    floor[qtest("GET", "/test-cases")] += pages(len(dataset.testcases))
    floor[qtest("GET", "/test-runs")] += pages(len(runs(dataset)))
    floor[qtest("POST", "/search")] += pages(len(executed))
    floor[qtest("GET", "/{objectType}/{objectId}/attachments/{attachmentId}")] += sum(map(len, uploads.values()))


def ideal_seconds(floor, latency_ms, concurrency, services=(ZEPHYR, QTEST)):
    """The floor's time with `concurrency` requests always in flight, each answered after `latency_ms`."""
    requests = sum(count for (service, _, _), count in floor.items() if service in services)
    return requests * latency_ms / 1000.0 / concurrency
