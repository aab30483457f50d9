"""Path and query parameters of the Zephyr v2 routes, checked the way the service checks them.

Malformed parameters answer 400, a well-formed reference to nothing answers
404 `"<Entity> '<ref>' does not exist or you do not have access to it"`,
and a project key other than the dataset's is a project the token cannot
access. Test cases are addressed by key only; cycles, plans and executions
by id or key, as the spec's path patterns say.
"""

import re

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.zephyr.inputs.create import DATE_TIME, PROJECT_KEY

ID_OR_KEY_PATTERNS = {
    "testcycles": r"[0-9]+|.+-R[0-9]+",
    "testplans": r"[0-9]+|.+-P[0-9]+",
    "testexecutions": r"[0-9]+|.+-E[0-9]+",
    "testcases": r"[0-9]+|.+-T[0-9]+",
}
LABELS = {
    "testcases": "Test case", "testcycles": "Test cycle", "testplans": "Test plan",
    "testexecutions": "Test execution", "folders": "Folder", "statuses": "Status",
    "priorities": "Priority", "environments": "Environment", "projects": "Project",
}
TEST_CASE_KEY = r".+-T[0-9]+"


def not_found(collection, ref):
    return HttpError(404, f"{LABELS[collection]} '{ref}' does not exist or you do not have access to it")


def check_project_key(project_key, dataset_key, name="projectKey"):
    if not re.fullmatch(PROJECT_KEY, project_key):
        raise HttpError(400, f"{name} must match the pattern {PROJECT_KEY}, got '{project_key}'")
    if project_key != dataset_key:
        raise HttpError(400, f"Cannot access projects '{project_key}'")


def project_filter(request, dataset_key):
    """Validate the optional projectKey filter; the dataset holds a single project."""
    project_key = request.arg("projectKey")
    if project_key is not None:
        check_project_key(project_key, dataset_key)


def enum_arg(request, name, allowed):
    value = request.arg(name)
    if value is not None and value not in allowed:
        raise HttpError(400, f"{name} must be one of {', '.join(allowed)}, got '{value}'")
    return value


def id_arg(request, name):
    return request.int_arg(name, minimum=1)


def date_arg(request, name):
    """A yyyy-MM-dd'T'HH:mm:ss'Z' filter; such strings order like the instants they name."""
    value = request.arg(name)
    if value is not None and not re.fullmatch(DATE_TIME, value):
        raise HttpError(400, f"{name} must be in the format yyyy-MM-dd'T'HH:mm:ss'Z', got '{value}'")
    return value


def path_id(request, name):
    raw = request.params[name]
    if not raw.isdigit() or int(raw) < 1:
        raise HttpError(400, f"{name} must be an integer greater than or equal to 1, got '{raw}'")
    return int(raw)


def by_path_id(index, collection, request, name):
    entity_id = path_id(request, name)
    record = index.by_id[collection].get(entity_id)
    if record is None:
        raise not_found(collection, entity_id)
    return record


def test_case(index, key):
    """The test case with this key; the v2 API has no test-case-by-id path."""
    if not re.fullmatch(TEST_CASE_KEY, key):
        raise HttpError(400, f"testCaseKey must be a test case key such as PROJ-T1, got '{key}'")
    case = index.by_key["testcases"].get(key)
    if case is None:
        raise not_found("testcases", key)
    return case


def find_id_or_key(index, collection, ref):
    """The record an id or key names, or None; raises 400 only for a malformed reference."""
    if not re.fullmatch(ID_OR_KEY_PATTERNS[collection], ref):
        raise HttpError(400, f"'{ref}' is neither an id nor a key of a {LABELS[collection].lower()}")
    if ref.isdigit():
        return index.by_id[collection].get(int(ref))
    return index.by_key[collection].get(ref)


def by_id_or_key(index, collection, ref):
    record = find_id_or_key(index, collection, ref)
    if record is None:
        raise not_found(collection, ref)
    return record
