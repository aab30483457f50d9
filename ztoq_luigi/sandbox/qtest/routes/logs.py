"""Routes for what is recorded against test objects: manual test logs, attachments, search.

A log is checked against the exact test case version it binds to: its step
logs must name steps of that version (or, for called steps, of the called
case), which is where a client that matched steps of the wrong version fails.

Called steps (the swagger's submit-test-log: "If the associated Test Case is
calling Test Steps from another Test Case, the called_test_case_id and
parent_test_step_id must be included"): a call step has no result of its
own, so a step log naming it is refused; a step log of a called step must
carry both ids, `called_test_case_id` being the case the step belongs to and
`parent_test_step_id` the call step *of the logged case version* through
which it runs. For a step called two or more levels down the parent is still
that top-level call step (the log's version holds no other call steps), and
the called case must be reachable through it; anything else is refused.
"""

from ztoq_luigi.sandbox.http import HttpError, Response
from ztoq_luigi.sandbox.qtest.ids import stamp
from ztoq_luigi.sandbox.qtest.inputs import SearchInput, TestLogInput, TestLogUpdateInput, load
from ztoq_luigi.sandbox.qtest.search import search
from ztoq_luigi.sandbox.qtest.state import ATTACHMENT_OBJECT_TYPES

LOG_EXTRAS = ("planned_exe_time", "actual_exe_time", "build_number", "build_url")


class LogRoutes:
    def __init__(self, app):
        self.app = app
        self.state = app.state

    def register(self):
        route = self.app.route
        logs = "/test-runs/{testRunId}/test-logs"
        route("POST", logs, self.submit_log)
        route("GET", logs, self.list_logs)
        route("GET", logs + "/last-run", self.last_log)
        route("GET", logs + "/{id}", self.get_log)
        route("PUT", logs + "/{id}", self.update_log)
        route("GET", "/attachments", self.search_attachments)
        route("POST", "/{objectType}/{objectId}/blob-handles", self.upload)
        route("DELETE", "/{objectType}/{objectId}/blob-handles/{blobHandleId}", self.delete_attachment)
        route("GET", "/{objectType}/{objectId}/attachments", self.list_attachments)
        route("GET", "/{objectType}/{objectId}/attachments/{attachmentId}", self.download)
        route("POST", "/search", self.search)

    # manual test logs

    def _run(self, request):
        return self.state.execution.run(self.app.path_id(request, "testRunId"))

    def _status_id(self, status):
        value = self.state.fields.status_field().allowed_by_id(status["id"])
        if value is None or not value.is_active:
            raise HttpError(400, f"Invalid status id {status['id']}: not an execution status of this project")
        return value.value

    def _bound_version(self, run, requested):
        case = self.state.design.case(run.test_case_id)
        if requested is not None:
            version = case.version(requested)
            if version is None:
                raise HttpError(400, f"Test case version {requested} does not belong to test case {case.id}")
            return version
        approved = case.latest_approved()
        if approved is not None:
            return approved
        if self.app.unapproved_log_policy == "run_version":
            return case.version(run.version_id)
        raise HttpError(400, f"Test case {case.id} has no approved version; specify test_case_version_id")

    def _step_logs(self, version, specs):
        """Step log specs checked against `version`; called steps must name their call step and case."""
        steps = {s.id: s for s in version.steps}
        checked = []
        for spec in specs:
            status_id = self._status_id(spec["status"])
            step = self._logged_step(version, steps, spec)
            checked.append(dict(spec, status_id=status_id, order=spec.get("order") or step.order))
        return checked

    def _logged_step(self, version, steps, spec):
        step_id, parent_id = spec["test_step_id"], spec.get("parent_test_step_id")
        called_id = spec.get("called_test_case_id")
        if parent_id is None and called_id is None:
            step = steps.get(step_id)
            if step is None:
                raise HttpError(400, f"Test step {step_id} does not belong to test case version {version.id} "
                                     f"({version.label}); a called test step needs called_test_case_id and "
                                     "parent_test_step_id")
            return _not_a_call(step)
        if parent_id is None or called_id is None:
            raise HttpError(400, f"Test step log of step {step_id}: a called test step needs both "
                                 "called_test_case_id and parent_test_step_id")
        call = steps.get(parent_id)
        if call is None or call.called_test_case_id is None:
            raise HttpError(400, f"parent_test_step_id {parent_id} is not a call step of test case version "
                                 f"{version.id} ({version.label})")
        if called_id not in self._called_through(call.called_test_case_id):
            raise HttpError(400, f"called_test_case_id {called_id} is not called through test step {parent_id}")
        for step in self.state.design.cases[called_id].latest.steps:
            if step.id == step_id:
                return _not_a_call(step)
        raise HttpError(400, f"Test step {step_id} is not a step of called test case {called_id}")

    def _called_through(self, case_id):
        """The called case and every case its steps call in turn, as deep as the calls go."""
        found, pending = set(), [case_id]
        while pending:
            current = pending.pop()
            case = self.state.design.cases.get(current)
            if current in found or case is None:
                continue
            found.add(current)
            pending.extend(step.called_test_case_id for step in case.latest.steps if step.called_test_case_id)
        return found

    def submit_log(self, request):
        run = self._run(request)
        body = load(TestLogInput(), self.app.json_body(request))
        status_id = self._status_id(body["status"])
        version = self._bound_version(run, body.get("test_case_version_id"))
        # A log records only what was sent: validated as an update of nothing, so no defaults are added.
        properties = self.state.fields.validate("test-runs", body["properties"], current={})
        step_logs = self._step_logs(version, body["test_step_logs"])
        extra = {k: body[k] for k in LOG_EXTRAS if body.get(k) is not None}
        log = self.state.execution.add_log(run, version.id, status_id, stamp(body["exe_start_date"]),
                                           stamp(body["exe_end_date"]), body.get("note"), properties, step_logs, extra)
        for attachment in body["attachments"]:
            self.state.add_attachment("test-logs", log.id, attachment["name"], attachment["content_type"],
                                      attachment["data"])
        return self.app.ok(self.app.renderer(request).log(log), 201)

    def list_logs(self, request):
        run = self._run(request)
        return self.app.paged_response(request, self.state.execution.logs_of(run), self.app.renderer(request).log)

    def last_log(self, request):
        run = self._run(request)
        log = self.state.execution.latest_log(run)
        if log is None:
            raise HttpError(404, f"Test run {run.id} has no test log")
        return self.app.ok(self.app.renderer(request).log(log))

    def _log(self, request):
        run = self._run(request)
        return run, self.state.execution.log(run, self.app.path_id(request, "id"))

    def get_log(self, request):
        _, log = self._log(request)
        return self.app.ok(self.app.renderer(request).log(log))

    def update_log(self, request):
        run, log = self._log(request)
        body = load(TestLogUpdateInput(), self.app.json_body(request))
        if body.get("test_case_version_id") not in (None, log.version_id):
            raise HttpError(400, "The test case version of a test log cannot be modified")
        version = self.state.design.case(run.test_case_id).version(log.version_id)
        changes = {"status_id": self._status_id(body["status"]), "exe_start": stamp(body["exe_start_date"]),
                   "exe_end": stamp(body["exe_end_date"]),
                   "properties": self.state.fields.validate("test-runs", body["properties"], log.properties),
                   "step_logs": self._step_logs(version, body["test_step_logs"])}
        if body.get("note") is not None:
            changes["note"] = body["note"]
        self.state.execution.update_log(run, log, changes)
        return self.app.ok(self.app.renderer(request).log(log))

    # attachments

    def _target(self, request):
        object_type, object_id = request.params["objectType"], self.app.path_id(request, "objectId")
        self.state.check_attachment_target(object_type, object_id)
        return object_type, object_id

    def upload(self, request):
        object_type, object_id = self._target(request)
        name = (request.headers.get("File-Name") or "").strip()
        if not name:
            raise HttpError(400, "Header File-Name is required")
        content_type = (request.headers.get("Content-Type") or "").strip()
        if not content_type:
            raise HttpError(400, "Header Content-Type is required")
        attachment = self.state.add_attachment(object_type, object_id, name, content_type, request.body)
        return self.app.ok(self.app.renderer(request).attachment(attachment), 201)

    def list_attachments(self, request):
        found = self.state.attachments_of(*self._target(request))
        render = self.app.renderer(request)
        return self.app.ok([render.attachment(a) for a in found])

    def download(self, request):
        object_type, object_id = self._target(request)
        attachment = self.state.attachment(object_type, object_id, self.app.path_id(request, "attachmentId"))
        headers = {"Content-Type": attachment.content_type,
                   "Content-Disposition": f'attachment; filename="{attachment.name}"'}
        return Response(200, attachment.data, headers)

    def delete_attachment(self, request):
        object_type, object_id = self._target(request)
        attachment = self.state.attachment(object_type, object_id, self.app.path_id(request, "blobHandleId"))
        self.state.delete_attachment(attachment)
        return self.app.deleted("Attachment")

    def search_attachments(self, request):
        object_type = request.arg("type")
        if object_type not in ATTACHMENT_OBJECT_TYPES:
            raise HttpError(400, f"Parameter type must be one of: {', '.join(ATTACHMENT_OBJECT_TYPES)}")
        ids = _id_list(request.arg("ids"))
        author = request.int_arg("author")
        found = [a for a in self.state.attachments.values()
                 if a.object_type == object_type and (ids is None or a.object_id in ids)
                 and (author is None or a.author_id == author)]
        return self.app.paged_response(request, found, self.app.renderer(request).attachment)

    # data query

    def search(self, request):
        body = load(SearchInput(), self.app.json_body(request))
        found = search(self.state, body["object_type"], body.get("query"))
        render = self.app.renderer(request)
        wanted = body["field_names"]

        def item(record):
            rendered = render.search_item(record)
            if "*" in wanted:
                return rendered
            keep = {name.lower() for name in wanted} | {"id", "links"}
            return {k: v for k, v in rendered.items() if k.lower() in keep}

        return self.app.paged_response(request, found, item)


def _not_a_call(step):
    if step.called_test_case_id is not None:
        raise HttpError(400, f"Test step {step.id} calls test case {step.called_test_case_id} and has no result of "
                             "its own: log the called test steps, with called_test_case_id and parent_test_step_id")
    return step


def _id_list(raw):
    if raw is None or raw == "":
        return None
    parts = [p.strip() for p in raw.split(",")]
    if not all(p.isdigit() for p in parts):
        raise HttpError(400, f"Parameter ids must be a comma-separated list of numbers, got '{raw}'")
    return {int(p) for p in parts}
