"""Zephyr Scale Cloud REST API v2: the reads the extract phase needs.

Paging lives in one place (`pages`), following the spec's PagedList rules:
ask for a large page, trust the `maxResults` the server returns (it may
lower what was asked silently), and stop on `isLast` or an empty page.
The spec also says `startAt` "should be a multiple of maxResults", and a
server may compute pages from that quotient; so every request's startAt is
a multiple of the maxResults sent with it. When the server lowers the page
size, the lowered size is used from the next request on; where the position
reached is not a multiple of it (the size changed mid-list, or a page came
back short), the next request asks for a smaller size that divides the
position (see `aligned_page_size`), which never re-reads or skips a record,
and the pages after it are full again.
"""

from urllib.parse import quote, urlsplit

from ztoq_luigi.clients.errors import MalformedPayloadError, NotFoundError
from ztoq_luigi.clients.http import HttpClient
from ztoq_luigi.schemas.base import check
from ztoq_luigi.schemas.zephyr import PagedListSchema, ProjectSchema

LIST_PAGE_SIZE = 1000
STEPS_PAGE_SIZE = 100


def aligned_page_size(position, limit):
    """The page size to ask for at `position`, which must be a multiple of it; never more than `limit`.

    `limit` itself when the position is a multiple of it; else the gap to the
    next multiple of `limit` if the position is a multiple of that gap (one
    short page, then full ones); else the largest size that divides the
    position, from which later pages work their way back up.
    """
    gap = limit - position % limit
    if position % gap == 0:
        return gap
    return next(size for size in range(min(limit, position), 0, -1) if position % size == 0)


class ZephyrClient(HttpClient):
    service = "Zephyr"

    def __init__(self, base_url, api_token, **kwargs):
        super().__init__(base_url, **kwargs)
        self._token = api_token

    def secrets(self):
        return [self._token]

    def auth_headers(self):
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    def auth_hint(self, status):
        if status == 401:
            return "expected a valid Zephyr API access token (--zephyr-api-token or ZTOQ_ZEPHYR_API_TOKEN)"
        return ("expected --zephyr-base-url to be the API root such as https://api.zephyrscale.smartbear.com/v2 "
                "(Zephyr answers 403 to unknown paths) and a token with access to the project")

    def pages(self, path, params=None, page_size=LIST_PAGE_SIZE):
        """Yield every value of a paged list, one aligned page request at a time."""
        position, size = 0, page_size
        while True:
            asked = aligned_page_size(position, size)
            page = self.get_json(path, dict(params or {}, startAt=position, maxResults=asked))
            self._check_page(path, page, position)
            values = page.get("values") or []
            yield from values
            position += len(values)
            if page["maxResults"] < asked:
                size = max(page["maxResults"], 1)
            total = page.get("total")
            if page.get("isLast") or not values or (total is not None and position >= total):
                return

    def _check_page(self, path, page, position):
        problems = check(PagedListSchema(), page)
        if not problems and page["startAt"] != position:
            problems = [f"startAt: the page starts at {page['startAt']}"]
        if problems:
            raise MalformedPayloadError(
                f"Zephyr GET {path} returned a malformed page at startAt={position}: {problems[0]}; "
                "expected a PagedList with startAt (the one asked for), maxResults and values",
                service=self.service, method="GET", path=path)

    def project(self, project_key):
        path = f"/projects/{quote(project_key)}"
        payload = self.get_json(path)
        problems = check(ProjectSchema(), payload)
        if problems:
            raise MalformedPayloadError(f"Zephyr GET {path} returned a malformed project: {problems[0]}",
                                        service=self.service, method="GET", path=path)
        return payload

    def statuses(self, project_key, status_type):
        return self.pages("/statuses", {"projectKey": project_key, "statusType": status_type})

    def priorities(self, project_key):
        return self.pages("/priorities", {"projectKey": project_key})

    def environments(self, project_key):
        return self.pages("/environments", {"projectKey": project_key})

    def folders(self, project_key, folder_type):
        return self.pages("/folders", {"projectKey": project_key, "folderType": folder_type})

    def test_cases(self, project_key):
        return self.pages("/testcases", {"projectKey": project_key})

    def steps_and_script(self, test_case):
        """A case's steps, or its plain/BDD script: Zephyr keeps one or the other.

        `testScript.self` says which (it ends in /teststeps or /testscript);
        when it is missing, or names a script that is not there, the steps
        endpoint decides, so a server that words the link differently still
        yields the case's content.
        """
        key = test_case["key"]
        link = ((test_case.get("testScript") or {}).get("self") or "").rstrip("/")
        if link.endswith("/testscript"):
            script = self.test_script(key)
            if script is not None:
                return [], script
        return self.test_steps(key), None

    def test_steps(self, test_case_key):
        return list(self.pages(f"/testcases/{quote(test_case_key)}/teststeps", page_size=STEPS_PAGE_SIZE))

    def test_script(self, test_case_key):
        """The plain or BDD script, or None: Zephyr answers 404 for a case without one."""
        try:
            return self.get_json(f"/testcases/{quote(test_case_key)}/testscript")
        except NotFoundError:
            return None

    def test_cycles(self, project_key):
        return self.pages("/testcycles", {"projectKey": project_key})

    def test_plans(self, project_key):
        return self.pages("/testplans", {"projectKey": project_key})

    def test_executions(self, project_key, test_cycle=None):
        """Executions of one cycle (id or key), or of the whole project; full history, not only the last."""
        params = {"projectKey": project_key, "onlyLastExecutions": "false"}
        if test_cycle is not None:
            params["testCycle"] = test_cycle
        return self.pages("/testexecutions", params)

    def execution_steps(self, execution_id_or_key):
        """The step results of one execution (no step ids: they match the case's steps by position)."""
        return list(self.pages(f"/testexecutions/{quote(str(execution_id_or_key))}/teststeps",
                               page_size=STEPS_PAGE_SIZE))

    def download(self, url, destination):
        """Fetch a file linked from rich text to `destination`; returns (sha256, content type, size).

        The API token goes only to the Zephyr host itself, never to a third-party host a link points at.
        """
        same_host = urlsplit(url).netloc == urlsplit(self.base_url).netloc
        return self.download_to(url, destination, authenticated=same_host)
