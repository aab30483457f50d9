"""The seeding routes of the Zephyr v2 simulator: the POSTs (and the link DELETE) the spec defines.

Bodies name things (`statusName`, `priorityName`, `environmentName`) where
responses link them, so each name is resolved against the project's options
and an unknown or archived one answers 400. Answers differ per route exactly
as in the spec: most creations return `{id, self}` (plus `key` for keyed
entities), while test executions and the links of cycles and executions
return 201 with no body and a `location` header.
"""

from datetime import datetime, timezone

from ztoq_luigi.sandbox.http import HttpError, Response
from ztoq_luigi.sandbox.zephyr.inputs.create import (
    CreateEnvironmentInput, CreatePriorityInput, CreateStatusInput, FolderInput, IssueLinkInput,
    TestCaseInput, TestCycleInput, TestExecutionInput, TestPlanInput, TestPlanTestCycleLinkInput,
    TestScriptInput, TestStepsInput, WebLinkInput, WebLinkWithDescriptionInput, load_body,
)
from ztoq_luigi.sandbox.zephyr.options import (
    check_unique_name, checked_folder_id, option_by_name, priority_id, same_kind, status_id,
)
from ztoq_luigi.sandbox.zephyr.params import by_id_or_key, check_project_key, find_id_or_key, path_id, test_case


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZephyrWrites:
    def __init__(self, app):
        self.app = app
        self.index = app.index

    def register(self, router):
        prefix = self.app.api_prefix
        routes = [
            ("POST", "/testcases", self.create_test_case),
            ("POST", "/testcases/{testCaseKey}/teststeps", self.post_test_steps),
            ("POST", "/testcases/{testCaseKey}/testscript", self.post_test_script),
            ("POST", "/testcases/{testCaseKey}/links/issues", self._link_route("testcases", "issues")),
            ("POST", "/testcases/{testCaseKey}/links/weblinks", self._link_route("testcases", "weblinks")),
            ("POST", "/testcycles", self.create_test_cycle),
            ("POST", "/testcycles/{testCycleIdOrKey}/links/issues", self._link_route("testcycles", "issues")),
            ("POST", "/testcycles/{testCycleIdOrKey}/links/weblinks", self._link_route("testcycles", "weblinks")),
            ("POST", "/testplans", self.create_test_plan),
            ("POST", "/testplans/{testPlanIdOrKey}/links/issues", self._link_route("testplans", "issues")),
            ("POST", "/testplans/{testPlanIdOrKey}/links/weblinks", self._link_route("testplans", "weblinks")),
            ("POST", "/testplans/{testPlanIdOrKey}/links/testcycles", self._link_route("testplans", "testcycles")),
            ("POST", "/testexecutions", self.create_test_execution),
            ("POST", "/testexecutions/{testExecutionIdOrKey}/links/issues", self._link_route("testexecutions", "issues")),
            ("POST", "/folders", self.create_folder),
            ("POST", "/statuses", self._option_route("statuses", CreateStatusInput)),
            ("POST", "/priorities", self._option_route("priorities", CreatePriorityInput)),
            ("POST", "/environments", self._option_route("environments", CreateEnvironmentInput)),
            ("DELETE", "/links/{linkId}", self.delete_link),
        ]
        for method, template, handler in routes:
            router.add(method, prefix + template, handler)

    @property
    def render(self):
        return self.app.render

    def _load(self, schema, request):
        body = load_body(schema, request)
        if "projectKey" in body:
            check_project_key(body["projectKey"], self.app.dataset.key)
        return body

    def _created(self, collection, record, self_url):
        self.index.add(collection, record)
        return self.app.respond(201, self.render.created(self_url, record["id"], record.get("key")))

    def create_test_case(self, request):
        body = self._load(TestCaseInput, request)
        case_id, key = self.index.next_id("testcases"), self.index.next_key("testcases")
        record = {
            "id": case_id, "key": key, "name": body["name"], "createdOn": _now(),
            "objective": body.get("objective"), "precondition": body.get("precondition"),
            "estimatedTime": body.get("estimatedTime"), "labels": body.get("labels") or [],
            "componentId": body.get("componentId"),
            "priorityId": priority_id(self.index, body.get("priorityName")),
            "statusId": status_id(self.index, "TEST_CASE", body.get("statusName")),
            "folderId": checked_folder_id(self.index, body.get("folderId"), "TEST_CASE"),
            "ownerId": body.get("ownerId"), "customFields": body.get("customFields") or {},
            "version": 1, "versionIds": {1: case_id}, "script": None, "steps": [],
            "issueLinks": [], "webLinks": [],
        }
        return self._created("testcases", record, self.render.url("testcases", key))

    def create_test_cycle(self, request):
        body = self._load(TestCycleInput, request)
        cycle_id = self.index.next_id("testcycles")
        record = {
            "id": cycle_id, "key": self.index.next_key("testcycles"), "name": body["name"],
            "description": body.get("description"),
            "plannedStartDate": body.get("plannedStartDate"), "plannedEndDate": body.get("plannedEndDate"),
            "statusId": status_id(self.index, "TEST_CYCLE", body.get("statusName")),
            "folderId": checked_folder_id(self.index, body.get("folderId"), "TEST_CYCLE"),
            "ownerId": body.get("ownerId"), "jiraProjectVersionId": body.get("jiraProjectVersion"),
            "customFields": body.get("customFields") or {}, "issueLinks": [], "webLinks": [],
        }
        return self._created("testcycles", record, self.render.url("testcycles", cycle_id))

    def create_test_plan(self, request):
        body = self._load(TestPlanInput, request)
        plan_id = self.index.next_id("testplans")
        record = {
            "id": plan_id, "key": self.index.next_key("testplans"), "name": body["name"],
            "objective": body.get("objective"),
            "statusId": status_id(self.index, "TEST_PLAN", body.get("statusName")),
            "folderId": checked_folder_id(self.index, body.get("folderId"), "TEST_PLAN"),
            "ownerId": body.get("ownerId"), "customFields": body.get("customFields") or {},
            "labels": body.get("labels") or [], "issueLinks": [], "webLinks": [], "testCycleLinks": [],
        }
        return self._created("testplans", record, self.render.url("testplans", plan_id))

    def create_test_execution(self, request):
        """201 with no body: the only trace of the new execution is its `location` header."""
        body = self._load(TestExecutionInput, request)
        case = self.index.by_key["testcases"].get(body["testCaseKey"])
        if case is None:
            raise HttpError(400, f"Test case '{body['testCaseKey']}' does not exist or you do not have access to it")
        cycle = find_id_or_key(self.index, "testcycles", body["testCycleKey"])
        if cycle is None:
            raise HttpError(400, f"Test cycle '{body['testCycleKey']}' does not exist or you do not have access to it")
        environment_name = body.get("environmentName")
        execution_id = self.index.next_id("testexecutions")
        record = {
            "id": execution_id, "key": self.index.next_key("testexecutions"),
            "testCaseKey": case["key"], "testCaseVersion": case["version"],
            "environmentId": option_by_name(self.index, "environments", environment_name)["id"] if environment_name else None,
            "jiraProjectVersionId": cycle.get("jiraProjectVersionId"),
            "statusId": status_id(self.index, "TEST_EXECUTION", body["statusName"]),
            "actualEndDate": body.get("actualEndDate"), "estimatedTime": case.get("estimatedTime"),
            "executionTime": body.get("executionTime"), "executedById": body.get("executedById"),
            "assignedToId": body.get("assignedToId"), "comment": body.get("comment"), "automated": False,
            "testCycleId": cycle["id"], "customFields": body.get("customFields") or {}, "issueLinks": [],
            "stepResults": self._step_results(case, body.get("testScriptResults")),
        }
        self.index.add("testexecutions", record)
        return Response(201, b"", {"Location": self.render.url("testexecutions", execution_id)})

    def _step_results(self, case, script_results):
        """One result per step of the case; the spec does not support call-to-test cases here."""
        steps = (case.get("steps") or []) if (case.get("script") or {}).get("type") == "steps" else []
        if any(step.get("inline") is None for step in steps):
            raise HttpError(400, "Test cases with call to test, parameters and test data are not supported")
        if script_results is not None and len(script_results) != len(steps):
            raise HttpError(400, f"Sent test script results ({len(script_results)}) do not match the test case steps ({len(steps)})")
        results = []
        for position, step in enumerate(steps):
            given = script_results[position] if script_results else {}
            inline = step["inline"]
            results.append({"inline": {
                "description": inline.get("description"), "testData": inline.get("testData"),
                "expectedResult": inline.get("expectedResult"), "actualResult": given.get("actualResult"),
                "testDataRowNumber": None, "reflectRef": inline.get("reflectRef"),
                "statusId": status_id(self.index, "TEST_EXECUTION", given.get("statusName")),
            }})
        return results

    def post_test_steps(self, request):
        """APPEND adds to the steps, OVERWRITE replaces them; either removes a plain or BDD script."""
        case = test_case(self.index, request.params["testCaseKey"])
        body = load_body(TestStepsInput, request)
        steps = [self._stored_step(case, item) for item in body["items"]]
        keeps_steps = body["mode"] == "APPEND" and (case.get("script") or {}).get("type") == "steps"
        case["steps"] = ((case.get("steps") or []) + steps) if keeps_steps else steps
        case["script"] = {"type": "steps"}
        return self.app.respond(201, self.render.created(self.render.url("testcases", case["key"], "teststeps"), case["id"]))

    def _stored_step(self, case, item):
        if item.get("inline") is not None:
            inline = item["inline"]
            return {"inline": {
                "description": inline.get("description"), "testData": inline.get("testData"),
                "expectedResult": inline.get("expectedResult"), "customFields": inline.get("customFields") or {},
                "reflectRef": None,
            }}
        call = item["testCase"]
        called = self.index.by_key["testcases"].get(call["testCaseKey"])
        if called is None:
            raise HttpError(400, f"Test case '{call['testCaseKey']}' does not exist or you do not have access to it")
        if called is case:
            raise HttpError(400, "A test step cannot call its own test case")
        return {"testCase": {"testCaseKey": called["key"], "version": called["version"], "parameters": call.get("parameters") or []}}

    def post_test_script(self, request):
        case = test_case(self.index, request.params["testCaseKey"])
        body = load_body(TestScriptInput, request)
        script_id = self.index.new_script_id()
        case["script"] = {"id": script_id, "type": body["type"], "text": body["text"]}
        case["steps"] = []
        return self.app.respond(201, self.render.created(self.render.url("testcases", case["key"], "testscript"), script_id))

    def create_folder(self, request):
        body = self._load(FolderInput, request)
        parent_id, folder_type = body.get("parentId"), body["folderType"]
        if parent_id is not None:
            checked_folder_id(self.index, parent_id, folder_type)
        siblings = [folder for folder in self.index.group("folders", "parentId", parent_id) if folder["folderType"] == folder_type]
        if any(folder["name"] == body["name"] for folder in siblings):
            raise HttpError(400, "A folder with this name already exists.")
        folder_id = self.index.next_id("folders")
        record = {"id": folder_id, "parentId": parent_id, "name": body["name"], "index": len(siblings), "folderType": folder_type}
        return self._created("folders", record, self.render.url("folders", folder_id))

    def _option_route(self, collection, schema):
        def handler(request):
            body = self._load(schema, request)
            status_type = body.get("type")
            check_unique_name(self.index, collection, body["name"], status_type)
            record_id = self.index.next_id(collection)
            record = {"id": record_id, "name": body["name"], "description": body.get("description"),
                      "index": len(same_kind(self.index, collection, status_type))}
            if collection != "environments":
                record.update(color=body.get("color"), default=False)
            if collection != "priorities":
                record["archived"] = False
            if status_type:
                record["statusType"] = status_type
            return self._created(collection, record, self.render.url(collection, record_id))
        return handler

    def _link_route(self, collection, kind):
        """Link creation; cycles and executions answer with a location header, the others with a body."""
        answers_with_location = collection in ("testcycles", "testexecutions")

        def handler(request):
            owner = self._link_owner(collection, request)
            list_name, link = self._new_link(collection, kind, request)
            self.index.add_link(collection, owner, list_name, link)
            link_url = self.render.url("links", link["id"])
            if answers_with_location:
                return Response(201, b"", {"Location": link_url})
            return self.app.respond(201, self.render.created(link_url, link["id"]))
        return handler

    def _link_owner(self, collection, request):
        if collection == "testcases":
            return test_case(self.index, request.params["testCaseKey"])
        (ref,) = request.params.values()
        return by_id_or_key(self.index, collection, ref)

    def _new_link(self, collection, kind, request):
        link_id = self.index.next_link_id()
        if kind == "issues":
            body = load_body(IssueLinkInput, request)
            link_type = "COVERAGE" if collection == "testcases" else "RELATED"
            return "issueLinks", {"id": link_id, "issueId": body["issueId"], "type": link_type}
        if kind == "weblinks":
            body = load_body(WebLinkWithDescriptionInput if collection == "testplans" else WebLinkInput, request)
            return "webLinks", {"id": link_id, "url": body["url"], "description": body.get("description"), "type": "RELATED"}
        body = load_body(TestPlanTestCycleLinkInput, request)
        cycle = find_id_or_key(self.index, "testcycles", body["testCycleIdOrKey"])
        if cycle is None:
            raise HttpError(400, f"Test cycle '{body['testCycleIdOrKey']}' does not exist or you do not have access to it")
        return "testCycleLinks", {"id": link_id, "testCycleId": cycle["id"], "type": "RELATED"}

    def delete_link(self, request):
        link_id = path_id(request, "linkId")
        if self.index.link(link_id) is None:
            raise HttpError(404, f"Link '{link_id}' does not exist or you do not have access to it")
        self.index.remove_link(link_id)
        return Response(200)
