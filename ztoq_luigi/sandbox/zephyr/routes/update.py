"""The PUT routes of the Zephyr v2 simulator.

For test cases, cycles, statuses, priorities and environments the spec
warns that "for each non-specified field the value will be cleared", and
that every custom field must be present on update; the simulator does both,
so a client that sends a partial object loses data here as it would in
production. Two documented exceptions are kept: a cycle's planned dates stay
unchanged when null or left out, and the execution update (whose spec says
nothing about clearing) only changes the fields it carries.
"""

from ztoq_luigi.sandbox.http import HttpError, Response
from ztoq_luigi.sandbox.zephyr.inputs.create import load_body
from ztoq_luigi.sandbox.zephyr.options import (
    OPTION_LABELS, check_unique_name, checked_folder_id, option_by_id, option_by_name, same_kind,
)
from ztoq_luigi.sandbox.zephyr.params import by_id_or_key, by_path_id, test_case
from ztoq_luigi.sandbox.zephyr.inputs.update import (
    TestCaseUpdate, TestCycleUpdate, TestExecutionUpdate, UpdateEnvironmentInput, UpdatePriorityInput, UpdateStatusInput,
)

OPTION_UPDATES = {
    "statuses": ("statusId", UpdateStatusInput),
    "priorities": ("priorityId", UpdatePriorityInput),
    "environments": ("environmentId", UpdateEnvironmentInput),
}


def _linked_id(body, name):
    return (body.get(name) or {}).get("id")


class ZephyrUpdates:
    def __init__(self, app):
        self.app = app
        self.index = app.index

    def register(self, router):
        prefix = self.app.api_prefix
        router.add("PUT", prefix + "/testcases/{testCaseKey}", self.update_test_case)
        router.add("PUT", prefix + "/testcycles/{testCycleIdOrKey}", self.update_test_cycle)
        router.add("PUT", prefix + "/testexecutions/{testExecutionIdOrKey}", self.update_test_execution)
        for collection, (param, schema) in OPTION_UPDATES.items():
            router.add("PUT", f"{prefix}/{collection}/{{{param}}}", self._option_route(collection, param, schema))

    def _check_identity(self, body, record, label):
        """The body must describe the record addressed by the path, in this project."""
        if body["project"]["id"] != self.app.dataset.project["id"]:
            raise HttpError(400, "Provided project does not match the current project.")
        if body["id"] != record["id"] or body.get("key", record.get("key")) != record.get("key"):
            raise HttpError(400, f"The id and key in the body must be those of the {label} being updated")

    def _custom_fields(self, body, record):
        """The body's custom fields; each one the record has must be sent, null to blank it."""
        sent = body.get("customFields") or {}
        missing = sorted(set(record.get("customFields") or {}) - set(sent))
        if missing:
            raise HttpError(400, f"customFields must contain every custom field; missing: {', '.join(missing)}")
        return dict(sent)

    def update_test_case(self, request):
        case = test_case(self.index, request.params["testCaseKey"])
        body = load_body(TestCaseUpdate, request)
        self._check_identity(body, case, "test case")
        changes = {
            "name": body["name"], "objective": body.get("objective"), "precondition": body.get("precondition"),
            "estimatedTime": body.get("estimatedTime"), "labels": body.get("labels") or [],
            "componentId": _linked_id(body, "component"),
            "priorityId": option_by_id(self.index, "priorities", body["priority"]["id"])["id"],
            "statusId": option_by_id(self.index, "statuses", body["status"]["id"], "TEST_CASE")["id"],
            "folderId": checked_folder_id(self.index, _linked_id(body, "folder"), "TEST_CASE"),
            "ownerId": (body.get("owner") or {}).get("accountId"),
            "customFields": self._custom_fields(body, case),
        }
        self.index.update("testcases", case, changes)
        return Response(200)

    def update_test_cycle(self, request):
        cycle = by_id_or_key(self.index, "testcycles", request.params["testCycleIdOrKey"])
        body = load_body(TestCycleUpdate, request)
        self._check_identity(body, cycle, "test cycle")
        changes = {
            "name": body["name"], "description": body.get("description"),
            "statusId": option_by_id(self.index, "statuses", body["status"]["id"], "TEST_CYCLE")["id"],
            "folderId": checked_folder_id(self.index, _linked_id(body, "folder"), "TEST_CYCLE"),
            "jiraProjectVersionId": _linked_id(body, "jiraProjectVersion"),
            "ownerId": (body.get("owner") or {}).get("accountId"),
            "customFields": self._custom_fields(body, cycle),
        }
        for date in ("plannedStartDate", "plannedEndDate"):
            if body.get(date) is not None:
                changes[date] = body[date]
        self.index.update("testcycles", cycle, changes)
        return Response(200, b"", {"Location": self.app.render.url("testcycles", cycle["id"])})

    def update_test_execution(self, request):
        execution = by_id_or_key(self.index, "testexecutions", request.params["testExecutionIdOrKey"])
        body = load_body(TestExecutionUpdate, request)
        changes = {name: value for name, value in body.items() if name not in ("statusName", "environmentName")}
        if body.get("statusName") is not None:
            changes["statusId"] = option_by_name(self.index, "statuses", body["statusName"], "TEST_EXECUTION")["id"]
        if body.get("environmentName") is not None:
            changes["environmentId"] = option_by_name(self.index, "environments", body["environmentName"])["id"]
        self.index.update("testexecutions", execution, changes)
        return Response(200, b"", {"Location": self.app.render.url("testexecutions", execution["id"])})

    def _option_route(self, collection, param, schema):
        def handler(request):
            record = by_path_id(self.index, collection, request, param)
            body = load_body(schema, request)
            self._check_identity(body, record, OPTION_LABELS[collection])
            status_type = record.get("statusType")
            check_unique_name(self.index, collection, body["name"], status_type, record)
            changes = {name: body.get(name) for name in schema().fields if name not in ("id", "project")}
            if changes.get("default"):
                for other in same_kind(self.index, collection, status_type):
                    other["default"] = other is record
            self.index.update(collection, record, changes)
            return Response(200)
        return handler
