"""A stand-in for the Jira Cloud site where Zephyr Scale Cloud keeps the files that rich text embeds.

The v2 API serves no files: images and documents pasted into a test case
live in Jira, at `/secure/attachment/{id}/{name}` on the site, and Jira Cloud
hands them out only to a request with HTTP Basic auth of an Atlassian
account email and API token (401 otherwise). A valid request is redirected
(303) to Atlassian's media host, with a short-lived token in the URL; the
stand-in's media host is the same server reached by another host name
(`localhost` instead of `127.0.0.1`), so an HTTP client treats it as the
foreign host it is. The media host takes only its URL token and refuses a
request that still carries the site's Authorization header: a client that
forwards credentials across hosts fails here instead of leaking them
unnoticed. Errors are Jira's `{"errorMessages": [...], "errors": {}}`.
"""

import base64
import itertools

from ztoq_luigi.sandbox.faults import FaultInjector
from ztoq_luigi.sandbox.http import HttpError, Response, SandboxApp, ServerThread

ATTACHMENT_ROUTE = "/secure/attachment/{attachmentId}/{fileName}"
MEDIA_ROUTE = "/file/{token}/binary"
SITE_HOST, MEDIA_HOST = "127.0.0.1", "localhost"


class JiraApp(SandboxApp):
    name = "jira"

    def __init__(self, files, email, api_token, faults=None):
        super().__init__(faults or FaultInjector())
        self.files = files
        self._basic = "Basic " + base64.b64encode(f"{email}:{api_token}".encode("utf-8")).decode("ascii")
        self._tickets = {}
        self._serial = itertools.count(1)
        self.port = None
        self.router.add("GET", ATTACHMENT_ROUTE, self.attachment)
        self.router.add("GET", MEDIA_ROUTE, self.media)

    @property
    def site_url(self):
        return f"http://{SITE_HOST}:{self.port}"

    @property
    def media_url(self):
        return f"http://{MEDIA_HOST}:{self.port}"

    def error_response(self, status, message, headers=None):
        return Response.json(status, {"errorMessages": [message], "errors": {}}, headers)

    def unknown_route(self, request, known_template):
        status = 405 if known_template else 404
        return self.error_response(status, "Method not allowed" if known_template else "Not found")

    def attachment(self, request):
        """The site: Basic auth, then a redirect to the media host; the site never serves the bytes itself."""
        _expect_host(request, SITE_HOST)
        if request.headers.get("Authorization") != self._basic:
            raise HttpError(401, "Client must be authenticated to access this resource.",
                            {"WWW-Authenticate": 'Basic realm="protected-area"'})
        path = request.path
        if path not in self.files:
            raise HttpError(404, f"The attachment with id '{request.params['attachmentId']}' does not exist")
        token = f"t{next(self._serial)}"
        self._tickets[token] = path
        return Response(303, b"", {"Location": f"{self.media_url}/file/{token}/binary"})

    def media(self, request):
        """The media host: the URL's token is the only credential it takes."""
        _expect_host(request, MEDIA_HOST)
        if request.headers.get("Authorization"):
            raise HttpError(401, "The media host takes the token in the URL; an Authorization header is refused")
        path = self._tickets.get(request.params["token"])
        if path is None:
            raise HttpError(401, "The media token is unknown or expired")
        content_type, content = self.files[path]
        return Response(200, content, {"Content-Type": content_type})


def _expect_host(request, host):
    if (request.headers.get("Host") or "").split(":")[0] != host:
        raise HttpError(404, "Not found")


def start_jira(files, email, api_token, port=0):
    """Start a JiraApp on 127.0.0.1 and return (app, server); `app.site_url` is the site's root."""
    app = JiraApp(files, email, api_token)
    server = ServerThread(app, port=port)
    app.port = server.port
    server.start()
    return app, server
