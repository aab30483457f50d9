"""Test design routes: field settings, modules, test cases, versions and test steps."""

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.fields import is_choice
from ztoq_luigi.sandbox.qtest.inputs import (
    AllowedValueInput, AllowedValueUpdateInput, FieldInput, FieldUpdateInput, ModuleInput, StepInput, StepUpdateInput,
    TestCaseInput, load,
)

MAX_ALLOWED_VALUES = 100  # "Creates maximum 100 allowed values of a Project Field" (createProjectFieldAllowedValues)


class DesignRoutes:
    def __init__(self, app):
        self.app = app
        self.state = app.state

    def register(self):
        route = self.app.route
        fields = "/settings/{objectType}/fields"
        route("GET", fields, self.list_fields)
        route("POST", fields, self.create_field)
        route("GET", fields + "/{fieldId}", self.get_field)
        route("PUT", fields + "/{fieldId}", self.update_field)
        route("DELETE", fields + "/{fieldId}", self.delete_field)
        route("GET", fields + "/{fieldId}/allowed-values", self.list_allowed_values)
        route("POST", fields + "/{fieldId}/allowed-values", self.add_allowed_values)
        route("PUT", fields + "/{fieldId}/allowed-values/{value}", self.update_allowed_value)
        route("DELETE", fields + "/{fieldId}/allowed-values/{value}", self.delete_allowed_value)
        route("GET", "/modules", self.list_modules)
        route("POST", "/modules", self.create_module)
        route("GET", "/modules/{moduleId}", self.get_module)
        route("PUT", "/modules/{moduleId}", self.update_module)
        route("DELETE", "/modules/{moduleId}", self.delete_module)
        case = "/test-cases/{testCaseId}"
        route("GET", "/test-cases", self.list_cases)
        route("POST", "/test-cases", self.create_case)
        route("GET", case, self.get_case)
        route("PUT", case, self.update_case)
        route("DELETE", case, self.delete_case)
        route("PUT", case + "/approve", self.approve_case)
        route("GET", case + "/versions", self.list_versions)
        route("GET", case + "/versions/{versionId}", self.get_version)
        route("GET", case + "/versions/{versionId}/test-steps", self.list_version_steps)
        route("GET", case + "/test-steps", self.list_steps)
        route("POST", case + "/test-steps", self.add_step)
        route("GET", case + "/test-steps/{stepId}", self.get_step)
        route("PUT", case + "/test-steps/{stepId}", self.update_step)
        route("DELETE", case + "/test-steps/{stepId}", self.delete_step)

    # field settings

    def _field(self, request):
        return self.state.fields.get(request.params["objectType"], self.app.path_id(request, "fieldId"))

    def list_fields(self, request):
        found = self.state.fields.fields(request.params["objectType"], request.bool_arg("includeInactive"))
        render = self.app.renderer(request)
        return self.app.ok([render.field(f) for f in found])

    def create_field(self, request):
        body = load(FieldInput(), self.app.json_body(request))
        created = self.state.fields.create_field(request.params["objectType"], body["label"], body["data_type"],
                                                 body["multiple"], body["required"], body["allowed_values"],
                                                 body["is_active"])
        return self.app.ok(self.app.renderer(request).field(created), 201)

    def get_field(self, request):
        return self.app.ok(self.app.renderer(request).field(self._field(request)))

    def update_field(self, request):
        fld = self._field(request)
        if fld.system_field:
            raise HttpError(400, f"'{fld.label}' is a system field and cannot be updated here")
        body = load(FieldUpdateInput(), self.app.json_body(request))
        self.state.fields.update_field(request.params["objectType"], fld, body)
        return self.app.ok(self.app.renderer(request).field(fld))

    def delete_field(self, request):
        fld = self._field(request)
        if fld.system_field:
            raise HttpError(400, f"'{fld.label}' is a system field and cannot be deleted")
        self.state.fields.delete_field(request.params["objectType"], fld)
        return self.app.deleted("Field")

    def list_allowed_values(self, request):
        """A bare array, paged by page/pageSize, for combo box, multi-select, check box and user list fields."""
        fld = self._field(request)
        if not is_choice(fld):
            raise HttpError(400, f"Field '{fld.label}' has no allowed values: only combo box, multi-select, "
                                 "check box and user list fields have them")
        page, size = self.app.page_params(request)
        render = self.app.renderer(request)
        values = self.state.fields.allowed_values(fld)[(page - 1) * size: page * size]
        return self.app.ok([render.allowed_value(v) for v in values])

    def add_allowed_values(self, request):
        """AllowedValueResponseResource `{links, total, items}` holding the values created."""
        fld = self._field(request)
        specs = load(AllowedValueInput(many=True), self.app.json_body(request))
        if len(specs) > MAX_ALLOWED_VALUES:
            raise HttpError(400, f"At most {MAX_ALLOWED_VALUES} allowed values can be created at once, "
                                 f"got {len(specs)}")
        created = self.state.fields.add_allowed_values(fld, specs)
        render = self.app.renderer(request)
        return self.app.ok({"links": [], "total": len(created), "items": [render.allowed_value(v) for v in created]},
                           201)

    def update_allowed_value(self, request):
        fld = self._field(request)
        changes = load(AllowedValueUpdateInput(), self.app.json_body(request), partial=True)
        updated = self.state.fields.update_allowed_value(fld, self.app.path_id(request, "value"), changes)
        return self.app.ok(self.app.renderer(request).allowed_value(updated))

    def delete_allowed_value(self, request):
        fld = self._field(request)
        self.state.fields.delete_allowed_value(fld, self.app.path_id(request, "value"))
        return self.app.deleted("Allowed value")

    # modules

    def _module(self, request):
        return self.state.design.module(self.app.path_id(request, "moduleId"))

    def list_modules(self, request):
        parent_id = request.int_arg("parentId")
        if parent_id is not None:
            self.state.design.module(parent_id)
        found = self.state.design.child_modules(parent_id)
        text = (request.arg("search") or "").lower()
        found = [m for m in found if text in m.name.lower()]
        render, expand = self.app.renderer(request), request.arg("expand") == "descendants"
        return self.app.ok([render.module(m, expand) for m in found])

    def create_module(self, request):
        body = load(ModuleInput(), self.app.json_body(request))
        created = self.state.design.add_module(body["name"], body.get("description"), request.int_arg("parentId"),
                                               body.get("shared", False))
        return self.app.ok(self.app.renderer(request).module(created), 201)

    def get_module(self, request):
        expand = request.arg("expand") == "descendants"
        return self.app.ok(self.app.renderer(request).module(self._module(request), expand))

    def update_module(self, request):
        module = self._module(request)
        parent_id = request.int_arg("parentId")
        if parent_id is not None:
            self.state.design.move_module(module, parent_id)
        else:
            body = load(ModuleInput(), self.app.json_body(request), partial=True)
            self.state.design.update_module(module, body.get("name"), body.get("description"), body.get("shared"))
        return self.app.ok(self.app.renderer(request).module(module))

    def delete_module(self, request):
        self.state.design.delete_module(self._module(request), request.bool_arg("force"))
        return self.app.deleted("Module")

    # test cases

    def _case(self, request):
        return self.state.design.case(self.app.path_id(request, "testCaseId"))

    def list_cases(self, request):
        parent_id = request.int_arg("parentId")
        if parent_id is not None:
            self.state.design.module(parent_id)
        page = request.int_arg("page", 1, minimum=1)
        size = request.int_arg("size", 20, minimum=1)
        cases = self.state.design.cases_in(parent_id)[(page - 1) * size: page * size]
        render = self.app.renderer(request)
        props, steps = request.bool_arg("expandProps", True), request.bool_arg("expandSteps", False)
        return self.app.ok([render.test_case(c, steps=steps, properties=props) for c in cases])

    def create_case(self, request):
        body = load(TestCaseInput(), self.app.json_body(request))
        design = self.state.design
        if body.get("parent_id") is not None:
            design.module(body["parent_id"])
        properties = self.state.fields.validate("test-cases", body["properties"])
        steps = body.get("test_steps", [])
        design.check_calls(None, steps)
        module_id = body["parent_id"] if body.get("parent_id") is not None else design.created_via_api().id
        case = design.add_case(module_id, body["name"], body.get("description"), body.get("precondition"),
                               properties, steps)
        return self.app.ok(self.app.renderer(request).test_case(case, steps=True), 201)

    def get_case(self, request):
        case = self._case(request)
        version_id = request.int_arg("versionId")
        version = None if version_id is None else self._version_of(case, version_id)
        steps = request.arg("expand") == "teststep"
        return self.app.ok(self.app.renderer(request).test_case(case, version, steps=steps))

    def update_case(self, request):
        case = self._case(request)
        body = load(TestCaseInput(), self.app.json_body(request), partial=True)
        design = self.state.design
        if body.get("parent_id") is not None:
            design.module(body["parent_id"])
        changes = {k: body[k] for k in ("name", "description", "precondition") if body.get(k) is not None}
        if "properties" in body:
            changes["properties"] = self.state.fields.validate("test-cases", body["properties"], case.latest.properties)
        if "test_steps" in body:
            changes["steps"] = body["test_steps"]
        if body.get("parent_id") is not None and body["parent_id"] != case.module_id:
            design.move_case(case, body["parent_id"])
        design.update_case(case, changes)
        return self.app.ok(self.app.renderer(request).test_case(case, steps=True))

    def delete_case(self, request):
        self.state.design.delete_case(self._case(request))
        return self.app.deleted("Test Case")

    def approve_case(self, request):
        case = self._case(request)
        self.state.design.approve(case)
        return self.app.ok(self.app.renderer(request).test_case(case, steps=True))

    @staticmethod
    def _version_of(case, version_id):
        version = case.version(version_id)
        if version is None:
            raise HttpError(404, f"Version {version_id} of test case {case.id} not found")
        return version

    def list_versions(self, request):
        case = self._case(request)
        render = self.app.renderer(request)
        return self.app.ok([render.test_case(case, v) for v in case.versions])

    def get_version(self, request):
        case = self._case(request)
        version = self._version_of(case, self.app.path_id(request, "versionId"))
        return self.app.ok(self.app.renderer(request).test_case(case, version, steps=True))

    def list_version_steps(self, request):
        case = self._case(request)
        version = self._version_of(case, self.app.path_id(request, "versionId"))
        render = self.app.renderer(request)
        return self.app.ok([render.step(case, s) for s in version.steps])

    # test steps of the latest version

    def list_steps(self, request):
        case = self._case(request)
        render = self.app.renderer(request)
        return self.app.ok([render.step(case, s) for s in case.latest.steps])

    def add_step(self, request):
        case = self._case(request)
        step = self.state.design.add_step(case, load(StepInput(), self.app.json_body(request)))
        return self.app.ok(self.app.renderer(request).step(case, step), 201)

    def _step(self, request):
        case = self._case(request)
        return case, self.state.design.latest_step(case, self.app.path_id(request, "stepId"))

    def get_step(self, request):
        case, step = self._step(request)
        return self.app.ok(self.app.renderer(request).step(case, step))

    def update_step(self, request):
        case, step = self._step(request)
        self.state.design.update_step(case, step, load(StepUpdateInput(), self.app.json_body(request)))
        return self.app.ok(self.app.renderer(request).step(case, step))

    def delete_step(self, request):
        case, step = self._step(request)
        self.state.design.delete_step(case, step, request.bool_arg("updateVersion"))
        return self.app.deleted("Test Step")
