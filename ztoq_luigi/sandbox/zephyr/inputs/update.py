"""Request bodies of the Zephyr simulator's PUT routes, as the v2 spec defines them.

Test cases and cycles are updated with the very shape a GET returns (links
such as `priority: {id}`, not names), which is why a client can round-trip
an object but must resend every field: whatever it leaves out is cleared.
Executions are updated by names instead (`TestExecutionUpdate`).
"""

from marshmallow import fields

from ztoq_luigi.sandbox.zephyr.inputs.create import (
    ACCOUNT_ID, COLOR, DATE_TIME, NOT_BLANK, TEST_CASE_KEY, InputSchema, custom_fields_map, integer_field, labels_list,
    text_field,
)

TEST_CYCLE_KEY = r".+-[RC][0-9]+"


def _link(required=False):
    return fields.Nested(IdLink, required=required, allow_none=not required)


def _flag():
    """A JSON boolean: marshmallow would otherwise also take "yes" or 1."""
    return fields.Boolean(required=True, truthy={True}, falsy={False})


class IdLink(InputSchema):
    id = integer_field(1, required=True)


class UserLink(InputSchema):
    accountId = text_field(required=True, regex=ACCOUNT_ID, what="Atlassian account id")


class TestCaseUpdate(InputSchema):
    id = integer_field(1, required=True)
    key = text_field(required=True, regex=TEST_CASE_KEY, what="test case key")
    name = text_field(required=True, regex=NOT_BLANK, what="non-blank name")
    project = _link(required=True)
    priority = _link(required=True)
    status = _link(required=True)
    objective = text_field()
    precondition = text_field()
    estimatedTime = integer_field(0)
    labels = labels_list()
    component = _link()
    folder = _link()
    owner = fields.Nested(UserLink, allow_none=True)
    customFields = custom_fields_map()


class TestCycleUpdate(InputSchema):
    id = integer_field(1, required=True)
    key = text_field(required=True, regex=TEST_CYCLE_KEY, what="test cycle key")
    name = text_field(required=True, regex=NOT_BLANK, what="non-blank name")
    project = _link(required=True)
    status = _link(required=True)
    jiraProjectVersion = _link()
    folder = _link()
    description = text_field()
    plannedStartDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    plannedEndDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    owner = fields.Nested(UserLink, allow_none=True)
    customFields = custom_fields_map()


class TestExecutionUpdate(InputSchema):
    statusName = text_field(max_length=255)
    environmentName = text_field()
    actualEndDate = text_field(regex=DATE_TIME, what="yyyy-MM-dd'T'HH:mm:ss'Z'")
    executionTime = integer_field(0)
    executedById = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    assignedToId = text_field(regex=ACCOUNT_ID, what="Atlassian account id")
    comment = text_field()


class UpdateEnvironmentInput(InputSchema):
    id = integer_field(1, required=True)
    project = _link(required=True)
    name = text_field(required=True, max_length=255)
    description = text_field(max_length=255)
    index = integer_field(0, required=True)


class UpdatePriorityInput(UpdateEnvironmentInput):
    default = _flag()
    color = text_field(regex=COLOR, what="hexadecimal colour")


class UpdateStatusInput(UpdatePriorityInput):
    archived = _flag()
