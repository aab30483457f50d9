"""The qTest endpoints the migration uses, spelled as the official swagger spells them, and how each is checked.

Every one is called by ztoq_luigi/clients/qtest.py for a task of the
pipeline. Bodies and answers are JSON except where NOT_JSON says otherwise.
"""

PROJECT = "/api/v3/projects/{projectId}"
FIELDS = PROJECT + "/settings/{objectType}/fields"
TEST_LOGS = PROJECT + "/test-runs/{testRunId}/test-logs"

ENDPOINTS = (
    ("POST", "/oauth/token"),
    ("GET", PROJECT),
    ("GET", PROJECT + "/users"),
    ("GET", FIELDS),
    ("POST", FIELDS),
    ("POST", FIELDS + "/{fieldId}/allowed-values"),
    ("GET", PROJECT + "/modules"),
    ("POST", PROJECT + "/modules"),
    ("GET", PROJECT + "/test-cases"),
    ("POST", PROJECT + "/test-cases"),
    ("GET", PROJECT + "/test-cases/{testCaseIdOrPid}"),
    ("PUT", PROJECT + "/test-cases/{testCaseId}"),
    ("POST", PROJECT + "/search"),
    ("GET", PROJECT + "/releases"),
    ("POST", PROJECT + "/releases"),
    ("GET", PROJECT + "/test-cycles"),
    ("POST", PROJECT + "/test-cycles"),
    ("GET", PROJECT + "/test-runs/execution-statuses"),
    ("GET", PROJECT + "/test-runs"),
    ("POST", PROJECT + "/test-runs"),
    ("GET", TEST_LOGS),
    ("POST", TEST_LOGS),
    ("PUT", TEST_LOGS + "/{id}"),
    ("GET", PROJECT + "/{objectType}/{objectId}/attachments"),
    ("GET", PROJECT + "/{objectType}/{objectId}/attachments/{attachmentId}"),
    ("POST", PROJECT + "/{objectType}/{objectId}/blob-handles"),
)

# What a sync round writes besides what a migration does: each changed object updated in place.
SYNC_PUTS = (
    ("PUT", PROJECT + "/test-cases/{testCaseId}"),
    ("PUT", PROJECT + "/releases/{releaseId}"),
    ("PUT", PROJECT + "/test-cycles/{testCycleId}"),
    ("PUT", PROJECT + "/test-runs/{testRunId}"),
    ("PUT", TEST_LOGS + "/{id}"),
)

NOT_JSON_REQUEST = {
    ("POST", "/oauth/token"): "a form",
    ("POST", PROJECT + "/{objectType}/{objectId}/blob-handles"): "the file's bytes",
}
NOT_JSON_ANSWER = {
    ("GET", PROJECT + "/{objectType}/{objectId}/attachments/{attachmentId}"): "the file's bytes",
}

# POST /search answers a PagedResource whose items the swagger types only as ResourceSupport (links): each
# item is checked against the model of the object type searched, as the endpoint's own listing answers it.
SEARCH = ("POST", PROJECT + "/search")
SEARCH_ITEMS = {"test-cases": "TestCaseWithCustomFieldResource", "test-runs": "TestRunWithCustomFieldResource",
                "test-logs": "TestLogResource", "releases": "ReleaseWithCustomFieldResource",
                "test-cycles": "TestCycleResource", "test-suites": "TestSuiteWithCustomFieldResource"}

# Errors come back as the swagger's Message model, except the login's OAuth errors.
ERROR_MODEL = "Message"

# Areas that other work owns: a failure there is reported with its owner, never hidden.
OWNERS = {
    ("GET", FIELDS): "field settings (owned by the field settings / allowed values / check boxes work)",
    ("POST", FIELDS): "field settings (owned by the field settings / allowed values / check boxes work)",
    ("POST", FIELDS + "/{fieldId}/allowed-values"):
        "allowed values (owned by the field settings / allowed values / check boxes work)",
}
CALLED_STEP_LOGS = ("called_test_case_id", "parent_test_step_id")
CALLED_STEP_LOGS_OWNER = "step logs of called steps (owned by the called-step test-log work)"


def owner_note(endpoint, found):
    """Who owns a failing endpoint's area, when it is not this contract's own; '' when it is."""
    if endpoint in OWNERS:
        return f" [area: {OWNERS[endpoint]}]"
    if endpoint[1].startswith(TEST_LOGS) and any(key in problem for problem in found for key in CALLED_STEP_LOGS):
        return f" [area: {CALLED_STEP_LOGS_OWNER}]"
    return ""
