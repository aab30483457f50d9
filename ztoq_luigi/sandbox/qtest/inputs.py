"""Schemas for every request body the qTest simulator accepts.

They check shape only (types, required keys, formats); whether an id refers
to something that exists is the handlers' business. Unknown keys are
ignored, as qTest's JSON binding ignores them: a client that misspells
`parent_id` gets the same surprise it would get from the real service.
"""

import base64
import binascii

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.ids import parse_instant
from ztoq_luigi.sandbox.qtest.stock import DATA_TYPES, MULTIPLE_REQUIRED_TYPES, PICKLIST_TYPES

_NOT_BLANK = validate.Regexp(r"\s*\S", error="must not be blank")
NAME_MAX = 500
_NAME = [_NOT_BLANK, validate.Length(max=NAME_MAX)]
PLANNED_EXE_TIME_MAX = 9_999_999


class Instant(fields.Field):
    """An ISO 8601 date-time with an offset, loaded as an aware datetime."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = parse_instant(value)
        if parsed is None:
            raise ValidationError(f"'{value}' is not an ISO 8601 date-time with offset")
        return parsed


class Base64(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("must be a base64 string")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("is not valid base64")


class _Body(Schema):
    class Meta:
        unknown = EXCLUDE


class PropertyInput(_Body):
    field_id = fields.Integer(required=True)
    field_value = fields.Raw(required=True)


class IdRef(_Body):
    id = fields.Integer(required=True)


class StepInput(_Body):
    description = fields.String(required=True)
    expected = fields.String(required=True)
    order = fields.Integer(validate=validate.Range(min=1))
    called_test_case_id = fields.Integer()


class StepUpdateInput(_Body):
    description = fields.String()
    expected = fields.String()
    called_test_case_id = fields.Integer(allow_none=True)


class TestCaseInput(_Body):
    name = fields.String(required=True, validate=_NAME)
    parent_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    precondition = fields.String(allow_none=True)
    properties = fields.List(fields.Nested(PropertyInput), required=True)
    test_steps = fields.List(fields.Nested(StepInput))


class ModuleInput(_Body):
    name = fields.String(required=True, validate=_NAME)
    description = fields.String(allow_none=True)
    shared = fields.Boolean()


class CycleInput(_Body):
    name = fields.String(required=True, validate=_NAME)
    description = fields.String(allow_none=True)
    target_release_id = fields.Integer(allow_none=True)
    target_build_id = fields.Integer(allow_none=True)


class SuiteInput(CycleInput):
    properties = fields.List(fields.Nested(PropertyInput), required=True)


class ReleaseInput(_Body):
    name = fields.String(required=True, validate=_NAME)
    description = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    start_date = Instant(allow_none=True)
    end_date = Instant(allow_none=True)
    properties = fields.List(fields.Nested(PropertyInput), required=True)


class RunInput(_Body):
    """GetMultipleTestRunsResource: the 2023.6 swagger names the run's name `Test-Run` in this body."""

    name = fields.String(data_key="Test-Run", validate=_NAME)
    test_case = fields.Nested(IdRef, required=True)
    test_case_version_id = fields.Integer()
    properties = fields.List(fields.Nested(PropertyInput), required=True)


class RunCaseInput(IdRef):
    """The `test_case` of a run's PUT: a TestCaseWithCustomFieldResource, whose `properties` are required."""

    properties = fields.List(fields.Nested(PropertyInput), required=True)


class RunUpdateInput(_Body):
    """TestRunWithCustomFieldResource: `properties` and `test_case` are required (properties may be empty)."""

    name = fields.String(validate=_NAME)
    properties = fields.List(fields.Nested(PropertyInput), required=True)
    test_case = fields.Nested(RunCaseInput, required=True)


class StepLogInput(_Body):
    test_step_id = fields.Integer(required=True)
    status = fields.Nested(IdRef, required=True)
    actual_result = fields.String(allow_none=True)
    order = fields.Integer()
    called_test_case_id = fields.Integer()
    parent_test_step_id = fields.Integer()


class StepLogUpdateInput(StepLogInput):
    order = fields.Integer(required=True)


class InlineAttachmentInput(_Body):
    name = fields.String(required=True, validate=_NOT_BLANK)
    content_type = fields.String(required=True, validate=_NOT_BLANK)
    data = Base64(required=True)


class TestLogInput(_Body):
    status = fields.Nested(IdRef, required=True)
    exe_start_date = Instant(required=True)
    exe_end_date = Instant(required=True)
    note = fields.String(allow_none=True)
    test_case_version_id = fields.Integer()
    properties = fields.List(fields.Nested(PropertyInput), load_default=list)
    attachments = fields.List(fields.Nested(InlineAttachmentInput), load_default=list)
    test_step_logs = fields.List(fields.Nested(StepLogInput), load_default=list)
    planned_exe_time = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=PLANNED_EXE_TIME_MAX))
    actual_exe_time = fields.Integer(allow_none=True)
    build_number = fields.String(allow_none=True)
    build_url = fields.String(allow_none=True)

    @validates_schema
    def _start_not_after_end(self, data, **kwargs):
        if data["exe_start_date"] > data["exe_end_date"]:
            raise ValidationError("exe_start_date must not be after exe_end_date", "exe_start_date")


class TestLogUpdateInput(TestLogInput):
    test_step_logs = fields.List(fields.Nested(StepLogUpdateInput), load_default=list)


class AllowedValueInput(_Body):
    """AllowedValueResource / AllowedValueInputResource: `value` (the id) only names an existing one."""

    value = fields.Integer(allow_none=True)
    label = fields.String(required=True, validate=_NOT_BLANK)
    order = fields.Integer(validate=validate.Range(min=1))
    is_default = fields.Boolean(load_default=False)
    is_active = fields.Boolean(load_default=True)
    color = fields.String(allow_none=True)


class AllowedValueUpdateInput(AllowedValueInput):
    is_default = fields.Boolean()
    is_active = fields.Boolean()


class FieldInput(_Body):
    label = fields.String(required=True, validate=_NOT_BLANK)
    data_type = fields.Integer(required=True, validate=validate.OneOf(DATA_TYPES))
    multiple = fields.Boolean(load_default=False)
    required = fields.Boolean(load_default=False)
    is_active = fields.Boolean(load_default=True)
    allowed_values = fields.List(fields.Nested(AllowedValueInput), load_default=list)

    @validates_schema
    def _type_rules(self, data, **kwargs):
        if data["data_type"] in MULTIPLE_REQUIRED_TYPES and not data["multiple"]:
            raise ValidationError("multiple must be true for data_type 8 and 17", "multiple")
        if data["allowed_values"] and data["data_type"] not in PICKLIST_TYPES:
            raise ValidationError("only combo box, multi-select and check box fields take allowed values",
                                  "allowed_values")


class FieldUpdateInput(_Body):
    """FieldInputResource as PUT takes it: data_type may only repeat the field's own."""

    label = fields.String(validate=_NOT_BLANK)
    required = fields.Boolean()
    is_active = fields.Boolean()
    data_type = fields.Integer()
    allowed_values = fields.List(fields.Nested(AllowedValueInput))


class SearchInput(_Body):
    object_type = fields.String(required=True)
    field_names = fields.List(fields.String(), data_key="fields", load_default=lambda: ["*"])
    query = fields.String(allow_none=True)


class OAuthForm(_Body):
    grant_type = fields.String(required=True)
    username = fields.String(required=True)
    password = fields.String(required=True)


def load(schema, payload, partial=False):
    """Load `payload` with `schema` or answer 400 with the first problems found."""
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as error:
        raise HttpError(400, "Invalid request body: " + _describe(error.messages))


def _describe(messages, prefix=""):
    if isinstance(messages, list):
        return "; ".join(_describe(m, prefix) if isinstance(m, (dict, list)) else f"{prefix or 'body'}: {m}" for m in messages)
    parts = []
    for key, value in messages.items():
        path = "body" if key == "_schema" and not prefix else (f"{prefix}.{key}" if prefix else str(key))
        parts.append(_describe(value, path))
    return "; ".join(parts)
