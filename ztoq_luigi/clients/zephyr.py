"""Zephyr Scale Cloud REST API v2: the reads the extract phase needs.

Every listing is read through the shared paginator (clients/paging.py) in
the ZephyrOffsets style: aligned startAt, the page size the server returns,
the end at `isLast`, an empty page or `total`.
"""

from urllib.parse import quote, urlsplit

from ztoq_luigi.clients.errors import MalformedPayloadError, NotFoundError
from ztoq_luigi.clients.http import HttpClient
from ztoq_luigi.clients.paging import ZephyrOffsets, paginate
from ztoq_luigi.schemas.base import check
from ztoq_luigi.schemas.zephyr import PagedListSchema, ProjectSchema

LIST_PAGE_SIZE = 1000
STEPS_PAGE_SIZE = 100


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
        style = ZephyrOffsets(page_size, lambda page, position: self._check_page(path, page, position))
        return paginate(lambda paging: self.get_json(path, dict(params or {}, **paging)), style)

    def _check_page(self, path, page, position):
        problems = check(PagedListSchema, page)
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
        problems = check(ProjectSchema, payload)
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
