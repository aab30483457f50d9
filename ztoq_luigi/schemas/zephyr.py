"""Marshmallow schemas for the Zephyr Scale v2 payloads the migration reads.

They check what the official spec marks required and the types the
migration relies on, and let through fields they do not know: a real server
adds fields over time, and the raw payload is stored whole anyway. Where the
spec is stricter than real servers (a root folder's `parentId` is null, not
>= 1), the schema follows the servers.
"""

from marshmallow import ValidationError, fields, validate, validates_schema

from ztoq_luigi.schemas.base import LenientSchema


class LinkSchema(LenientSchema):
    id = fields.Integer(allow_none=True)
    self = fields.String(allow_none=True)


class RequiredLinkSchema(LenientSchema):
    id = fields.Integer(required=True)
    self = fields.String(allow_none=True)


class OwnerSchema(LenientSchema):
    accountId = fields.String(allow_none=True)
    self = fields.String(allow_none=True)


class PagedListSchema(LenientSchema):
    startAt = fields.Integer(required=True, validate=validate.Range(min=0))
    maxResults = fields.Integer(required=True, validate=validate.Range(min=0))
    total = fields.Integer(allow_none=True)
    isLast = fields.Boolean(allow_none=True)
    next = fields.String(allow_none=True)
    values = fields.List(fields.Raw(), load_default=list)


class ProjectSchema(LenientSchema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    jiraProjectId = fields.Integer(allow_none=True)
    enabled = fields.Boolean(allow_none=True)


class OptionValueSchema(LenientSchema):
    """Statuses, priorities and environments share this shape."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    index = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    color = fields.String(allow_none=True)
    archived = fields.Boolean(allow_none=True)
    default = fields.Boolean(allow_none=True)


class FolderSchema(LenientSchema):
    id = fields.Integer(required=True)
    parentId = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True)
    index = fields.Integer(allow_none=True)
    folderType = fields.String(required=True, validate=validate.OneOf(("TEST_CASE", "TEST_PLAN", "TEST_CYCLE")))


class IssueLinkSchema(LenientSchema):
    id = fields.Integer(allow_none=True)
    issueId = fields.Integer(required=True)
    type = fields.String(allow_none=True)
    target = fields.String(allow_none=True)


class WebLinkSchema(LenientSchema):
    id = fields.Integer(allow_none=True)
    url = fields.String(required=True)
    description = fields.String(allow_none=True)
    type = fields.String(allow_none=True)


class LinksSchema(LenientSchema):
    issues = fields.List(fields.Nested(IssueLinkSchema), load_default=list)
    webLinks = fields.List(fields.Nested(WebLinkSchema), load_default=list)


class TestCaseSchema(LenientSchema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, validate=validate.Regexp(r"^.+-T[0-9]+$"))
    name = fields.String(required=True)
    project = fields.Nested(RequiredLinkSchema, required=True)
    priority = fields.Nested(RequiredLinkSchema, required=True)
    status = fields.Nested(RequiredLinkSchema, required=True)
    createdOn = fields.String(allow_none=True)
    objective = fields.String(allow_none=True)
    precondition = fields.String(allow_none=True)
    estimatedTime = fields.Integer(allow_none=True)
    labels = fields.List(fields.String(), allow_none=True)
    component = fields.Nested(LinkSchema, allow_none=True)
    folder = fields.Nested(LinkSchema, allow_none=True)
    owner = fields.Nested(OwnerSchema, allow_none=True)
    testScript = fields.Nested(LinkSchema, allow_none=True)
    customFields = fields.Dict(keys=fields.String(), allow_none=True)
    links = fields.Nested(LinksSchema, allow_none=True)


class StepParameterSchema(LenientSchema):
    name = fields.String(required=True)
    type = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)


class InlineStepSchema(LenientSchema):
    description = fields.String(allow_none=True)
    testData = fields.String(allow_none=True)
    expectedResult = fields.String(allow_none=True)
    customFields = fields.Dict(allow_none=True)


class CallStepSchema(LenientSchema):
    testCaseKey = fields.String(required=True)
    self = fields.String(allow_none=True)
    parameters = fields.List(fields.Nested(StepParameterSchema), allow_none=True)


class TestStepSchema(LenientSchema):
    inline = fields.Nested(InlineStepSchema, allow_none=True)
    testCase = fields.Nested(CallStepSchema, allow_none=True)

    @validates_schema
    def one_kind(self, data, **kwargs):
        if bool(data.get("inline")) == bool(data.get("testCase")):
            raise ValidationError("a test step has exactly one of 'inline' and 'testCase'")


class TestScriptSchema(LenientSchema):
    id = fields.Integer(allow_none=True)
    type = fields.String(required=True, validate=validate.OneOf(("plain", "bdd")))
    text = fields.String(required=True, allow_none=True)


class KeyedSchema(LenientSchema):
    """A test cycle or test plan as listed: the fields the migration cannot do without."""

    id = fields.Integer(required=True)
    key = fields.String(required=True)
    name = fields.String(required=True)


class CaseLinkSchema(LenientSchema):
    self = fields.String(required=True)


class ExecutionSchema(LenientSchema):
    """A test execution: `key` is optional in the spec; the case is known only by its link."""

    id = fields.Integer(required=True)
    key = fields.String(allow_none=True)
    testCase = fields.Nested(CaseLinkSchema, required=True)
    testExecutionStatus = fields.Nested(RequiredLinkSchema, required=True)
