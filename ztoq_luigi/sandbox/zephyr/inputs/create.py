"""Request bodies the Zephyr simulator accepts on its seeding routes, as the v2 spec defines them.

The real service validates bodies against its models before any business rule
runs (API Gateway "basic" validator, then the Lambda), so a client that sends
a string id, a blank name or a wrong date format gets a 400 here as well.
Unknown properties are ignored, as the spec's models do not forbid them.
Names (statusName, priorityName, ...) are resolved by the routes, not here.
"""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.zephyr.store import FOLDER_TYPES, STATUS_TYPES

PROJECT_KEY = r"[A-Z][A-Z_0-9]+"
TEST_CASE_KEY = r".+-T[0-9]+"
TEST_CYCLE_ID_OR_KEY = r"[0-9]+|.+-R[0-9]+"
ACCOUNT_ID = r"[-:a-zA-Z0-9]{1,128}"
DATE_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
COLOR = r"#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})"
NOT_BLANK = r"(?!\s*$).+"
LINK_TYPES = ("COVERAGE", "BLOCKS", "RELATED")
MAX_STEPS_PER_POST = 100


def pattern_check(regex, what):
    return validate.Regexp(rf"^(?:{regex})$", error=f"must match the {what} format")


def text_field(required=False, regex=None, what=None, max_length=None):
    checks = []
    if regex:
        checks.append(pattern_check(regex, what))
    if max_length:
        checks.append(validate.Length(min=1, max=max_length))
    return fields.String(required=required, allow_none=not required, validate=checks)


def integer_field(minimum, required=False):
    return fields.Integer(strict=True, required=required, allow_none=not required, validate=validate.Range(min=minimum))


def custom_fields_map():
    return fields.Dict(keys=fields.String(), allow_none=True)


def labels_list():
    return fields.List(fields.String(), allow_none=True)


class InputSchema(Schema):
    """Ignores unknown properties: the spec's models do not forbid them."""

    class Meta:
        unknown = EXCLUDE


class TestCaseInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    name = text_field(required=True, regex=NOT_BLANK, what="non-blank name")
    objective = text_field()
    precondition = text_field()
    estimatedTime = integer_field(0)
    componentId = integer_field(0)
    priorityName = text_field(max_length=255)
    statusName = text_field(max_length=255)
    folderId = integer_field(1)
    ownerId = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    labels = labels_list()
    customFields = custom_fields_map()


class TestCycleInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    name = text_field(required=True, regex=NOT_BLANK, what="non-blank name")
    description = text_field()
    plannedStartDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    plannedEndDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    jiraProjectVersion = integer_field(1)
    statusName = text_field(max_length=255)
    folderId = integer_field(1)
    ownerId = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    customFields = custom_fields_map()


class TestPlanInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    name = text_field(required=True, regex=NOT_BLANK, what="non-blank name")
    objective = text_field()
    folderId = integer_field(1)
    statusName = text_field(max_length=255)
    ownerId = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    labels = labels_list()
    customFields = custom_fields_map()


class TestScriptResultInput(InputSchema):
    statusName = text_field(required=True, max_length=255)
    actualEndDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    actualResult = text_field()


class TestExecutionInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    testCaseKey = text_field(required=True, regex=TEST_CASE_KEY, what="test case key")
    testCycleKey = text_field(required=True, regex=TEST_CYCLE_ID_OR_KEY, what="test cycle id or key")
    statusName = text_field(required=True, max_length=255)
    testScriptResults = fields.List(fields.Nested(TestScriptResultInput), allow_none=True)
    environmentName = text_field()
    actualEndDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    executionTime = integer_field(0)
    executedById = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    assignedToId = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    comment = text_field()
    customFields = custom_fields_map()


class FolderInput(InputSchema):
    parentId = integer_field(1)
    name = text_field(required=True, max_length=255)
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    folderType = fields.String(required=True, validate=validate.OneOf(FOLDER_TYPES))


class CreateStatusInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    name = text_field(required=True, max_length=255)
    type = fields.String(required=True, validate=validate.OneOf(STATUS_TYPES))
    description = text_field(max_length=255)
    color = text_field(regex=COLOR, what="hexadecimal colour")


class CreatePriorityInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    name = text_field(required=True, max_length=255)
    description = text_field(max_length=255)
    color = text_field(regex=COLOR, what="hexadecimal colour")


class CreateEnvironmentInput(InputSchema):
    projectKey = text_field(required=True, regex=PROJECT_KEY, what="project key")
    name = text_field(required=True, max_length=255)
    description = text_field(max_length=255)


class TestScriptInput(InputSchema):
    type = fields.String(required=True, validate=validate.OneOf(("plain", "bdd")))
    text = fields.String(required=True, validate=validate.Length(min=1))


class InlineStepInput(InputSchema):
    description = text_field()
    testData = text_field()
    expectedResult = text_field()
    customFields = custom_fields_map()


class CallParameterInput(InputSchema):
    name = text_field()
    type = fields.String(allow_none=True, validate=validate.OneOf(("MANUAL_INPUT", "DEFAULT_VALUE")))
    value = text_field()


class CallToTestInput(InputSchema):
    testCaseKey = text_field(required=True, regex=TEST_CASE_KEY, what="test case key")
    parameters = fields.List(fields.Nested(CallParameterInput), allow_none=True)


class TestStepInput(InputSchema):
    inline = fields.Nested(InlineStepInput, allow_none=True)
    testCase = fields.Nested(CallToTestInput, allow_none=True)

    @validates_schema
    def _exactly_one_kind(self, data, **kwargs):
        given = [name for name in ("inline", "testCase") if data.get(name) is not None]
        if len(given) != 1:
            raise ValidationError("each step must contain either inline or testCase, not both and not neither")


class TestStepsInput(InputSchema):
    mode = fields.String(required=True, validate=validate.OneOf(("APPEND", "OVERWRITE")))
    items = fields.List(
        fields.Nested(TestStepInput),
        required=True,
        validate=validate.Length(max=MAX_STEPS_PER_POST, error=f"a maximum of {MAX_STEPS_PER_POST} steps can be posted per request"),
    )


class IssueLinkInput(InputSchema):
    issueId = integer_field(1, required=True)


class WebLinkInput(InputSchema):
    url = text_field(required=True, regex=r"\S+", what="URL")
    description = text_field()


class WebLinkWithDescriptionInput(WebLinkInput):
    description = text_field(required=True)


class TestPlanTestCycleLinkInput(InputSchema):
    testCycleIdOrKey = text_field(required=True, regex=TEST_CYCLE_ID_OR_KEY, what="test cycle id or key")


def load_body(schema_class, request):
    """The request's JSON body validated by `schema_class`, or HttpError(400) in the service's wording."""
    payload = request.json()
    if not isinstance(payload, dict):
        raise HttpError(400, "Request body must be a JSON object")
    try:
        return schema_class().load(payload)
    except ValidationError as error:
        raise HttpError(400, _describe(error.messages))


def _describe(messages, prefix=""):
    """Flatten marshmallow's nested messages into one line such as 'projectKey must not be null'."""
    parts = []
    for name, detail in sorted(messages.items(), key=lambda item: str(item[0])):
        path = str(name) if name != "_schema" else ""
        path = f"{prefix}.{path}" if prefix and path else (prefix or path)
        if isinstance(detail, dict):
            parts.append(_describe(detail, path))
            continue
        for text in detail:
            if text == "Missing data for required field." or text == "Field may not be null.":
                parts.append(f"{path} must not be null")
            else:
                parts.append(f"{path}: {text}" if path else text)
    return "; ".join(parts)
