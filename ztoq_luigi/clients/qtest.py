"""qTest Manager REST API v3: the writes of the load phase and the reads of validation.

Authentication is either a static API token or a login at the instance
root (`/oauth/token`, outside `/api/v3`); a 401 triggers one new login,
since session tokens expire in the middle of long migrations.
"""

import base64
import threading
from urllib.parse import urlsplit

from ztoq_luigi.clients.errors import AuthenticationError, LoginFailedError, MalformedPayloadError, RequestRejectedError
from ztoq_luigi.clients.http import HttpClient
from ztoq_luigi.clients.paging import QTestPages, paginate
from ztoq_luigi.schemas.base import check
from ztoq_luigi.schemas.qtest import (
    AllowedValueResponseSchema, AttachmentSchema, ContainerSchema, FieldSchema, ListedAttachmentSchema, ListedRunSchema,
    ModuleSchema, OAuthResponseSchema, PagedResultSchema, ProjectSchema, StatusSchema, TestCaseSchema, TestLogSchema,
    UserSchema,
)

LIST_PAGE_SIZE = 100
ALLOWED_VALUES_PER_REQUEST = 100  # "Creates maximum 100 allowed values" (createProjectFieldAllowedValues)


WHOLE = QTestPages(None)
ARRAY_BY_SIZE = QTestPages("size", page_size=LIST_PAGE_SIZE)
ARRAY_BY_PAGE_SIZE = QTestPages("pageSize", page_size=LIST_PAGE_SIZE)
ENVELOPE = QTestPages("pageSize", envelope=True, page_size=LIST_PAGE_SIZE)


class QTestClient(HttpClient):
    service = "qTest"

    def __init__(self, base_url, project_id, *, username=None, password=None, api_token=None, access_token=None,
                 **kwargs):
        super().__init__(base_url, **kwargs)
        if not base_url.rstrip("/").endswith("/api/v3"):
            raise ValueError("the qTest base URL must end in /api/v3")
        self.root_url = self.base_url[: -len("/api/v3")]
        self.project_id = project_id
        self._username, self._password, self._api_token = username, password, api_token
        self._access_token = access_token
        self._login_lock = threading.Lock()

    @property
    def access_token(self):
        """The session token of the last login (None with an API token), to share with worker processes."""
        return self._access_token

    def secrets(self):
        return [s for s in (self._password, self._api_token) if s] + (
            [self._access_token] if self._access_token else [])

    def auth_headers(self):
        if self._api_token:
            return {"Authorization": f"Bearer {self._api_token.reveal()}"}
        if self._access_token is None:
            self.login()
        return {"Authorization": f"Bearer {self._access_token}"}

    def auth_hint(self, status):
        if status == 403:
            return f"expected a qTest user with access to project {self.project_id}"
        return "expected a valid --qtest-api-token, or --qtest-username and --qtest-password"

    def reauthenticate(self):
        if self._api_token or not self._password:
            return False
        self.login()
        return True

    def login(self):
        site = (urlsplit(self.root_url).hostname or "").split(".")[0]
        basic = base64.b64encode(f"{site}:".encode()).decode()
        with self._login_lock:
            self._access_token = None
            try:
                response = self.request(
                    "POST", f"{self.root_url}/oauth/token",
                    data={"grant_type": "password", "username": self._username or "",
                          "password": self._password.reveal() if self._password else ""},
                    headers={"Authorization": f"Basic {basic}"}, authenticated=False, idempotent=True,
                )
            except (AuthenticationError, RequestRejectedError) as error:
                raise LoginFailedError(
                    f"qTest login as '{self._username}' failed ({error.status}: {error.excerpt}); "
                    "expected a valid --qtest-username and --qtest-password, or --qtest-api-token",
                    service=self.service, method="POST", path="/oauth/token", status=error.status)
            payload = self.decode(response, "POST", "/oauth/token")
            self._expect(OAuthResponseSchema, payload, "POST", "/oauth/token")
            self._access_token = payload["access_token"]

    def _expect(self, schema, payload, method, path):
        problems = check(schema, payload)
        if problems:
            raise MalformedPayloadError(
                f"qTest {method} {path} returned a malformed payload: {problems[0]}",
                service=self.service, method=method, path=path)
        return payload

    def _project(self, path):
        return f"/projects/{self.project_id}{path}"

    def _json(self, method, path, *, params=None, body=None, schema=None, many=False, idempotent=None):
        response = self.request(method, self._project(path), params=params, json_body=body, idempotent=idempotent)
        payload = self.decode(response, method, path)
        if schema is not None:
            for item in (payload if many else [payload]):
                self._expect(schema, item, method, path)
        return payload

    def project(self):
        return self._json("GET", "", schema=ProjectSchema)

    def fields(self, object_type):
        return list(self._listing(f"/settings/{object_type}/fields", WHOLE, schema=FieldSchema))

    def create_field(self, object_type, body):
        return self._json("POST", f"/settings/{object_type}/fields", body=body, schema=FieldSchema)

    def add_allowed_values(self, object_type, field_id, values):
        """Add choices to a combo box, multi-select or check box, at most 100 a request; returns those created."""
        created = []
        for start in range(0, len(values), ALLOWED_VALUES_PER_REQUEST):
            created += self._json("POST", f"/settings/{object_type}/fields/{field_id}/allowed-values",
                                  body=values[start:start + ALLOWED_VALUES_PER_REQUEST],
                                  schema=AllowedValueResponseSchema)["items"]
        return created

    def modules(self, parent_id=None):
        params = {"parentId": parent_id} if parent_id else None
        return list(self._listing("/modules", WHOLE, params=params, schema=ModuleSchema))

    def create_module(self, name, parent_id=None, description=None):
        params = {"parentId": parent_id} if parent_id else None
        return self._json("POST", "/modules", params=params, body={"name": name, "description": description},
                          schema=ModuleSchema)

    def module(self, module_id):
        return self._json("GET", f"/modules/{module_id}", schema=ModuleSchema)

    def update_module(self, module_id, name, description):
        """PUT a module's name and description: the same texts however often it is sent, so retried like a read."""
        return self._json("PUT", f"/modules/{module_id}", body={"name": name, "description": description},
                          idempotent=True, schema=ModuleSchema)

    def move_module(self, module_id, parent_id):
        """PUT with `parentId` moves the module (qTest then ignores the body); moving twice lands in the same place."""
        return self._json("PUT", f"/modules/{module_id}", params={"parentId": parent_id}, body={},
                          idempotent=True, schema=ModuleSchema)

    def create_test_case(self, body):
        return self._json("POST", "/test-cases", body=body, schema=TestCaseSchema)

    def test_case(self, test_case_id, version_id=None):
        """A test case with its steps: its latest version, or the version `version_id` (logs keep theirs)."""
        params = {"expand": "teststep"} if version_id is None else {"expand": "teststep", "versionId": version_id}
        return self._json("GET", f"/test-cases/{test_case_id}", params=params, schema=TestCaseSchema)

    def test_cases(self, parent_id=None, steps=True):
        """Every test case directly in a module, or of the whole project without one; steps only when asked."""
        params = {"expandSteps": "true" if steps else "false"}
        if parent_id is not None:
            params["parentId"] = parent_id
        return self._listing("/test-cases", ARRAY_BY_SIZE, params=params, schema=TestCaseSchema)

    def search(self, object_type, query):
        """Every item matching a Data Query, across pages (a POST that only reads, so it is retried)."""
        return self._listing("/search", ENVELOPE, method="POST",
                             body={"object_type": object_type, "fields": ["*"], "query": query})

    def update_test_case(self, test_case_id, body):
        """PUT a test case: qTest keeps the old version and answers with the new one (0.1 becomes 0.2)."""
        return self._json("PUT", f"/test-cases/{test_case_id}", body=body, schema=TestCaseSchema)

    def delete_test_case(self, test_case_id):
        """DELETE a test case (the API offers no archive for them): a 404 means it is gone already."""
        response = self.request("DELETE", self._project(f"/test-cases/{test_case_id}"))
        return self.decode(response, "DELETE", f"/test-cases/{test_case_id}")

    def users(self):
        return list(self._listing("/users", WHOLE, schema=UserSchema))

    def releases(self):
        """Every release, closed ones included: one the migration created is still its own once closed."""
        return list(self._listing("/releases", WHOLE, params={"includeClosed": "true"}, schema=ContainerSchema))

    def create_release(self, body):
        return self._json("POST", "/releases", body=body, schema=ContainerSchema)

    def release(self, release_id):
        return self._json("GET", f"/releases/{release_id}", schema=ContainerSchema)

    def update_release(self, release_id, name, description):
        """PUT a release's name and description (idempotent, retried like a read); no property is changed."""
        return self._json("PUT", f"/releases/{release_id}",
                          body={"name": name, "description": description, "properties": []},
                          idempotent=True, schema=ContainerSchema)

    def test_cycles(self, parent_id=0, parent_type="root"):
        return list(self._listing("/test-cycles", ARRAY_BY_PAGE_SIZE,
                                  params={"parentId": parent_id, "parentType": parent_type}, schema=ContainerSchema))

    def create_test_cycle(self, name, description, parent_id=0, parent_type="root", target_release_id=None):
        body = {"name": name, "description": description}
        if target_release_id is not None:
            body["target_release_id"] = int(target_release_id)
        return self._json("POST", "/test-cycles", params={"parentId": parent_id, "parentType": parent_type},
                          body=body, schema=ContainerSchema)

    def test_cycle(self, cycle_id):
        return self._json("GET", f"/test-cycles/{cycle_id}", schema=ContainerSchema)

    def update_test_cycle(self, cycle_id, name, description, target_release_id):
        """PUT a cycle's name, description and target release (None: it targets none).

        Not retried blindly: after a lost answer the caller reads the cycle
        to see whether it holds the new content.
        """
        target = int(target_release_id) if target_release_id is not None else None
        return self._json("PUT", f"/test-cycles/{cycle_id}",
                          body={"name": name, "description": description, "target_release_id": target},
                          schema=ContainerSchema)

    def move_test_cycle(self, cycle_id, parent_id, parent_type):
        """PUT with `parentId` and `parentType` moves the cycle, ignoring the (required) body.

        Not a PUT of the same texts, so not retried blindly: after a lost
        answer the caller lists the new parent's cycles to see whether it moved.
        """
        return self._json("PUT", f"/test-cycles/{cycle_id}", params={"parentId": parent_id, "parentType": parent_type},
                          body={}, schema=ContainerSchema)

    def execution_statuses(self):
        return list(self._listing("/test-runs/execution-statuses", WHOLE, schema=StatusSchema))

    def test_runs(self, parent_id, parent_type="test-cycle"):
        """Every run directly in a container."""
        return self._listing("/test-runs", ENVELOPE, params={"parentId": parent_id, "parentType": parent_type},
                             schema=ListedRunSchema)

    def create_test_run(self, body, parent_id, parent_type="test-cycle"):
        return self._json("POST", "/test-runs", params={"parentId": parent_id, "parentType": parent_type},
                          body=body, schema=ListedRunSchema)

    def test_run(self, run_id):
        return self._json("GET", f"/test-runs/{run_id}", schema=ListedRunSchema)

    def rename_test_run(self, run_id, name, case_id):
        """PUT a run's name: it sets the same name however often it is sent, so it is retried like a read.

        TestRunWithCustomFieldResource requires `properties` and `test_case`
        (a TestCaseWithCustomFieldResource, whose `properties` are required
        too): the run's own case, and no property changed on either.
        """
        body = {"name": name, "properties": [], "test_case": {"id": int(case_id), "properties": []}}
        return self._json("PUT", f"/test-runs/{run_id}", body=body, idempotent=True, schema=ListedRunSchema)

    def test_logs(self, run_id):
        return self._listing(f"/test-runs/{run_id}/test-logs", ENVELOPE, schema=TestLogSchema)

    def create_test_log(self, run_id, body):
        return self._json("POST", f"/test-runs/{run_id}/test-logs", body=body, schema=TestLogSchema)

    def update_test_log(self, run_id, log_id, body):
        """PUT a manual test log: it sets the same texts however often it is sent, so it is retried like a read."""
        return self._json("PUT", f"/test-runs/{run_id}/test-logs/{log_id}", body=body, idempotent=True,
                          schema=TestLogSchema)

    def attachments(self, object_type, object_id):
        return list(self._listing(f"/{object_type}/{object_id}/attachments", WHOLE, schema=AttachmentSchema))

    def attachments_of(self, object_type, object_ids):
        """Every attachment of the given objects of one type, in pages (GET attachments: one listing, not one per object)."""
        return self._listing("/attachments", ENVELOPE, params={"type": object_type,
                                                               "ids": ",".join(str(i) for i in object_ids)},
                             schema=ListedAttachmentSchema)

    def download_attachment(self, object_type, object_id, attachment_id, destination):
        """Stream an attachment to disk; returns (sha256, content type, size).

        `forceDownload=true` because qTest otherwise refuses a file its
        malware scan has not yet passed, and a file just uploaded has rarely
        been scanned; these are the migrated files, read back to compare.
        """
        return self.download_to(self._project(f"/{object_type}/{object_id}/attachments/{attachment_id}"),
                                destination, params={"forceDownload": "true"})

    def upload_attachment(self, object_type, object_id, name, content_type, path):
        """Upload a file as raw bytes with File-Name and Content-Type headers (qTest's blob-handles).

        The file is streamed from disk, opened afresh for every attempt, so
        memory stays flat whatever its size.
        """
        response = self.request("POST", self._project(f"/{object_type}/{object_id}/blob-handles"),
                                data=lambda: open(path, "rb"), headers={"File-Name": name, "Content-Type": content_type})
        payload = self.decode(response, "POST", f"/{object_type}/{object_id}/blob-handles")
        return self._expect(AttachmentSchema, payload, "POST", f"/{object_type}/{object_id}/blob-handles")

    def _listing(self, path, paging, *, params=None, schema=None, method="GET", body=None):
        """Every item of a listing, page after page in the endpoint's own paging style (clients/paging.py)."""
        return paginate(self._page_reader(path, paging, params, schema, method, body), paging)

    def page(self, path, paging, number, *, params=None, schema=None, method="GET", body=None):
        """One page of a paged listing: (its items, whether a further page may hold more)."""
        request = dict(paging.first(), page=number)
        payload = self._page_reader(path, paging, params, schema, method, body)(request)
        items = paging.items(payload, request)
        return items, paging.following(request, payload, items) is not None

    def _page_reader(self, path, paging, params, schema, method, body):
        """fetch(page parameters) -> one page's payload, its items checked against `schema`."""

        def fetch(page):
            payload = self._json(method, path, params=dict(params or {}, **page) or None, body=body,
                                 idempotent=True, schema=PagedResultSchema if paging.envelope else None)
            return dict(payload, items=self._items(payload["items"], schema, method, path)) if paging.envelope \
                else self._items(payload, schema, method, path)

        return fetch

    def test_cases_page(self, page):
        """A page of every test case of the project, steps included (validation reads them in bulk)."""
        return self.page("/test-cases", ARRAY_BY_SIZE, page, params={"expandSteps": "true"}, schema=TestCaseSchema)

    def test_runs_page(self, page):
        """A page of every test run of the project, however deep its container."""
        return self.page("/test-runs", ENVELOPE, page, params={"parentId": 0, "parentType": "root",
                                                               "expand": "descendants"}, schema=ListedRunSchema)

    def test_logs_page(self, page, query):
        """A page of the test logs a Data Query finds (the one bulk read of logs the API has)."""
        return self.page("/search", ENVELOPE, page, method="POST", schema=TestLogSchema,
                         body={"object_type": "test-logs", "fields": ["*"], "query": query})

    def module_tree(self):
        """The root modules with their descendants nested in `children`, in one request."""
        return list(self._listing("/modules", WHOLE, params={"expand": "descendants"}, schema=ModuleSchema))

    def test_cycle_tree(self):
        """The root test cycles with their descendants nested in `test-cycles`."""
        return list(self._listing("/test-cycles", ARRAY_BY_PAGE_SIZE,
                                  params={"parentId": 0, "parentType": "root", "expand": "descendants"},
                                  schema=ContainerSchema))

    def _items(self, payload, schema, method, path):
        if not isinstance(payload, list):
            raise MalformedPayloadError(
                f"qTest {method} {path} returned a malformed payload: expected a JSON array, got "
                f"{type(payload).__name__}", service=self.service, method=method, path=path)
        for item in payload:
            if schema is not None:
                self._expect(schema, item, method, path)
        return payload

    def find_module(self, parent_id, name, description):
        """The id of the module with this name and description under parent_id, or None."""
        for module in self.modules(parent_id):
            if module["name"] == name and (module.get("description") or "") == (description or ""):
                return module["id"]
        return None

    def find_test_case(self, field_label, value, parent_id=None):
        """The id of the test case whose text field `field_label` holds `value`, or None.

        Search first; qTest's search index may lag behind a create that just
        happened, so the module's own listing is the fallback when known.
        """
        query = f"'{field_label}' = '{value}'"
        for item in self.search("test-cases", query):
            if property_value(item, field_label) == value:
                return item["id"]
        if parent_id is not None:
            for item in self.test_cases(parent_id):
                if property_value(item, field_label) == value:
                    return item["id"]
        return None


def listed_run_name(run):
    """A run's name as its creation and the run listing answer it.

    The 2023.6 swagger keys it `Test-Run` there (GetMultipleTestRunsResource)
    and `name` in the single-run model; reading both keeps validation right
    whichever a server sends.
    """
    return run.get("Test-Run", run.get("name"))


def property_value(item, field_label):
    for prop in item.get("properties") or []:
        if prop.get("field_name") == field_label:
            return prop.get("field_value")
    return None
