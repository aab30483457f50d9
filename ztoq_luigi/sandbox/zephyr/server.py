"""The Zephyr Scale Cloud v2 simulator: the source service of a migration, served over real HTTP.

It is deliberately as awkward as production, because clients are tested
against it before they meet the real service: the API sits behind an AWS API
Gateway, so an unknown path or method answers 403 "Missing Authentication
Token", a missing or wrong bearer token 401, and throttling or gateway
failures a bare `{"message"}`; the service itself answers `{errorCode,
message}`. Paths outside `/v2` are the Zephyr host that serves the files
embedded in rich text, to a request carrying the same token; other embedded
files live on the Jira site (`jira_url`, the stand-in of sandbox/jira.py).
"""

import json

from ztoq_luigi.sandbox.http import HttpError, Response, SandboxApp, ServerThread
from ztoq_luigi.sandbox.zephyr.index import ZephyrIndex
from ztoq_luigi.sandbox.zephyr.routes.read import ZephyrReads
from ztoq_luigi.sandbox.zephyr.render import ZephyrRenderer
from ztoq_luigi.sandbox.zephyr.store import JIRA_PLACEHOLDER, ROOT_PLACEHOLDER
from ztoq_luigi.sandbox.zephyr.routes.update import ZephyrUpdates
from ztoq_luigi.sandbox.zephyr.routes.write import ZephyrWrites

API_PREFIX = "/v2"
DEFAULT_JIRA_URL = "https://sandbox-jira.atlassian.net"
GATEWAY_STATUSES = {
    401: "UnauthorizedException",
    403: "MissingAuthenticationTokenException",
    429: "ThrottlingException",
    502: "BadGatewayException",
    503: "ServiceUnavailableException",
    504: "IntegrationTimeoutException",
}


class ZephyrApp(SandboxApp):
    name = "zephyr"
    api_prefix = API_PREFIX

    def __init__(self, dataset, api_token, max_results_cap=100, faults=None, jira_url=DEFAULT_JIRA_URL):
        super().__init__(faults)
        self.dataset = dataset
        self.api_token = api_token
        self.max_results_cap = max_results_cap
        self.jira_url = jira_url
        self.index = ZephyrIndex(dataset)
        self.root_url = None
        self.api_url = None
        self.render = None
        ZephyrReads(self).register(self.router)
        ZephyrWrites(self).register(self.router)
        ZephyrUpdates(self).register(self.router)

    def bind(self, root_url):
        """Learn the URL the server answers on; every `self` link and embedded file URL is built on it."""
        self.root_url = root_url.rstrip("/")
        self.api_url = self.root_url + API_PREFIX
        self.render = ZephyrRenderer(self.api_url, self.jira_url, self.dataset.project)

    def respond(self, status, payload, headers=None):
        """A JSON answer; rich text refers to this host and the Jira site through placeholders until it is served."""
        body = json.dumps(payload).replace(ROOT_PLACEHOLDER, self.root_url).replace(JIRA_PLACEHOLDER, self.jira_url)
        return Response(status, body.encode("utf-8"), {"Content-Type": "application/json", **(headers or {})})

    def error_response(self, status, message, headers=None):
        if status in GATEWAY_STATUSES:
            gateway_headers = {"x-amzn-ErrorType": GATEWAY_STATUSES[status], **(headers or {})}
            return Response.json(status, {"message": message}, gateway_headers)
        return Response.json(status, {"errorCode": status, "message": message}, headers)

    def authenticate(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.api_token}":
            raise HttpError(401, "Unauthorized")

    def unknown_route(self, request, known_template):
        """API Gateway answers 403 for any path or method it does not route; the host serves files."""
        in_api = request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
        if in_api or request.method != "GET":
            return self.error_response(403, "Missing Authentication Token")
        try:
            self.authenticate(request)
        except HttpError as error:
            return self.error_response(error.status, error.message)
        stored = self.dataset.files.get(request.path)
        if stored is None:
            return self.error_response(404, f"File '{request.path}' does not exist")
        content_type, content = stored
        return Response(200, content, {"Content-Type": content_type})


def start_zephyr(dataset, api_token, port=0, **kwargs):
    """Start a ZephyrApp on 127.0.0.1 and return (app, server); `server.base_url` ends in /v2."""
    app = ZephyrApp(dataset, api_token, **kwargs)
    server = ServerThread(app, port=port, path_prefix=API_PREFIX)
    app.bind(server.root_url)
    server.start()
    return app, server
