"""Stored records rendered as qTest v3 JSON.

Shapes follow the 2023.6 swagger models key for key, camelCase exceptions
included: runs and suites answer `parentId`/`parentType`, a cycle's
descendants sit under `test-cycles`/`test-suites`, and a run comes in two
models: TestRunWithCustomFieldResource (GET, PUT, search: `name`,
`latest_test_log` whose status is a plain name) and GetMultipleTestRunsResource
(creation and the paged listing: `Test-Run`, no `web_url`). Keys whose value
is null are left out, as the service's serializer does (a leaf module has no
`children` key).
"""

from ztoq_luigi.sandbox.qtest.fields import is_choice
from ztoq_luigi.sandbox.qtest.records import Container, Log, Run

WEB_OBJECTS = {"test-case": ("testdesign", 1), "release": ("testplan", 4), "test-cycle": ("testexecution", 2),
               "test-suite": ("testexecution", 5), "test-run": ("testexecution", 3)}
COLLECTIONS = {"release": "releases", "test-cycle": "test-cycles", "test-suite": "test-suites", "test-run": "test-runs"}


def compact(payload):
    return {k: v for k, v in payload.items() if v is not None}


def paged(items, page, page_size, total):
    return {"links": [], "page": page, "page_size": page_size, "total": total, "items": items}


class Renderer:
    def __init__(self, state, root_url):
        self.state = state
        self.root = root_url
        self.api = f"{root_url}/api/v3/projects/{state.project_id}"

    def _links(self, *pairs):
        return [{"rel": rel, "href": self.api + path} for rel, path in pairs]

    def _web_url(self, kind, object_id):
        tab, code = WEB_OBJECTS[kind]
        return f"{self.root}/p/{self.state.project_id}/portal/project#tab={tab}&object={code}&id={object_id}"

    # site

    def project(self):
        state = self.state
        return {"links": [{"rel": "self", "href": self.api}], "id": state.project_id, "name": state.project_name,
                "description": "", "status_id": 1, "start_date": state.created, "admins": [state.username],
                "admin_ids": [state.api_user_id],
                "sample": False, "automation": True, "date_format": "MM/dd/yyyy", "x_explorer_access_level": 1}

    def user(self, user):
        return {"links": [], "id": user["id"], "username": user["username"], "email": user["email"],
                "first_name": user["first_name"], "last_name": user["last_name"]}

    def field(self, fld):
        payload = {"links": [], "id": fld.id, "label": fld.label, "required": fld.required, "constrained": False,
                   "order": fld.order, "multiple": fld.multiple, "data_type": fld.data_type,
                   "searchable": fld.searchable, "default_value": fld.default_value, "system_field": fld.system_field,
                   "original_name": fld.original_name, "is_active": fld.is_active}
        if is_choice(fld):
            payload["allowed_values"] = [self.allowed_value(v) for v in self.state.fields.allowed_values(fld)]
        return compact(payload)

    def allowed_value(self, value):
        return compact({"links": [], "value": value.value, "label": value.label, "order": value.order,
                        "is_default": value.is_default, "is_active": value.is_active, "color": value.color})

    def status(self, value):
        return {"links": [], "id": value.value, "name": value.label, "is_default": value.is_default,
                "color": value.color, "active": value.is_active}

    def status_by_id(self, status_id):
        return self.status(self.state.fields.status_field().allowed_by_id(status_id))

    # design

    def module(self, module, expand=False):
        links = [("self", f"/modules/{module.id}")]
        if module.parent_id:
            links.append(("module", f"/modules/{module.parent_id}"))
        payload = {"links": self._links(*links), "id": module.id, "name": module.name, "order": module.order,
                   "pid": module.pid, "created_date": module.created, "last_modified_date": module.modified,
                   "parent_id": module.parent_id, "description": module.description, "shared": module.shared}
        children = self.state.design.child_modules(module.id) if expand else []
        if children:
            payload["children"] = [self.module(child, expand=True) for child in children]
        return compact(payload)

    def test_case(self, case, version=None, steps=False, properties=True):
        version = version or case.latest
        payload = {"links": self._links(("self", f"/test-cases/{case.id}")), "id": case.id, "name": version.name,
                   "order": case.order, "pid": case.pid, "created_date": case.created,
                   "last_modified_date": case.modified if version is case.latest else version.created,
                   "properties": self.state.fields.render("test-cases", version.properties) if properties else None,
                   "web_url": self._web_url("test-case", case.id),
                   "test_steps": [self.step(case, s) for s in version.steps] if steps else None,
                   "parent_id": case.module_id, "test_case_version_id": version.id, "version": version.label,
                   "description": version.description, "precondition": version.precondition,
                   "creator_id": case.creator_id, "agent_ids": []}
        return compact(payload)

    def step(self, case, step):
        payload = {"links": self._links(("self", f"/test-cases/{case.id}/test-steps/{step.id}")), "id": step.id,
                   "description": step.description, "expected": step.expected, "order": step.order}
        called = self.state.design.cases.get(step.called_test_case_id) if step.called_test_case_id else None
        if called is not None:
            payload.update({"called_test_case_id": called.id, "called_test_case_name": called.latest.name,
                            "root_called_test_case_id": called.id})
        return payload

    # execution

    def release(self, release):
        extra = release.extra
        return compact({"links": self._links(("self", f"/releases/{release.id}")), "id": release.id,
                        "name": release.name, "order": release.order, "pid": release.pid,
                        "created_date": release.created, "last_modified_date": release.modified,
                        "properties": self.state.fields.render("releases", release.properties),
                        "web_url": self._web_url("release", release.id), "description": release.description,
                        "note": extra.get("note"), "start_date": extra.get("start_date"),
                        "end_date": extra.get("end_date")})

    def cycle(self, cycle, expand=False):
        payload = {"links": self._links(("self", f"/test-cycles/{cycle.id}")), "id": cycle.id, "name": cycle.name,
                   "order": cycle.order, "pid": cycle.pid, "created_date": cycle.created,
                   "last_modified_date": cycle.modified, "web_url": self._web_url("test-cycle", cycle.id),
                   "description": cycle.description, "target_release_id": cycle.extra.get("target_release_id"),
                   "target_build_id": cycle.extra.get("target_build_id")}
        if expand:
            key = ("test-cycle", cycle.id)
            payload["test-cycles"] = [self.cycle(c, True) for c in self.state.execution.children(key, "test-cycle")]
            payload["test-suites"] = [self.suite(s) for s in self.state.execution.children(key, "test-suite")]
        return compact(payload)

    def suite(self, suite):
        return compact({"parentId": suite.parent_id, "parentType": suite.parent_type,
                        "links": self._links(("self", f"/test-suites/{suite.id}")), "id": suite.id,
                        "name": suite.name, "order": suite.order, "pid": suite.pid, "created_date": suite.created,
                        "last_modified_date": suite.modified,
                        "properties": self.state.fields.render("test-suites", suite.properties),
                        "web_url": self._web_url("test-suite", suite.id),
                        "target_release_id": suite.extra.get("target_release_id"),
                        "target_build_id": suite.extra.get("target_build_id")})

    def run(self, run, expand=None):
        """TestRunWithCustomFieldResource: one run as GET, PUT and search answer it."""
        case, version = self._run_case(run)
        if expand in ("testcase", "testcase.teststep"):
            embedded = self.test_case(case, version, steps=expand == "testcase.teststep")
        else:
            embedded = {"links": [], "id": case.id, "test_case_version_id": version.id, "agent_ids": []}
        payload = dict(self._run_common(run, case, version), name=run.name, test_case=embedded,
                       latest_test_log=self._latest_log(run))
        return compact(payload)

    def listed_run(self, run):
        """GetMultipleTestRunsResource: a run as its creation and the paged listing answer it.

        This model names the run `Test-Run`, embeds the case as a TestCaseResource
        and has neither `web_url` nor `latest_test_log`.
        """
        case, version = self._run_case(run)
        embedded = {"links": [], "id": case.id, "test_case_version_id": version.id,
                    "test_case_version": version.label, "creator_id": case.creator_id}
        return compact(dict(self._run_common(run, case, version), **{"Test-Run": run.name}, test_case=embedded))

    def _run_case(self, run):
        case = self.state.design.cases[run.test_case_id]
        return case, case.version(run.version_id)

    def _run_common(self, run, case, version):
        links = [("test-case", f"/test-cases/{case.id}?versionId={version.id}")]
        links.extend((kind, f"/{COLLECTIONS[kind]}/{object_id}") for kind, object_id in self._ancestors(run))
        links.append(("self", f"/test-runs/{run.id}"))
        automation = self.state.fields.labelled("test-cases", version.properties).get("Automation") or "No"
        return {"parentId": run.parent_id, "parentType": run.parent_type, "automation": automation,
                "testCaseId": case.id, "links": self._links(*links), "id": run.id, "order": run.order,
                "pid": run.pid, "created_date": run.created, "last_modified_date": run.modified,
                "properties": self.state.fields.render("test-runs", run.properties),
                "test_case_version_id": version.id, "test_case_version": version.label,
                "creator_id": run.creator_id}

    def _ancestors(self, item):
        chain = []
        while item.parent_type != "root":
            item = self.state.execution.container(item.parent_type, item.parent_id)
            chain.append((item.kind, item.id))
        return reversed(chain)

    def _latest_log(self, run):
        log = self.state.execution.logs.get(run.latest_log_id) if run.latest_log_id else None
        if log is None:
            return None
        status = self.state.fields.status_field().allowed_by_id(log.status_id)
        return {"status": status.label, "id": log.id, "exe_start_date": log.exe_start, "exe_end_date": log.exe_end}

    def log(self, log):
        run = self.state.execution.runs[log.run_id]
        extra = log.extra
        payload = {"links": self._links(("self", f"/test-runs/{run.id}/test-logs/{log.id}"),
                                        ("test-run", f"/test-runs/{run.id}")),
                   "id": log.id, "test_run_id": run.id, "test_case_version_id": log.version_id, "exe_start_date": log.exe_start,
                   "exe_end_date": log.exe_end, "note": log.note,
                   "attachments": [self.attachment(a) for a in self.state.attachments_of("test-logs", log.id)],
                   "name": run.name, "planned_exe_time": extra.get("planned_exe_time"),
                   "actual_exe_time": extra.get("actual_exe_time"), "build_number": extra.get("build_number"),
                   "build_url": extra.get("build_url"),
                   "properties": self.state.fields.render("test-runs", log.properties, only_set=True),
                   "status": self.status_by_id(log.status_id),
                   "result_number": self.state.execution.logs_of(run).index(log) + 1,
                   "test_step_logs": [self.step_log(s) for s in log.step_logs], "defects": []}
        return compact(payload)

    def step_log(self, step_log):
        return compact({"links": [], "test_step_id": step_log.test_step_id, "test_step_log_id": step_log.id,
                        "user_id": step_log.user_id, "status": self.status_by_id(step_log.status_id),
                        "actual_result": step_log.actual_result, "order": step_log.order,
                        "called_test_case_id": step_log.called_test_case_id,
                        "parent_test_step_id": step_log.parent_test_step_id})

    def attachment(self, attachment):
        author = self.state.users[attachment.author_id]
        path = f"/{attachment.object_type}/{attachment.object_id}/attachments/{attachment.id}"
        return {"links": self._links(("self", path)), "name": attachment.name,
                "content_type": attachment.content_type, "id": attachment.id, "web_url": self.api + path,
                "created_date": attachment.created,
                "author": {"id": author["id"], "email": author["email"], "first_name": author["first_name"],
                           "last_name": author["last_name"]},
                "artifact_id": attachment.object_id}

    def search_item(self, item):
        if isinstance(item, Run):
            return self.run(item)
        if isinstance(item, Log):
            return self.log(item)
        if isinstance(item, Container):
            return {"release": self.release, "test-cycle": self.cycle, "test-suite": self.suite}[item.kind](item)
        return self.test_case(item)
