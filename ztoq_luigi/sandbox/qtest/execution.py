"""Test execution: releases, cycles, suites, runs and the logs submitted against runs.

Containers and runs form one tree addressed the way the API addresses it, by
(parentType, parentId) with ("root", 0) at the top. A run's Status is its
`Status` property, rewritten from its latest log every time a log is
submitted or changed, which is what a client reads back after a migration.
"""

from collections import defaultdict

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.ids import stamp
from ztoq_luigi.sandbox.qtest.records import Container, Log, Run, StepLog

ROOT = ("root", 0)
KIND_NAMES = {"release": "Release", "test-cycle": "Test Cycle", "test-suite": "Test Suite", "test-run": "Test Run"}
ALLOWED_PARENTS = {
    "release": ("root",),
    "test-cycle": ("root", "release", "test-cycle"),
    "test-suite": ("root", "release", "test-cycle"),
    "test-run": ("root", "release", "test-cycle", "test-suite"),
}
RUN_STATUS_POLICIES = ("submitted", "exe_end_date")


class ExecutionStore:
    def __init__(self, ids, index, creator_id, status_field_id, run_status_policy, on_logs_deleted):
        if run_status_policy not in RUN_STATUS_POLICIES:
            raise ValueError(f"run_status_policy must be one of {RUN_STATUS_POLICIES}")
        self._ids = ids
        self._index = index
        self._creator_id = creator_id
        self._status_field_id = status_field_id
        self._policy = run_status_policy
        self._on_logs_deleted = on_logs_deleted
        self.containers = {"release": {}, "test-cycle": {}, "test-suite": {}}
        self.runs = {}
        self.logs = {}
        self._children = defaultdict(list)
        self._case_runs = defaultdict(set)
        self._run_logs = defaultdict(list)

    # containers

    def container(self, kind, object_id):
        found = self.containers[kind].get(object_id)
        if found is None:
            raise HttpError(404, f"{KIND_NAMES[kind]} with id {object_id} not found")
        return found

    def check_parent(self, kind, parent_type, parent_id):
        if parent_type not in ALLOWED_PARENTS[kind]:
            allowed = ", ".join(ALLOWED_PARENTS[kind])
            raise HttpError(400, f"Invalid parentType '{parent_type}' for {KIND_NAMES[kind]}. Valid values: {allowed}")
        if parent_type == "root":
            if parent_id not in (None, 0):
                raise HttpError(400, "parentId must be 0 when parentType is root")
            return ROOT
        if parent_id is None:
            raise HttpError(400, f"parentId is required when parentType is {parent_type}")
        self.container(parent_type, parent_id)
        return parent_type, parent_id

    def children(self, parent, kind=None):
        items = [self._lookup(k, i) for k, i in self._children[parent]]
        return [item for item in items if kind is None or _kind(item) == kind]

    def add_container(self, kind, name, description, parent, properties, extra=None):
        now = stamp()
        siblings = self._children[parent]
        created = Container(kind, self._ids.next_id(kind), self._ids.next_pid(kind), name, description or "",
                            parent[0], parent[1], len(siblings) + 1, properties, now, now, dict(extra or {}))
        self.containers[kind][created.id] = created
        siblings.append((kind, created.id))
        return created

    def update_container(self, container, changes):
        for key in ("name", "description", "properties"):
            if key in changes:
                setattr(container, key, changes[key])
        container.extra.update(changes.get("extra", {}))
        container.modified = stamp()

    def move(self, item, parent):
        """Move a cycle, suite or run; a container cannot go under its own subtree."""
        cursor = parent
        while cursor != ROOT:
            if cursor == (_kind(item), item.id):
                raise HttpError(400, f"A {KIND_NAMES[_kind(item)]} cannot be moved under itself or its descendants")
            holder = self.container(*cursor)
            cursor = (holder.parent_type, holder.parent_id)
        self._children[(item.parent_type, item.parent_id)].remove((_kind(item), item.id))
        siblings = self._children[parent]
        siblings.append((_kind(item), item.id))
        item.parent_type, item.parent_id, item.order, item.modified = parent[0], parent[1], len(siblings), stamp()

    def delete_container(self, container, force):
        key = (container.kind, container.id)
        if self._children[key] and not force:
            raise HttpError(400, f"{KIND_NAMES[container.kind]} {container.id} has children; use force=true to delete it")
        for child in self.children(key):
            if isinstance(child, Run):
                self.delete_run(child)
            else:
                self.delete_container(child, force=True)
        self._children[(container.parent_type, container.parent_id)].remove(key)
        self._children.pop(key, None)
        del self.containers[container.kind][container.id]

    def descendant_runs(self, parent):
        found = []
        for child in self.children(parent):
            if isinstance(child, Run):
                found.append(child)
            else:
                found.extend(self.descendant_runs((child.kind, child.id)))
        return found

    # runs

    def run(self, run_id):
        found = self.runs.get(run_id)
        if found is None:
            raise HttpError(404, f"Test Run with id {run_id} not found")
        return found

    def add_run(self, parent, name, case_id, version_id, properties):
        now = stamp()
        siblings = self._children[parent]
        run = Run(self._ids.next_id("test-run"), self._ids.next_pid("test-run"), name, parent[0], parent[1],
                  len(siblings) + 1, case_id, version_id, properties, self._creator_id, now, now)
        self.runs[run.id] = run
        siblings.append(("test-run", run.id))
        self._case_runs[case_id].add(run.id)
        self.reindex(run)
        return run

    def update_run(self, run, name=None, properties=None):
        run.name = run.name if name is None else name
        run.properties = run.properties if properties is None else properties
        run.modified = stamp()
        self.reindex(run)

    def delete_run(self, run):
        log_ids = self._run_logs.pop(run.id, [])
        for log_id in log_ids:
            del self.logs[log_id]
        self._on_logs_deleted(log_ids)
        self._children[(run.parent_type, run.parent_id)].remove(("test-run", run.id))
        self._case_runs[run.test_case_id].discard(run.id)
        self._index.drop("test-run", run.id)
        del self.runs[run.id]

    def delete_runs_of_case(self, case_id):
        for run_id in list(self._case_runs.pop(case_id, ())):
            self.delete_run(self.runs[run_id])

    def reindex(self, run):
        self._index.put("test-run", run.id, {"name": run.name, **run.properties})

    # logs

    def log(self, run, log_id):
        found = self.logs.get(log_id)
        if found is None or found.run_id != run.id:
            raise HttpError(404, f"Test Log with id {log_id} not found in test run {run.id}")
        return found

    def step_log_exists(self, step_log_id):
        return any(step.id == step_log_id for log in self.logs.values() for step in log.step_logs)

    def logs_of(self, run):
        return [self.logs[i] for i in self._run_logs[run.id]]

    def add_log(self, run, version_id, status_id, exe_start, exe_end, note, properties, step_logs, extra):
        log = Log(self._ids.next_id("test-log"), run.id, version_id, status_id, exe_start, exe_end, note or "",
                  properties, [], self._creator_id, stamp(), dict(extra))
        log.step_logs = [self._step_log(spec) for spec in step_logs]
        self.logs[log.id] = log
        self._run_logs[run.id].append(log.id)
        self._refresh_status(run)
        return log

    def update_log(self, run, log, changes):
        """Apply a log update; step logs are matched by their original `order`, which cannot change."""
        by_order = {s.order: s for s in log.step_logs}
        for spec in changes.get("step_logs", ()):
            if spec["order"] not in by_order:
                raise HttpError(400, f"Test step log order {spec['order']} does not exist in test log {log.id}")
        for key in ("status_id", "exe_start", "exe_end", "note", "properties"):
            if key in changes:
                setattr(log, key, changes[key])
        for spec in changes.get("step_logs", ()):
            existing = by_order[spec["order"]]
            existing.status_id = spec["status_id"]
            existing.actual_result = spec.get("actual_result", existing.actual_result)
        self._refresh_status(run)

    def delete_log(self, run, log):
        self._run_logs[run.id].remove(log.id)
        del self.logs[log.id]
        self._on_logs_deleted([log.id])
        run.latest_log_id = None
        self._refresh_status(run)

    def latest_log(self, run):
        logs = self.logs_of(run)
        if not logs:
            return None
        if self._policy == "exe_end_date":
            return max(enumerate(logs), key=lambda pair: (pair[1].exe_end, pair[0]))[1]
        return logs[-1]

    def _refresh_status(self, run):
        latest = self.latest_log(run)
        if latest is not None:
            run.properties[self._status_field_id()] = str(latest.status_id)
            run.latest_log_id = latest.id
        self.reindex(run)

    def _step_log(self, spec):
        return StepLog(self._ids.next_id("test-step-log"), spec["test_step_id"], spec["status_id"],
                       spec.get("actual_result", ""), spec["order"], self._creator_id,
                       spec.get("called_test_case_id"), spec.get("parent_test_step_id"))

    def _lookup(self, kind, object_id):
        return self.runs[object_id] if kind == "test-run" else self.containers[kind][object_id]


def _kind(item):
    return "test-run" if isinstance(item, Run) else item.kind
