"""Test design: the module tree, test cases, their versions and steps.

Every change to a case's content creates a new version with a new version id
and new step ids, as qTest does; the old versions stay readable because test
runs and logs keep pointing at them. Steps are therefore owned by a version,
and `step_version` answers which one.
"""

from collections import defaultdict

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.ids import stamp
from ztoq_luigi.sandbox.qtest.records import Module, Step, TestCase, Version

CREATED_VIA_API = "Created via API"
ROOT = 0


class DesignStore:
    def __init__(self, ids, index, creator_id, on_case_deleted):
        self._ids = ids
        self._index = index
        self._creator_id = creator_id
        self._on_case_deleted = on_case_deleted
        self.modules = {}
        self.cases = {}
        self._step_versions = {}
        self._module_children = defaultdict(list)
        self._module_cases = defaultdict(list)

    # modules

    def module(self, module_id):
        found = self.modules.get(module_id)
        if found is None:
            raise HttpError(404, f"Module with id {module_id} not found")
        return found

    def child_modules(self, parent_id):
        return [self.modules[i] for i in self._module_children[parent_id or ROOT]]

    def add_module(self, name, description="", parent_id=None, shared=False):
        if parent_id is not None:
            self.module(parent_id)
        now = stamp()
        siblings = self._module_children[parent_id or ROOT]
        created = Module(self._ids.next_id("module"), self._ids.next_pid("module"), name, description or "",
                         parent_id, len(siblings) + 1, shared, now, now)
        self.modules[created.id] = created
        siblings.append(created.id)
        return created

    def update_module(self, module, name=None, description=None, shared=None):
        module.name = module.name if name is None else name
        module.description = module.description if description is None else description
        module.shared = module.shared if shared is None else shared
        module.modified = stamp()

    def move_module(self, module, parent_id):
        if parent_id is not None:
            ancestor = self.module(parent_id)
            while ancestor is not None:
                if ancestor.id == module.id:
                    raise HttpError(400, "A module cannot be moved under itself or one of its descendants")
                ancestor = self.modules.get(ancestor.parent_id) if ancestor.parent_id else None
        self._module_children[module.parent_id or ROOT].remove(module.id)
        siblings = self._module_children[parent_id or ROOT]
        siblings.append(module.id)
        module.parent_id, module.order, module.modified = parent_id, len(siblings), stamp()

    def delete_module(self, module, force):
        if not force and (self._module_children[module.id] or self._module_cases[module.id]):
            raise HttpError(400, f"Module {module.id} contains sub-modules or test cases; use force=true to delete it")
        for child_id in list(self._module_children[module.id]):
            self.delete_module(self.modules[child_id], force=True)
        for case_id in list(self._module_cases[module.id]):
            self.delete_case(self.cases[case_id])
        self._module_children[module.parent_id or ROOT].remove(module.id)
        self._module_children.pop(module.id, None)
        self._module_cases.pop(module.id, None)
        del self.modules[module.id]

    def module_path(self, module):
        names = []
        while module is not None:
            names.append(module.name)
            module = self.modules.get(module.parent_id) if module.parent_id else None
        return "/".join(reversed(names))

    def created_via_api(self):
        """The root module qTest files parentless cases under, created the first time it is needed."""
        for module in self.child_modules(None):
            if module.name == CREATED_VIA_API:
                return module
        return self.add_module(CREATED_VIA_API)

    # test cases

    def case(self, case_id):
        found = self.cases.get(case_id)
        if found is None:
            raise HttpError(404, f"Test Case with id {case_id} not found")
        return found

    def case_by_pid(self, pid):
        for case in self.cases.values():
            if case.pid.lower() == pid.lower():
                return case
        raise HttpError(404, f"Test Case with id or pid {pid} not found")

    def cases_in(self, module_id):
        if module_id is None:
            return list(self.cases.values())
        return [self.cases[i] for i in self._module_cases[module_id]]

    def add_case(self, module_id, name, description, precondition, properties, steps):
        self.module(module_id)
        now = stamp()
        siblings = self._module_cases[module_id]
        case = TestCase(self._ids.next_id("test-case"), self._ids.next_pid("test-case"), module_id,
                        len(siblings) + 1, self._creator_id, now, now)
        self.check_calls(case.id, steps)
        version = Version(self._ids.next_id("test-case-version"), case.id, 0, 1, name, description or "",
                          precondition or "", properties, [], now)
        version.steps = self._new_steps(version, steps)
        case.versions.append(version)
        self.cases[case.id] = case
        siblings.append(case.id)
        self.reindex(case)
        return case

    def update_case(self, case, changes):
        """New minor version with `changes` (name, description, precondition, properties, steps)."""
        if "steps" in changes:
            self.check_calls(case.id, changes["steps"])
        latest = case.latest
        return self._derive(case, latest.major, latest.minor + 1, changes)

    def approve(self, case):
        if case.latest.approved:
            return case.latest
        return self._derive(case, case.latest.major + 1, 0, {})

    def move_case(self, case, module_id):
        self.module(module_id)
        self._module_cases[case.module_id].remove(case.id)
        siblings = self._module_cases[module_id]
        siblings.append(case.id)
        case.module_id, case.order = module_id, len(siblings)

    def delete_case(self, case):
        self._on_case_deleted(case)
        for version in case.versions:
            for step in version.steps:
                self._step_versions.pop(step.id, None)
        self._module_cases[case.module_id].remove(case.id)
        self._index.drop("test-case", case.id)
        del self.cases[case.id]

    def _derive(self, case, major, minor, changes):
        base = case.latest
        now = stamp()
        version = Version(self._ids.next_id("test-case-version"), case.id, major, minor,
                          changes.get("name", base.name), changes.get("description", base.description),
                          changes.get("precondition", base.precondition),
                          changes.get("properties", dict(base.properties)), [], now)
        specs = changes.get("steps")
        if specs is None:
            specs = [vars(s) for s in base.steps]
        version.steps = self._new_steps(version, specs)
        case.versions.append(version)
        case.modified = now
        self.reindex(case)
        return version

    def reindex(self, case):
        latest = case.latest
        self._index.put("test-case", case.id, {"name": latest.name, **latest.properties})

    # steps

    def step_version(self, step_id):
        return self._step_versions.get(step_id)

    def latest_step(self, case, step_id):
        for step in case.latest.steps:
            if step.id == step_id:
                return step
        raise HttpError(404, f"Test Step with id {step_id} not found in the latest version of test case {case.id}")

    def add_step(self, case, spec):
        self.check_calls(case.id, [spec])
        steps = case.latest.steps
        position = spec.get("order")
        index = len(steps) if position is None or position > len(steps) else max(position - 1, 0)
        step = self._make_step(case.latest, spec)
        steps.insert(index, step)
        _renumber(steps)
        case.modified = stamp()
        return step

    def update_step(self, case, step, spec):
        if "called_test_case_id" in spec:
            self.check_calls(case.id, [spec])
        for key in ("description", "expected", "called_test_case_id"):
            if key in spec:
                setattr(step, key, spec[key])
        case.modified = stamp()
        return step

    def delete_step(self, case, step, update_version):
        if update_version:
            specs = [vars(s) for s in case.latest.steps if s.id != step.id]
            self.update_case(case, {"steps": specs})
            return
        case.latest.steps.remove(step)
        self._step_versions.pop(step.id, None)
        _renumber(case.latest.steps)
        case.modified = stamp()

    def _new_steps(self, version, specs):
        ordered = sorted(enumerate(specs), key=lambda pair: (pair[1].get("order") is None, pair[1].get("order") or 0, pair[0]))
        steps = [self._make_step(version, spec) for _, spec in ordered]
        _renumber(steps)
        return steps

    def _make_step(self, version, spec):
        step = Step(self._ids.next_id("test-step"), 0, spec.get("description", ""), spec.get("expected", ""),
                    spec.get("called_test_case_id"))
        self._step_versions[step.id] = version
        return step

    def check_calls(self, case_id, specs):
        for spec in specs:
            called = spec.get("called_test_case_id")
            if called is None:
                continue
            if called == case_id:
                raise HttpError(400, "A test case cannot call itself")
            if called not in self.cases:
                raise HttpError(404, f"Called Test Case with id {called} not found")


def _renumber(steps):
    for number, step in enumerate(steps, start=1):
        step.order = number
