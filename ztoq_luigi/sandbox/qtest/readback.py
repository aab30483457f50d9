"""The read-back and tamper API tests use on a running qTest simulator.

Read-back answers in the terms a migration is checked in: module paths
instead of parent ids, field labels and value labels instead of ids, bytes
and checksums of attachments. Tampering changes stored objects directly,
bypassing validation and versioning, to build states a client must detect
(a case deleted behind its back, a renamed run, a corrupted attachment).
Mixed into QTestState; every method takes the state's lock.
"""

import hashlib

from ztoq_luigi.sandbox.qtest.fields import is_choice
from ztoq_luigi.sandbox.qtest.stock import MULTIPLE_REQUIRED_TYPES

CONTAINER_KINDS = ("release", "test-cycle", "test-suite")


class StateReadBack:

    # lookups by label

    def field_id(self, object_type, label):
        with self.lock:
            found = self.fields.find(object_type, label)
            if found is None:
                raise KeyError(f"no {object_type} field labelled '{label}'")
            return found.id

    def allowed_value_id(self, object_type, field_label, value_label):
        with self.lock:
            fld = self.fields.find(object_type, field_label)
            for value in self.fields.allowed_values(fld):
                if value.label.lower() == value_label.lower():
                    return value.value
            raise KeyError(f"field '{field_label}' has no allowed value '{value_label}'")

    def user_id(self, name_or_username):
        with self.lock:
            for user in self.users.values():
                if name_or_username in (user["username"], f"{user['first_name']} {user['last_name']}"):
                    return user["id"]
            raise KeyError(f"no user '{name_or_username}'")

    def status_id(self, name):
        return self.allowed_value_id("test-runs", "Status", name)

    # read-back

    def counts(self):
        with self.lock:
            return {
                "modules": len(self.design.modules),
                "test_cases": len(self.design.cases),
                "releases": len(self.execution.containers["release"]),
                "test_cycles": len(self.execution.containers["test-cycle"]),
                "test_suites": len(self.execution.containers["test-suite"]),
                "test_runs": len(self.execution.runs),
                "test_logs": len(self.execution.logs),
                "attachments": len(self.attachments),
            }

    def module_tree(self):
        """Root modules with nested `children`, each carrying its slash-joined `path`."""
        with self.lock:
            return [self._module_node(m) for m in self.design.child_modules(None)]

    def modules(self):
        with self.lock:
            return [self._module_view(m) for m in self.design.modules.values()]

    def module_by_path(self, path):
        with self.lock:
            return next((view for view in self.modules() if view["path"] == path), None)

    def test_cases(self, module_path=None):
        with self.lock:
            views = [self._case_view(c) for c in self.design.cases.values()]
            return [v for v in views if module_path is None or v["module_path"] == module_path]

    def test_case(self, case_id):
        with self.lock:
            return self._case_view(self.design.case(case_id))

    def containers(self, kind):
        with self.lock:
            return [self._container_view(c) for c in self.execution.containers[kind].values()]

    def runs(self):
        with self.lock:
            return [self._run_view(r) for r in self.execution.runs.values()]

    def run(self, run_id):
        with self.lock:
            return self._run_view(self.execution.run(run_id))

    def logs(self, run_id=None):
        with self.lock:
            logs = self.execution.logs.values()
            return [self._log_view(log) for log in logs if run_id is None or log.run_id == run_id]

    def attachment_files(self, object_type=None, object_id=None):
        """Attachments with their bytes and sha256, optionally only those of one object."""
        with self.lock:
            return [
                {"id": a.id, "object_type": a.object_type, "object_id": a.object_id, "name": a.name,
                 "content_type": a.content_type, "data": a.data, "size": len(a.data),
                 "sha256": hashlib.sha256(a.data).hexdigest()}
                for a in self.attachments.values()
                if (object_type is None or a.object_type == object_type)
                and (object_id is None or a.object_id == object_id)
            ]

    # tampering

    def delete(self, kind, object_id):
        """Remove an object and what hangs off it, as if someone deleted it in the web app."""
        with self.lock:
            if kind == "module":
                self.design.delete_module(self.design.module(object_id), force=True)
            elif kind == "test-case":
                self.design.delete_case(self.design.case(object_id))
            elif kind in CONTAINER_KINDS:
                self.execution.delete_container(self.execution.container(kind, object_id), force=True)
            elif kind == "test-run":
                self.execution.delete_run(self.execution.run(object_id))
            elif kind == "test-log":
                log = self.execution.logs[object_id]
                self.execution.delete_log(self.execution.run(log.run_id), log)
            elif kind == "attachment":
                self.delete_attachment(self.attachments[object_id])
            else:
                raise ValueError(f"unknown kind '{kind}'")

    def modify(self, kind, object_id, name=None, description=None, properties=None):
        """Change an object in place, with no new version; `properties` is {field label: value label or text}."""
        with self.lock:
            if kind == "test-case":
                case = self.design.case(object_id)
                target, object_type = case.latest, "test-cases"
            elif kind == "test-run":
                target, object_type = self.execution.run(object_id), "test-runs"
            elif kind in CONTAINER_KINDS:
                target, object_type = self.execution.container(kind, object_id), kind + "s"
            elif kind == "module":
                target, object_type = self.design.module(object_id), None
            else:
                raise ValueError(f"unknown kind '{kind}'")
            if name is not None:
                target.name = name
            if description is not None:
                target.description = description
            if properties:
                target.properties.update(self.properties_from_labels(object_type, properties))
            if kind == "test-case":
                self.design.reindex(case)
            elif kind == "test-run":
                self.execution.reindex(target)

    def add_module(self, name, parent_id=None):
        """Create a module directly, e.g. one a user made by hand before the migration ran."""
        with self.lock:
            return self.design.add_module(name, "", parent_id).id

    def add_test_case(self, module_id, name, properties=None, steps=()):
        """Create a test case directly (defaults applied, no HTTP): bulk seeding for volume tests."""
        with self.lock:
            values = self.fields.validate("test-cases", [])
            values.update(self.properties_from_labels("test-cases", properties or {}))
            return self.design.add_case(module_id, name, "", "", values, [dict(s) for s in steps]).id

    def modify_step(self, case_id, order, description=None, expected=None):
        """Change a step of a case's latest version in place, as an edit that bypassed versioning would."""
        with self.lock:
            step = next(s for s in self.design.case(case_id).latest.steps if s.order == order)
            if description is not None:
                step.description = description
            if expected is not None:
                step.expected = expected

    def modify_log(self, log_id, status=None):
        """Change a test log's status (by name) in place."""
        with self.lock:
            self.execution.logs[log_id].status_id = int(self.status_id(status))

    def remove_step_log(self, log_id, index):
        """Drop one step log of a test log, as a log shortened behind the tool's back."""
        with self.lock:
            del self.execution.logs[log_id].step_logs[index]

    def corrupt_attachment(self, attachment_id, data):
        with self.lock:
            self.attachments[attachment_id].data = bytes(data)

    def properties_from_labels(self, object_type, labelled):
        """{label: value label or text} -> {field_id: stored value}, choices resolved to ids ("" empties a field).

        A multiple picklist (check box, multi-select) is stored as "[id]".
        """
        with self.lock:
            values = {}
            for label, value in labelled.items():
                fld = self.fields.find(object_type, label)
                if fld is None:
                    raise KeyError(f"no {object_type} field labelled '{label}'")
                if value == "" or not is_choice(fld):
                    values[fld.id] = value
                    continue
                chosen = str(self.allowed_value_id(object_type, label, value))
                values[fld.id] = f"[{chosen}]" if fld.data_type in MULTIPLE_REQUIRED_TYPES else chosen
            return values

    def stored_properties(self, object_type, object_id):
        """{field label: value as stored} of a test case or run: ids as the API holds them, not their labels."""
        with self.lock:
            if object_type == "test-cases":
                values = self.design.case(object_id).latest.properties
            else:
                values = self.execution.run(object_id).properties
            by_id = {f.id: f.label for f in self.fields.by_type[object_type]}
            return {by_id[field_id]: value for field_id, value in values.items() if field_id in by_id}

    # views

    def _module_view(self, module):
        return {"id": module.id, "pid": module.pid, "name": module.name, "description": module.description,
                "parent_id": module.parent_id, "path": self.design.module_path(module)}

    def _module_node(self, module):
        node = self._module_view(module)
        node["children"] = [self._module_node(m) for m in self.design.child_modules(module.id)]
        return node

    def _case_view(self, case):
        latest = case.latest
        return {
            "id": case.id, "pid": case.pid, "name": latest.name, "module_id": case.module_id,
            "module_path": self.design.module_path(self.design.modules[case.module_id]),
            "version": latest.label, "version_id": latest.id, "versions": [v.label for v in case.versions],
            "description": latest.description, "precondition": latest.precondition,
            "properties": self.fields.labelled("test-cases", latest.properties),
            "steps": [{"id": s.id, "order": s.order, "description": s.description, "expected": s.expected,
                       "called_test_case_id": s.called_test_case_id} for s in latest.steps],
        }

    def _container_view(self, container):
        path, cursor = [], container
        while cursor is not None:
            path.append(cursor.name)
            parent = (cursor.parent_type, cursor.parent_id)
            cursor = None if parent[0] == "root" else self.execution.container(*parent)
        return {"id": container.id, "pid": container.pid, "kind": container.kind, "name": container.name,
                "description": container.description, "parent_type": container.parent_type,
                "parent_id": container.parent_id, "path": "/".join(reversed(path)),
                "properties": self.fields.labelled(container.kind + "s", container.properties)}

    def _run_view(self, run):
        case = self.design.cases.get(run.test_case_id)
        version = case.version(run.version_id) if case else None
        labelled = self.fields.labelled("test-runs", run.properties)
        return {"id": run.id, "pid": run.pid, "name": run.name, "parent_type": run.parent_type,
                "parent_id": run.parent_id, "test_case_id": run.test_case_id, "test_case_version_id": run.version_id,
                "test_case_version": version.label if version else None, "status": labelled.get("Status"),
                "properties": labelled, "log_ids": [log.id for log in self.execution.logs_of(run)]}

    def _log_view(self, log):
        status_names = {v.value: v.label for v in self.fields.status_field().allowed}
        run = self.execution.runs[log.run_id]
        case = self.design.cases.get(run.test_case_id)
        version = case.version(log.version_id) if case else None
        return {"id": log.id, "run_id": log.run_id, "status": status_names.get(log.status_id), "status_id": log.status_id,
                "exe_start_date": log.exe_start, "exe_end_date": log.exe_end, "note": log.note,
                "test_case_version_id": log.version_id, "test_case_version": version.label if version else None,
                "properties": self.fields.labelled("test-runs", log.properties),
                "step_logs": [{"test_step_id": s.test_step_id, "order": s.order, "status": status_names.get(s.status_id),
                               "actual_result": s.actual_result, "called_test_case_id": s.called_test_case_id,
                               "parent_test_step_id": s.parent_test_step_id} for s in log.step_logs],
                "attachment_ids": [a.id for a in self.attachments_of("test-logs", log.id)]}
