"""Test execution routes: releases, test cycles, test suites, test runs and execution statuses.

Containers are addressed by the `parentId`/`parentType` query parameters,
both on creation and on a move; a PUT carrying them moves the object and
ignores its body, as qTest documents.
"""

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.execution import ROOT
from ztoq_luigi.sandbox.qtest.ids import stamp
from ztoq_luigi.sandbox.qtest.inputs import CycleInput, ReleaseInput, RunInput, RunUpdateInput, SuiteInput, load


class ExecutionRoutes:
    def __init__(self, app):
        self.app = app
        self.state = app.state

    def register(self):
        route = self.app.route
        route("GET", "/releases", self.list_releases)
        route("POST", "/releases", self.create_release)
        route("GET", "/releases/{releaseId}", self.get_release)
        route("PUT", "/releases/{releaseId}", self.update_release)
        route("GET", "/test-cycles", self.list_cycles)
        route("POST", "/test-cycles", self.create_cycle)
        route("GET", "/test-cycles/{testCycleId}", self.get_cycle)
        route("PUT", "/test-cycles/{testCycleId}", self.update_cycle)
        route("DELETE", "/test-cycles/{testCycleId}", self.delete_cycle)
        route("GET", "/test-suites", self.list_suites)
        route("POST", "/test-suites", self.create_suite)
        route("GET", "/test-suites/{testSuiteId}", self.get_suite)
        route("PUT", "/test-suites/{testSuiteId}", self.update_suite)
        route("DELETE", "/test-suites/{testSuiteId}", self.delete_suite)
        route("GET", "/test-runs/execution-statuses", self.execution_statuses)
        route("GET", "/test-runs", self.list_runs)
        route("POST", "/test-runs", self.create_run)
        route("GET", "/test-runs/{testRunId}", self.get_run)
        route("PUT", "/test-runs/{testRunId}", self.update_run)
        route("DELETE", "/test-runs/{testRunId}", self.delete_run)

    def _parent(self, request, kind):
        """(parentType, parentId) from the query; none at all means root."""
        parent_type, parent_id = request.arg("parentType"), request.int_arg("parentId")
        if parent_type is None:
            if parent_id not in (None, 0):
                raise HttpError(400, "parentType is required when parentId is given")
            parent_type = "root"
        return self.state.execution.check_parent(kind, parent_type, parent_id)

    def _moves(self, request):
        return request.arg("parentId") is not None or request.arg("parentType") is not None

    def _container(self, request, kind, param):
        return self.state.execution.container(kind, self.app.path_id(request, param))

    def _targets(self, body):
        """The targets a body sets: a release of the project or null (none); left out, a target stays as it is.

        The simulator holds no builds, so any build id names an unknown one.
        """
        release_id, build_id = body.get("target_release_id"), body.get("target_build_id")
        if release_id is not None:
            self.state.execution.container("release", release_id)
        if build_id is not None:
            raise HttpError(404, f"Build with id {build_id} not found")
        return {k: body[k] for k in ("target_release_id", "target_build_id") if k in body}

    # releases

    def list_releases(self, request):
        """Closed releases only with `includeClosed=true`, as release_api documents."""
        releases = self.state.execution.children(ROOT, "release")
        if not request.bool_arg("includeClosed"):
            releases = [r for r in releases if not self.state.release_closed(r)]
        render = self.app.renderer(request)
        return self.app.ok([render.release(r) for r in releases])

    def create_release(self, request):
        body = load(ReleaseInput(), self.app.json_body(request))
        properties = self.state.fields.validate("releases", body["properties"])
        extra = {k: stamp(body[k]) for k in ("start_date", "end_date") if body.get(k) is not None}
        extra["note"] = body.get("note")
        release = self.state.execution.add_container("release", body["name"], body.get("description"), ROOT,
                                                     properties, extra)
        return self.app.ok(self.app.renderer(request).release(release), 201)

    def get_release(self, request):
        return self.app.ok(self.app.renderer(request).release(self._container(request, "release", "releaseId")))

    def update_release(self, request):
        """ReleaseWithCustomFieldResource again: `properties` is required (may be empty), the name optional."""
        release = self._container(request, "release", "releaseId")
        body = load(ReleaseInput(), self.app.json_body(request), partial=("name",))
        changes = {k: body[k] for k in ("name", "description") if body.get(k) is not None}
        changes["properties"] = self.state.fields.validate("releases", body["properties"], release.properties)
        changes["extra"] = {k: stamp(body[k]) for k in ("start_date", "end_date") if body.get(k) is not None}
        if body.get("note") is not None:
            changes["extra"]["note"] = body["note"]
        self.state.execution.update_container(release, changes)
        return self.app.ok(self.app.renderer(request).release(release))

    # test cycles

    def list_cycles(self, request):
        """A bare array, paged by `page` and `pageSize` (test_cycle_api): a page, never the whole level."""
        parent = self._parent(request, "test-cycle")
        expand = request.arg("expand") == "descendants"
        page, size = self.app.page_params(request)
        cycles = self.state.execution.children(parent, "test-cycle")[(page - 1) * size: page * size]
        render = self.app.renderer(request)
        return self.app.ok([render.cycle(c, expand) for c in cycles])

    def create_cycle(self, request):
        body = load(CycleInput(), self.app.json_body(request))
        parent = self._parent(request, "test-cycle")
        cycle = self.state.execution.add_container("test-cycle", body["name"], body.get("description"), parent, {},
                                                   self._targets(body))
        return self.app.ok(self.app.renderer(request).cycle(cycle), 201)

    def get_cycle(self, request):
        cycle = self._container(request, "test-cycle", "testCycleId")
        return self.app.ok(self.app.renderer(request).cycle(cycle, request.arg("expand") == "descendants"))

    def update_cycle(self, request):
        cycle = self._container(request, "test-cycle", "testCycleId")
        body = self.app.json_body(request)  # TestCycleResource is required even by a move, which ignores it
        if self._moves(request):
            self.state.execution.move(cycle, self._parent(request, "test-cycle"))
        else:
            body = load(CycleInput(), body, partial=True)
            changes = {k: body[k] for k in ("name", "description") if body.get(k) is not None}
            changes["extra"] = self._targets(body)
            self.state.execution.update_container(cycle, changes)
        return self.app.ok(self.app.renderer(request).cycle(cycle))

    def delete_cycle(self, request):
        cycle = self._container(request, "test-cycle", "testCycleId")
        self.state.execution.delete_container(cycle, request.bool_arg("force"))
        return self.app.deleted("Test Cycle")

    # test suites

    def list_suites(self, request):
        parent = self._parent(request, "test-suite")
        render = self.app.renderer(request)
        return self.app.ok([render.suite(s) for s in self.state.execution.children(parent, "test-suite")])

    def create_suite(self, request):
        body = load(SuiteInput(), self.app.json_body(request))
        parent = self._parent(request, "test-suite")
        properties = self.state.fields.validate("test-suites", body["properties"])
        suite = self.state.execution.add_container("test-suite", body["name"], body.get("description"), parent,
                                                   properties, self._targets(body))
        return self.app.ok(self.app.renderer(request).suite(suite), 201)

    def get_suite(self, request):
        return self.app.ok(self.app.renderer(request).suite(self._container(request, "test-suite", "testSuiteId")))

    def update_suite(self, request):
        suite = self._container(request, "test-suite", "testSuiteId")
        if self._moves(request):
            self.state.execution.move(suite, self._parent(request, "test-suite"))
        else:
            body = load(SuiteInput(), self.app.json_body(request), partial=True)
            changes = {k: body[k] for k in ("name", "description") if body.get(k) is not None}
            if "properties" in body:
                changes["properties"] = self.state.fields.validate("test-suites", body["properties"], suite.properties)
            changes["extra"] = self._targets(body)
            self.state.execution.update_container(suite, changes)
        return self.app.ok(self.app.renderer(request).suite(suite))

    def delete_suite(self, request):
        suite = self._container(request, "test-suite", "testSuiteId")
        self.state.execution.delete_container(suite, force=True)
        return self.app.deleted("Test Suite")

    # test runs

    def execution_statuses(self, request):
        render = self.app.renderer(request)
        return self.app.ok([render.status(v) for v in self.state.fields.status_field().allowed if v.is_active])

    def _run(self, request):
        return self.state.execution.run(self.app.path_id(request, "testRunId"))

    def list_runs(self, request):
        parent = self._parent(request, "test-run")
        execution = self.state.execution
        if request.arg("expand") == "descendants":
            runs = execution.descendant_runs(parent)
        else:
            runs = execution.children(parent, "test-run")
        render = self.app.renderer(request)
        return self.app.paged_response(request, runs, render.listed_run)

    def create_run(self, request):
        body = load(RunInput(), self.app.json_body(request))
        parent = self._parent(request, "test-run")
        case = self.state.design.case(body["test_case"]["id"])
        version_id = body.get("test_case_version_id", case.latest.id)
        if case.version(version_id) is None:
            raise HttpError(400, f"Test case version {version_id} does not belong to test case {case.id}")
        properties = self.state.fields.validate("test-runs", body["properties"])
        name = body.get("name") or case.version(version_id).name
        run = self.state.execution.add_run(parent, name, case.id, version_id, properties)
        return self.app.ok(self.app.renderer(request).listed_run(run), 201)

    def get_run(self, request):
        expand = request.arg("expand")
        if expand not in (None, "testcase", "testcase.teststep"):
            raise HttpError(400, f"Invalid expand value '{expand}'. Valid values: testcase, testcase.teststep")
        return self.app.ok(self.app.renderer(request).run(self._run(request), expand))

    def update_run(self, request):
        run = self._run(request)
        if self._moves(request):
            self.state.execution.move(run, self._parent(request, "test-run"))
        else:
            body = load(RunUpdateInput(), self.app.json_body(request))
            if body["test_case"]["id"] != run.test_case_id:
                raise HttpError(400, "The test case of a test run cannot be modified")
            properties = self.state.fields.validate("test-runs", body["properties"], run.properties)
            self.state.execution.update_run(run, body.get("name"), properties)
        return self.app.ok(self.app.renderer(request).run(run))

    def delete_run(self, request):
        self.state.execution.delete_run(self._run(request))
        return self.app.deleted("Test Run")
