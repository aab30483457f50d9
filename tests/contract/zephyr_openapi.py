"""The official Zephyr Scale v2 OpenAPI document, ready to check real exchanges with the Zephyr sandbox.

openapi-core finds the operation a request addresses (server, path,
method), checks the request's parameters against it, then the response's
status, content type and body, with OpenAPI 3.0 semantics (required,
nullable, allOf, patterns, minimums). The document is the copy shipped in
specs/zephyr/ (see PROVENANCE.md there), so the checks run offline. Only the
places where the document contradicts itself are changed, each listed in
EXCEPTIONS with the document's own words, and each replaced only if the
document still says what we read: a new version of it makes the test stop
and ask again rather than patch something else.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError

SPEC_PATH = Path(__file__).parent / "specs" / "zephyr" / "zephyr-scale-v2.openapi.yml"


@dataclass(frozen=True)
class SpecException:
    """One schema of the document replaced, because the document itself says otherwise elsewhere."""

    pointer: tuple
    original: dict
    replacement: dict
    because: str


EXCEPTIONS = (
    SpecException(
        pointer=("components", "schemas", "Folder", "properties", "parentId"),
        original={"$ref": "#/components/schemas/EntityId"},
        replacement={"type": "integer", "format": "int64", "minimum": 1, "nullable": True},
        because="Folder requires a parentId of at least 1, yet FolderInput.parentId says 'Must be `null` for "
                "root folders': a root folder has no parent, and is listed with parentId null "
                "(API_NOTES.md A6, [INFERRED]). Only this property of Folder may be null.",
    ),
    SpecException(
        pointer=("components", "schemas", "CustomFields", "additionalProperties"),
        original={"type": "object"},
        replacement={"anyOf": [
            {"type": "string", "nullable": True}, {"type": "number"}, {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
        ]},
        because="CustomFields declares every value an object, yet its own example holds a number, a boolean, "
                "strings (a 'yyyy-MM-dd' date, a user id, text with <br>) and an array of strings, and "
                "updateTestCase says 'To leave any of them blank, please set them null'. Values may be "
                "exactly those types; an object is not one of them.",
    ),
)


def read_document():
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def with_exceptions(document):
    """`document` with every EXCEPTION applied; AssertionError if one no longer fits what the document says."""
    for exception in EXCEPTIONS:
        *parents, name = exception.pointer
        node = document
        for part in parents:
            node = node[part]
        assert node.get(name) == exception.original, (
            f"{'/'.join(exception.pointer)} is {node.get(name)!r}, not {exception.original!r}: the document "
            "changed, so re-examine this exception")
        node[name] = exception.replacement
    return document


@lru_cache(maxsize=None)
def openapi_for(base_url):
    """The document, its exceptions applied, serving at `base_url` (the sandbox's /v2) instead of SmartBear's."""
    document = with_exceptions(read_document())
    document["servers"] = [{"url": base_url}]
    return OpenAPI.from_dict(document)


@lru_cache(maxsize=None)
def _templates():
    """(path template, regex) of every path in the document, literal segments preferred over parameters."""
    templates = sorted(read_document()["paths"], key=lambda path: path.count("{"))
    return [(template, re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", template) + "$")) for template in templates]


def template_of(path):
    """The document's path template that `path` (relative to /v2) addresses, or None."""
    return next((template for template, pattern in _templates() if pattern.match(path)), None)


class Exchanges:
    """Every response a requests.Session receives from the Zephyr API, kept for checking afterwards.

    Hooked into the session of a real ZephyrClient, so what is checked is
    exactly what the migration sends and gets.
    """

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.responses = []

    def attach(self, session):
        session.hooks["response"].append(self._keep)

    def _keep(self, response, *args, **kwargs):
        if response.url.startswith(self.base_url + "/"):
            response.content  # read the body now: the client may stream and close it
            self.responses.append(response)

    def operations(self):
        """{(method, path template)} the kept exchanges addressed."""
        return {(response.request.method, template_of(self.path(response))) for response in self.responses}

    def path(self, response):
        return response.url[len(self.base_url):].split("?", 1)[0]

    def problems(self):
        """One line per exchange the document does not describe: its request or its response."""
        openapi = openapi_for(self.base_url)
        found = []
        for response in self.responses:
            found += problems_of(openapi, response)
        return found


def problems_of(openapi, response):
    """What the document says is wrong with one exchange (a requests.Response and its request), if anything."""
    request = RequestsOpenAPIRequest(response.request)
    where = f"{response.request.method} {response.url} -> {response.status_code}"
    found = []
    for check, subject in ((lambda: openapi.validate_request(request), "request"),
                           (lambda: openapi.validate_response(request, RequestsOpenAPIResponse(response)),
                            "response")):
        try:
            check()
        except OpenAPIError as error:
            found.append(f"{where}: {subject}: {describe(error)}")
    return found


def describe(error):
    """The error and the schema errors under it, each on one line, the offending instance path first."""
    details = []
    cause = error.__cause__ or error
    for schema_error in getattr(cause, "schema_errors", None) or []:
        location = "/".join(str(part) for part in schema_error.absolute_path)
        details.append(f"at {location or '(body)'}: {schema_error.message[:200]}")
    return f"{type(error).__name__}: {error}"[:300] + "".join(f"\n    {detail}" for detail in details[:10])
