"""The qTest Manager v3 simulator: auth, routing and the conventions shared by every route.

It is deliberately as unforgiving as the real service (API_NOTES.md Parts
B, D and E): form-encoded login, bearer tokens that can expire, per-endpoint
pagination styles, string ids in properties, 404 for unknown ids and 400 for
anything malformed. Routes live in qtest_routes_*; this module owns what they
share: the project scope check, path ids, paging and the error body.
"""

import base64
import binascii
import math
import threading
import time
import uuid
from urllib.parse import parse_qs

from ztoq_luigi.sandbox.http import HttpError, Response, SandboxApp, ServerThread
from ztoq_luigi.sandbox.qtest.inputs import OAuthForm, load
from ztoq_luigi.sandbox.qtest.render import Renderer, paged
from ztoq_luigi.sandbox.qtest.routes.design import DesignRoutes
from ztoq_luigi.sandbox.qtest.routes.execution import ExecutionRoutes
from ztoq_luigi.sandbox.qtest.routes.logs import LogRoutes
from ztoq_luigi.sandbox.qtest.state import QTestState

API_ROOT = "/api/v3/projects"
PROJECT = API_ROOT + "/{projectId}"
TOKEN_ROUTE = "/oauth/token"
SEARCH_ROUTE = PROJECT + "/search"
DEFAULT_USERNAME = "api.user@example.com"
DEFAULT_PASSWORD = "sandbox-password"
DEFAULT_API_TOKEN = "sandbox-qtest-api-token"
PAGE_SIZE_OVERFLOW = ("reject", "cap")
UNAPPROVED_LOG_POLICIES = ("reject", "run_version")
ATTACHMENT_SCANS = ("pending", "clean")


class QTestApp(SandboxApp):
    """A qTest site with one project.

    Knobs for behaviour the sources leave open ([INFERRED] in API_NOTES):
    `page_size_overflow` ("reject": pageSize > limit is a 400, "cap": silently
    lowered), `unknown_project_status` (404 or 403), `unapproved_log_policy`
    ("reject": a log without test_case_version_id on a never-approved case is
    a 400, "run_version": it binds to the run's version), `run_status_policy`
    ("submitted": the last submitted log sets the run Status, "exe_end_date":
    the log that ended last does), `attachment_scan` ("pending": no upload is
    ever scanned for malware, so downloading one needs `forceDownload=true`,
    "clean": every upload is scanned clean at once), `seed` (site ids; random
    when None).
    """

    name = "qtest"
    reads_by_post = (TOKEN_ROUTE, SEARCH_ROUTE)

    def __init__(self, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, api_token=DEFAULT_API_TOKEN,
                 project_id=12345, token_ttl_s=None, faults=None, seed=None, page_size_limit=999,
                 page_size_overflow="reject", unknown_project_status=404, unapproved_log_policy="reject",
                 run_status_policy="submitted", attachment_scan="pending"):
        super().__init__(faults)
        if page_size_overflow not in PAGE_SIZE_OVERFLOW:
            raise ValueError(f"page_size_overflow must be one of {PAGE_SIZE_OVERFLOW}")
        if unapproved_log_policy not in UNAPPROVED_LOG_POLICIES:
            raise ValueError(f"unapproved_log_policy must be one of {UNAPPROVED_LOG_POLICIES}")
        if attachment_scan not in ATTACHMENT_SCANS:
            raise ValueError(f"attachment_scan must be one of {ATTACHMENT_SCANS}")
        self.username, self.password, self.api_token = username, password, api_token
        self.token_ttl_s = token_ttl_s
        self.page_size_limit = page_size_limit
        self.page_size_overflow = page_size_overflow
        self.unknown_project_status = unknown_project_status
        self.unapproved_log_policy = unapproved_log_policy
        self.state = QTestState(project_id, username=username, seed=seed, run_status_policy=run_status_policy,
                                scan_on_upload=attachment_scan == "clean")
        self.lock = self.state.lock
        self._tokens = {}
        self._token_lock = threading.Lock()
        self.router.add("POST", TOKEN_ROUTE, self._login)
        self.router.add("GET", API_ROOT, self._projects)
        self.route("GET", "", self._project)
        self.route("GET", "/users", self._users)
        for routes in (DesignRoutes, ExecutionRoutes, LogRoutes):
            routes(self).register()

    # conventions shared by the route modules

    def route(self, method, suffix, handler):
        """Register a project-scoped route; the template keeps its full path for counters and faults."""
        def scoped(request):
            self._check_project(request.params["projectId"])
            return handler(request)
        self.router.add(method, PROJECT + suffix, scoped)

    def _check_project(self, raw):
        if not raw.isdigit() or int(raw) != self.state.project_id:
            raise HttpError(self.unknown_project_status, f"Project with id {raw} does not exist or you do not have access to it")

    def renderer(self, request):
        host = request.headers.get("Host") or "localhost"
        return Renderer(self.state, f"http://{host}")

    @staticmethod
    def json_body(request):
        """The parsed JSON body; like the real service, anything not sent as application/json is a 415."""
        content_type = (request.headers.get("Content-Type") or "").lower()
        if not content_type.startswith("application/json"):
            raise HttpError(415, f"Content type '{content_type or 'none'}' not supported")
        return request.json()

    @staticmethod
    def path_id(request, name):
        raw = request.params[name]
        if not raw.isdigit():
            raise HttpError(400, f"Failed to convert value of path variable '{name}': '{raw}' is not a number")
        return int(raw)

    @staticmethod
    def required_int(request, name):
        """A query parameter the swagger marks required: absent is a 400, as Spring answers it."""
        value = request.int_arg(name, minimum=1)
        if value is None:
            raise HttpError(400, f"Required request parameter '{name}' for method parameter type int is not present")
        return value

    def page_params(self, request):
        page = request.int_arg("page", 1, minimum=1)
        size = request.int_arg("pageSize", 100, minimum=1)
        if size > self.page_size_limit:
            if self.page_size_overflow == "reject":
                raise HttpError(400, f"pageSize must be less than or equal to {self.page_size_limit}")
            size = self.page_size_limit
        return page, size

    def paged_response(self, request, items, render):
        """The `{links, page, page_size, total, items}` envelope of runs, logs, search and attachments."""
        page, size = self.page_params(request)
        chunk = items[(page - 1) * size: page * size]
        return Response.json(200, paged([render(item) for item in chunk], page, size, len(items)))

    @staticmethod
    def ok(payload, status=200):
        return Response.json(status, payload)

    @staticmethod
    def deleted(what):
        return Response.json(200, {"message": f"{what} deleted successfully"})

    # SandboxApp hooks

    def error_response(self, status, message, headers=None):
        return Response.json(status, {"message": message}, headers)

    def unknown_route(self, request, known_template):
        if known_template:
            return self.error_response(405, f"Request method '{request.method}' not supported")
        return self.error_response(404, f"No endpoint {request.method} {request.path}")

    def authenticate(self, request):
        if request.route == TOKEN_ROUTE:
            return
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HttpError(401, "Full authentication is required to access this resource")
        if token == self.api_token:
            return
        with self._token_lock:
            known, expires_at = token in self._tokens, self._tokens.get(token)
        if not known:
            raise HttpError(401, "Invalid access token")
        if expires_at is not None and time.monotonic() >= expires_at:
            raise HttpError(401, "Access token expired")

    # login and project

    def _login(self, request):
        def oauth_error(status, error, description):
            return Response.json(status, {"error": error, "error_description": description})

        scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
        try:
            client_ok = scheme.lower() == "basic" and ":" in base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, ValueError):
            client_ok = False
        if not client_ok:
            return oauth_error(401, "unauthorized", "Full authentication is required to access this resource")
        content_type = (request.headers.get("Content-Type") or "").lower()
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "Content type must be application/x-www-form-urlencoded")
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        try:
            form = load(OAuthForm(), form)
        except HttpError as error:
            return oauth_error(400, "invalid_request", error.message)
        if form["grant_type"] != "password":
            return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {form['grant_type']}")
        if (form["username"], form["password"]) != (self.username, self.password):
            return oauth_error(401, "invalid_grant", "Bad credentials")
        token = str(uuid.uuid4())
        expires_at = None if self.token_ttl_s is None else time.monotonic() + self.token_ttl_s
        with self._token_lock:
            self._tokens[token] = expires_at
        payload = {"access_token": token, "token_type": "bearer", "refresh_token": str(uuid.uuid4()),
                   "scope": "read create delete write execute", "agent": request.headers.get("User-Agent") or "unknown"}
        if self.token_ttl_s is not None:
            payload["expires_in"] = math.ceil(self.token_ttl_s)
        return Response.json(200, payload)

    def _projects(self, request):
        return self.ok([self.renderer(request).project()])

    def _project(self, request):
        return self.ok(self.renderer(request).project())

    def _users(self, request):
        render = self.renderer(request)
        return self.ok([render.user(u) for _, u in sorted(self.state.users.items())])


def start_qtest(port=0, **kwargs):
    """Start a QTestApp on 127.0.0.1 in a background thread; returns (app, server_thread)."""
    app = QTestApp(**kwargs)
    return app, ServerThread(app, port=port).start()
