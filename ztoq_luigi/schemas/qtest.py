"""Marshmallow schemas for the qTest Manager v3 responses the load and validate phases read.

Only what the migration depends on is required: an id on everything it
creates, labels and allowed values on fields. The rest passes through.
"""

from marshmallow import fields

from ztoq_luigi.schemas.base import LenientSchema


class OAuthResponseSchema(LenientSchema):
    access_token = fields.String(required=True)
    token_type = fields.String(allow_none=True)
    expires_in = fields.Integer(allow_none=True)


class ProjectSchema(LenientSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class UserSchema(LenientSchema):
    id = fields.Integer(required=True)
    username = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class AllowedValueSchema(LenientSchema):
    value = fields.Integer(required=True)
    label = fields.String(required=True)
    is_active = fields.Boolean(allow_none=True)


class AllowedValueResponseSchema(LenientSchema):
    """What POST .../allowed-values answers (AllowedValueResponseResource): the values it created."""

    total = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(AllowedValueSchema), required=True)


class FieldSchema(LenientSchema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    data_type = fields.Integer(allow_none=True)
    multiple = fields.Boolean(allow_none=True)
    system_field = fields.Boolean(allow_none=True)
    is_active = fields.Boolean(allow_none=True)
    allowed_values = fields.List(fields.Nested(AllowedValueSchema), allow_none=True)


class ModuleSchema(LenientSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    pid = fields.String(allow_none=True)


class PropertySchema(LenientSchema):
    field_id = fields.Integer(required=True)
    field_name = fields.String(allow_none=True)
    field_value = fields.Raw(allow_none=True)
    field_value_name = fields.Raw(allow_none=True)


class TestStepSchema(LenientSchema):
    id = fields.Integer(required=True)
    description = fields.String(allow_none=True)
    expected = fields.String(allow_none=True)
    order = fields.Integer(allow_none=True)
    called_test_case_id = fields.Integer(allow_none=True)


class TestCaseSchema(LenientSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    pid = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    precondition = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    test_case_version_id = fields.Integer(allow_none=True)
    properties = fields.List(fields.Nested(PropertySchema), allow_none=True)
    test_steps = fields.List(fields.Nested(TestStepSchema), allow_none=True)


class ContainerSchema(LenientSchema):
    """A release or test cycle (ReleaseWithCustomFieldResource, TestCycleResource)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    target_release_id = fields.Integer(allow_none=True)


class ListedRunSchema(LenientSchema):
    """A run as created and listed (GetMultipleTestRunsResource), whose name the 2023.6 swagger keys `Test-Run`."""

    id = fields.Integer(required=True)
    name = fields.String(data_key="Test-Run", allow_none=True)
    properties = fields.List(fields.Nested(PropertySchema), allow_none=True)


class StatusSchema(LenientSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class TestLogSchema(LenientSchema):
    id = fields.Integer(required=True)
    note = fields.String(allow_none=True)


class AttachmentSchema(LenientSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ListedAttachmentSchema(AttachmentSchema):
    """An attachment as GET attachments lists those of many objects: `artifact_id` says whose it is."""

    artifact_id = fields.Integer(required=True)


class PagedResultSchema(LenientSchema):
    """The `{links, page, page_size, total, items}` envelope of runs, logs, search and attachments."""

    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(allow_none=True)
    items = fields.List(fields.Raw(), required=True)
