"""The GET routes of the Zephyr v2 simulator: every read the migration makes, as the spec defines it.

Lists are PagedList envelopes over index lookups, so a page costs O(page).
Filters that name nothing (an unknown folder, cycle or test case) give an
empty page, and malformed ones a 400.
"""

import re

from ztoq_luigi.sandbox.http import HttpError, Response
from ztoq_luigi.sandbox.zephyr.paging import paged
from ztoq_luigi.sandbox.zephyr.params import (
    by_id_or_key, by_path_id, date_arg, enum_arg, find_id_or_key, id_arg, not_found, project_filter, test_case,
)
from ztoq_luigi.sandbox.zephyr.render import issue_id_for_key
from ztoq_luigi.sandbox.zephyr.store import FOLDER_TYPES, STATUS_TYPES

TEST_STEPS_PER_PAGE = 100
OPTION_EXTRAS = {"statuses": ("color", "archived", "default"), "priorities": ("color", "default"), "environments": ("archived",)}
OPTION_ID_PARAMS = {"statuses": "statusId", "priorities": "priorityId", "environments": "environmentId"}


class ZephyrReads:
    def __init__(self, app):
        self.app = app
        self.index = app.index

    def register(self, router):
        routes = {
            "/healthcheck": self.healthcheck,
            "/projects": self.list_projects,
            "/projects/{projectIdOrKey}": self.get_project,
            "/folders": self.list_folders,
            "/folders/{folderId}": self.get_folder,
            "/testcases": self.list_test_cases,
            "/testcases/{testCaseKey}": self.get_test_case,
            "/testcases/{testCaseKey}/links": self.get_test_case_links,
            "/testcases/{testCaseKey}/versions": self.list_versions,
            "/testcases/{testCaseKey}/versions/{version}": self.get_version,
            "/testcases/{testCaseKey}/testscript": self.get_test_script,
            "/testcases/{testCaseKey}/teststeps": self.list_test_steps,
            "/testcycles": self.list_test_cycles,
            "/testcycles/{testCycleIdOrKey}": self.get_test_cycle,
            "/testcycles/{testCycleIdOrKey}/links": self.get_test_cycle_links,
            "/testplans": self.list_test_plans,
            "/testplans/{testPlanIdOrKey}": self.get_test_plan,
            "/testexecutions": self.list_test_executions,
            "/testexecutions/{testExecutionIdOrKey}": self.get_test_execution,
            "/testexecutions/{testExecutionIdOrKey}/teststeps": self.list_execution_steps,
            "/testexecutions/{testExecutionIdOrKey}/links": self.get_test_execution_links,
            "/issuelinks/{issueKey}/testcases": self.issue_test_cases,
            "/issuelinks/{issueKey}/testcycles": self.issue_test_cycles,
            "/issuelinks/{issueKey}/testplans": self.issue_test_plans,
            "/issuelinks/{issueKey}/executions": self.issue_executions,
        }
        for collection in OPTION_EXTRAS:
            routes[f"/{collection}"] = self._option_list(collection)
            routes[f"/{collection}/{{{OPTION_ID_PARAMS[collection]}}}"] = self._option_get(collection)
        for template, handler in routes.items():
            router.add("GET", self.app.api_prefix + template, handler)

    @property
    def render(self):
        return self.app.render

    def _page(self, request, records, render, cap=None):
        limit = self.app.max_results_cap if cap is None else min(cap, self.app.max_results_cap)
        return self.app.respond(200, paged(request, records, render, self.app.root_url + request.path, limit))

    def healthcheck(self, request):
        return Response(200)

    def list_projects(self, request):
        return self._page(request, [self.app.dataset.project], lambda project: self.render.project_record())

    def get_project(self, request):
        ref = request.params["projectIdOrKey"]
        if not re.fullmatch(r"[0-9]+|[A-Z][A-Z_0-9]+", ref):
            raise HttpError(400, f"projectIdOrKey must be a project id or key, got '{ref}'")
        project = self.app.dataset.project
        if ref not in (str(project["id"]), project["key"]):
            raise not_found("projects", ref)
        return self.app.respond(200, self.render.project_record())

    def list_folders(self, request):
        project_filter(request, self.app.dataset.key)
        folder_type = enum_arg(request, "folderType", FOLDER_TYPES)
        equals = {"folderType": folder_type} if folder_type else {}
        return self._page(request, self.index.select("folders", equals), self.render.folder)

    def get_folder(self, request):
        return self.app.respond(200, self.render.folder(by_path_id(self.index, "folders", request, "folderId")))

    def _option_list(self, collection):
        def handler(request):
            project_filter(request, self.app.dataset.key)
            equals = {}
            if collection == "statuses":
                status_type = enum_arg(request, "statusType", STATUS_TYPES)
                equals = {"statusType": status_type} if status_type else {}
            records = self.index.select(collection, equals)
            return self._page(request, records, lambda record: self.render.option(record, OPTION_EXTRAS[collection]))
        return handler

    def _option_get(self, collection):
        def handler(request):
            record = by_path_id(self.index, collection, request, OPTION_ID_PARAMS[collection])
            return self.app.respond(200, self.render.option(record, OPTION_EXTRAS[collection]))
        return handler

    def list_test_cases(self, request):
        project_filter(request, self.app.dataset.key)
        folder_id = id_arg(request, "folderId")
        equals = {"folderId": folder_id} if folder_id is not None else {}
        return self._page(request, self.index.select("testcases", equals), self.render.test_case)

    def get_test_case(self, request):
        return self.app.respond(200, self.render.test_case(test_case(self.index, request.params["testCaseKey"])))

    def get_test_case_links(self, request):
        return self.app.respond(200, self.render.case_links(test_case(self.index, request.params["testCaseKey"])))

    def list_versions(self, request):
        case = test_case(self.index, request.params["testCaseKey"])
        versions = sorted((int(version) for version in case["versionIds"]), reverse=True)
        return self._page(request, versions, lambda version: self.render.case_version_link(case, version))

    def get_version(self, request):
        case = test_case(self.index, request.params["testCaseKey"])
        raw = request.params["version"]
        if not raw.isdigit():
            raise HttpError(400, f"version must be an integer, got '{raw}'")
        version = int(raw)
        if version not in {int(known) for known in case["versionIds"]}:
            raise HttpError(404, f"Test case '{case['key']}' has no version {version}")
        return self.app.respond(200, self.render.test_case(case, version))

    def get_test_script(self, request):
        case = test_case(self.index, request.params["testCaseKey"])
        script = case.get("script")
        if not script or script["type"] not in ("plain", "bdd"):
            raise HttpError(404, f"Test script for test case '{case['key']}' does not exist or you do not have access to it")
        return self.app.respond(200, {"id": script["id"], "type": script["type"], "text": script["text"]})

    def list_test_steps(self, request):
        """The spec pages test steps 100 at a time, but maxResults still defaults to 10."""
        case = test_case(self.index, request.params["testCaseKey"])
        script = case.get("script") or {}
        steps = (case.get("steps") or []) if script.get("type") == "steps" else []
        return self._page(request, steps, self.render.test_step, cap=TEST_STEPS_PER_PAGE)

    def _cycle(self, cycle):
        return self.render.test_cycle(cycle, self.index.plans_linking_cycle(cycle["id"]))

    def list_test_cycles(self, request):
        project_filter(request, self.app.dataset.key)
        equals = {}
        for name in ("folderId", "jiraProjectVersionId"):
            value = id_arg(request, name)
            if value is not None:
                equals[name] = value
        return self._page(request, self.index.select("testcycles", equals), self._cycle)

    def get_test_cycle(self, request):
        return self.app.respond(200, self._cycle(by_id_or_key(self.index, "testcycles", request.params["testCycleIdOrKey"])))

    def get_test_cycle_links(self, request):
        cycle = by_id_or_key(self.index, "testcycles", request.params["testCycleIdOrKey"])
        return self.app.respond(200, self.render.cycle_links(cycle, self.index.plans_linking_cycle(cycle["id"])))

    def list_test_plans(self, request):
        project_filter(request, self.app.dataset.key)
        return self._page(request, self.index.records("testplans"), self.render.test_plan)

    def get_test_plan(self, request):
        return self.app.respond(200, self.render.test_plan(by_id_or_key(self.index, "testplans", request.params["testPlanIdOrKey"])))

    def _execution(self, execution):
        return self.render.test_execution(execution, self.index.by_key["testcases"][execution["testCaseKey"]])

    def list_test_executions(self, request):
        project_filter(request, self.app.dataset.key)
        request.bool_arg("includeStepLinks")
        selection = self._execution_selection(request)
        records = [] if selection is None else self.index.select("testexecutions", *selection)
        return self._page(request, records, self._execution)

    def _execution_selection(self, request):
        """(equals, predicate, predicate_key) for the execution filters, or None when nothing can match."""
        equals = {}
        cycle_ref, case_ref = request.arg("testCycle"), request.arg("testCase")
        if cycle_ref is not None:
            cycle = find_id_or_key(self.index, "testcycles", cycle_ref)
            if cycle is None:
                return None
            equals["testCycleId"] = cycle["id"]
        if case_ref is not None:
            case = find_id_or_key(self.index, "testcases", case_ref)
            if case is None:
                return None
            equals["testCaseKey"] = case["key"]
        version_id = id_arg(request, "jiraProjectVersionId")
        if version_id is not None:
            equals["jiraProjectVersionId"] = version_id
        after, before = date_arg(request, "actualEndDateAfter"), date_arg(request, "actualEndDateBefore")
        only_last = request.bool_arg("onlyLastExecutions")
        if after is None and before is None and not only_last:
            return equals, None, None
        return equals, self._execution_predicate(after, before, only_last), (after, before, only_last)

    def _execution_predicate(self, after, before, only_last):
        def matches(execution):
            end = execution.get("actualEndDate")
            if (after or before) and end is None:
                return False
            if (after and end <= after) or (before and end >= before):
                return False
            return not only_last or self.index.is_last_execution(execution)
        return matches

    def get_test_execution(self, request):
        request.bool_arg("includeStepLinks")
        execution = by_id_or_key(self.index, "testexecutions", request.params["testExecutionIdOrKey"])
        return self.app.respond(200, self._execution(execution))

    def list_execution_steps(self, request):
        execution = by_id_or_key(self.index, "testexecutions", request.params["testExecutionIdOrKey"])
        row = request.int_arg("testDataRowNumber", minimum=0)
        results = execution.get("stepResults") or []
        if row is not None:
            results = [result for result in results if result["inline"].get("testDataRowNumber") == row]
        return self._page(request, results, self.render.execution_step)

    def get_test_execution_links(self, request):
        execution = by_id_or_key(self.index, "testexecutions", request.params["testExecutionIdOrKey"])
        return self.app.respond(200, self.render.execution_links(execution))

    def _issue_linked(self, request, collection):
        """Entities linked to a Jira issue: a plain array, not a PagedList."""
        issue_key = request.params["issueKey"]
        if not re.fullmatch(r".+-[0-9]+", issue_key):
            raise HttpError(400, f"issueKey must be a Jira issue key such as PROJ-1, got '{issue_key}'")
        issue_id = issue_id_for_key(self.app.dataset.key, issue_key)
        return [] if issue_id is None else self.index.issue_linked(collection, issue_id)

    def issue_test_cases(self, request):
        return self.app.respond(200, [
            {"key": case["key"], "version": int(case["version"]),
             "self": self.render.url("testcases", case["key"], "versions", case["version"])}
            for case in self._issue_linked(request, "testcases")
        ])

    def issue_test_cycles(self, request):
        return self.app.respond(200, [self.render.link("testcycles", cycle["id"]) for cycle in self._issue_linked(request, "testcycles")])

    def issue_test_plans(self, request):
        return self.app.respond(200, [self.render.link("testplans", plan["id"]) for plan in self._issue_linked(request, "testplans")])

    def issue_executions(self, request):
        linked = self._issue_linked(request, "testexecutions")
        return self.app.respond(200, [self.render.link("testexecutions", execution["id"]) for execution in linked])
