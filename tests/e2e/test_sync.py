"""`ztoq workflow run` after a finished migration: a sync round that brings qTest up to what Zephyr is now.

Zephyr is edited through the sandbox as a user would (renamed cases, edited
objectives and steps, new cases and a new folder, new executions, an edited
execution, a renamed cycle, a deleted case); the next
`run` must leave qTest as a fresh migration of the edited project would,
having written only to what changed, and a `run` without change writes
nothing at all.
"""

import json
import signal

import pytest
import requests

from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import open_database
from ztoq_luigi.db.models import EntityMap, SchemaVersion
from ztoq_luigi.sandbox import start_sandbox
from ztoq_luigi.sandbox.launch import ZEPHYR_TOKEN

from tests.conftest import _cli_values
from tests.e2e.interrupt import SignalAfterCreate, settled_writes
from tests.e2e.oracle import canonical
from tests.e2e.test_executions import executions_canonical
from tests.e2e.test_process_control import finish, start

HEADERS = {"Authorization": f"Bearer {ZEPHYR_TOKEN}"}


def migrate(run_cli, sandbox, db_args, tmp_path, *extra, command="run"):
    args = ["workflow", command, *sandbox.workflow_args(tmp_path / "out"), *db_args, *extra]
    return run_cli(*args, environ=sandbox.environment())


class Writes:
    """Every successful write qTest served, as (method, path)."""

    def __init__(self, sandbox):
        self.seen = []
        self._counters = sandbox.qtest.counters
        sandbox.qtest.add_write_hook(self._seen)

    def _seen(self, request, response):
        if not self._counters.is_read_by_post(request.route):
            self.seen.append((request.method, request.path))

    def to(self, method, fragment):
        return [path for seen_method, path in self.seen if seen_method == method and fragment in path]


def kill_right_after_put(sandbox, tmp_path, db_args, route, count):
    """Run the migration and SIGKILL it once qTest applied the `count`-th PUT to `route`, before it answers."""
    hook = SignalAfterCreate(route, count, signal.SIGKILL, method="PUT")
    sandbox.qtest.add_write_hook(hook)
    process = start(sandbox, tmp_path, db_args)
    hook.pid = process.pid
    finish(process)
    assert hook.fired.is_set() and process.returncode == -signal.SIGKILL
    settled_writes(sandbox.qtest.counters)


def zephyr(sandbox, method, path, body=None):
    answer = requests.request(method, f"{sandbox.zephyr_url}{path}", headers=HEADERS, json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def inline_cases(sandbox):
    """Keys of cases with inline steps only, no call and no executions' trouble: safe to edit and to execute."""
    called = {step["testCase"]["testCaseKey"] for case in sandbox.dataset.testcases
              for step in case.get("steps") or [] if step.get("testCase")}
    return [case["key"] for case in sandbox.dataset.testcases
            if (case.get("script") or {}).get("type") == "steps" and case.get("steps")
            and all(step.get("inline") for step in case["steps"]) and case["key"] not in called]


def edit_zephyr(sandbox):
    """The edits of the sync test, made the same way on any sandbox generated with the same seed."""
    keys = inline_cases(sandbox)
    names = {status["id"]: status["name"] for status in sandbox.dataset.statuses}
    executed = {execution["testCaseKey"] for execution in sandbox.dataset.testexecutions}
    renamed, objective, steps = keys[:3]
    deleted = [key for key in keys[3:] if key not in executed][-1]
    for key, change in ((renamed, {"name": "Renamed in Zephyr"}), (objective, {"objective": "<p>New objective</p>"})):
        case = zephyr(sandbox, "GET", f"/testcases/{key}")
        zephyr(sandbox, "PUT", f"/testcases/{key}", dict(case, **change))
    zephyr(sandbox, "POST", f"/testcases/{steps}/teststeps", {"mode": "OVERWRITE", "items": [
        {"inline": {"description": "Edited step", "expectedResult": "Edited result"}},
        {"inline": {"description": "Added step", "expectedResult": "It works"}}]})
    folder = zephyr(sandbox, "POST", "/folders", {"projectKey": sandbox.project_key, "name": "Added folder",
                                                  "folderType": "TEST_CASE"})["id"]
    created = zephyr(sandbox, "POST", "/testcases", {"projectKey": sandbox.project_key, "name": "Added in Zephyr",
                                                     "objective": "A new case", "folderId": folder})["key"]
    zephyr(sandbox, "POST", f"/testcases/{created}/teststeps", {"mode": "APPEND", "items": [
        {"inline": {"description": "Only step", "expectedResult": "Done"}}]})
    cycle = sandbox.dataset.testcycles[0]["key"]
    record = zephyr(sandbox, "GET", f"/testcycles/{cycle}")
    zephyr(sandbox, "PUT", f"/testcycles/{cycle}", dict(record, name="Cycle renamed in Zephyr"))
    for key in (objective, created):
        zephyr(sandbox, "POST", "/testexecutions", {
            "projectKey": sandbox.project_key, "testCaseKey": key, "testCycleKey": cycle, "statusName": "Pass",
            "actualEndDate": "2026-12-01T10:00:00Z", "executionTime": 60000})
    passed = [execution["key"] for execution in sandbox.dataset.testexecutions
              if names[execution["statusId"]] == "Pass" and execution.get("testCycleId")
              and execution["testCaseKey"] not in (renamed, objective, steps)]
    commented = passed[0]
    zephyr(sandbox, "PUT", f"/testexecutions/{commented}", {"comment": "Commented again in Zephyr"})
    index = sandbox.zephyr.index
    record = index.by_key["testcases"][deleted]
    index.remove("testcases", record)
    return {"renamed": renamed, "objective": objective, "steps": steps, "created": created, "deleted": deleted,
            "cycle": cycle, "commented": commented}


def case_ids(sandbox):
    return {case["properties"].get("Zephyr Key"): case["id"] for case in sandbox.qtest.state.test_cases()}


def versions(sandbox, case_id):
    return len(sandbox.qtest.state.design.cases[case_id].versions)


def report(run_cli, tmp_path, db_args):
    result = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"), *db_args,
                     "--report-format", "json")
    assert result.code == 0, result
    return json.loads(result.stdout)


def test_a_run_after_zephyr_changed_brings_qtest_up_to_date_writing_only_what_changed(
        run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    ids = case_ids(sandbox)
    edits = edit_zephyr(sandbox)
    before = {edits[name]: versions(sandbox, ids[edits[name]]) for name in ("renamed", "objective", "steps")}
    writes = Writes(sandbox)

    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result

    changed = {ids[edits[key]] for key in ("renamed", "objective", "steps")}
    updated = {int(path.rsplit("/", 1)[1]) for path in writes.to("PUT", "/test-cases/")}
    assert updated == changed, "only the changed cases are updated, each in place"
    assert len(writes.to("PUT", "/test-cases/")) == len(changed), "each once"
    assert len([p for p in writes.to("POST", "/test-cases") if p.endswith("/test-cases")]) == 1
    assert not writes.to("DELETE", ""), "a deletion in Zephyr is only reported by default"
    for key, count in before.items():
        assert versions(sandbox, ids[key]) == count + 1, f"{key}: qTest keeps the old version"
    assert len(writes.to("POST", "/test-logs")) == 2, "the two new executions, appended as logs"
    assert len(writes.to("POST", "/modules")) == 1, "the new folder"
    assert len(writes.to("PUT", "/test-cycles/")) == 1, "the renamed cycle, in place"
    assert writes.to("POST", "/test-cycles") == [], "no cycle is new"
    assert len(writes.to("PUT", "/test-logs/")) == 1, "the log of the execution commented again, in place"
    assert [path for path in writes.to("POST", "/test-runs") if path.endswith("/test-runs")] == [
        "/api/v3/projects/12345/test-runs"], "the new case's run; the other execution joins its run"

    fresh = start_sandbox(size="tiny", seed=3)
    try:
        edit_zephyr(fresh)
        assert migrate(run_cli, fresh, [], tmp_path / "fresh").code == 0
        synced, expected = canonical(sandbox), canonical(fresh)
        assert executions_canonical(sandbox) == executions_canonical(fresh)
    finally:
        fresh.stop()
    deleted_case = [case for case in synced["cases"] if case[0] == edits["deleted"]]
    assert len(deleted_case) == 1, "kept in qTest, reported"
    synced["cases"] = [case for case in synced["cases"] if case[0] != edits["deleted"]]
    assert synced == expected

    synced_report = report(run_cli, tmp_path, fresh_db_args)
    rounds = synced_report["sync"]["rounds"]
    assert [r["number"] for r in rounds] == [1, 2]
    cases = rounds[1]["tallies"]["testcase"]
    assert (cases["created"], cases["updated"], cases["deleted_in_zephyr"]) == (1, 3, 1)

    writes.seen.clear()
    again = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert again.code == 0, again
    assert writes.seen == [], "a run without change in Zephyr writes nothing"
    assert report(run_cli, tmp_path, fresh_db_args)["warnings"]["total"] == synced_report["warnings"]["total"], \
        "nothing new to warn about: the warnings of earlier rounds are not repeated"

    deleting = migrate(run_cli, sandbox, fresh_db_args, tmp_path, "--zephyr-deletions", "delete")
    assert deleting.code == 0, deleting
    assert writes.seen == [("DELETE", path) for path in writes.to("DELETE", f"/test-cases/{ids[edits['deleted']]}")]
    assert len(writes.seen) == 1
    assert edits["deleted"] not in case_ids(sandbox)


@pytest.mark.parametrize("option", ["--zephyr-deletions", "ZTOQ_ZEPHYR_DELETIONS"])
def test_an_unknown_deletion_policy_is_one_line(run_cli, sandbox, fresh_db_args, tmp_path, option):
    environ = dict(sandbox.environment())
    extra = []
    if option.startswith("--"):
        extra = [option, "archive"]
    else:
        environ[option] = "archive"
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args, *extra,
                     environ=environ)
    assert result.code == 2
    assert f"{option}: invalid value 'archive'; expected report or delete" in result.stderr


CASE_PUT = "/api/v3/projects/{projectId}/test-cases/{testCaseId}"


def test_an_update_whose_answer_is_lost_makes_one_version(run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    ids = case_ids(sandbox)
    keys = inline_cases(sandbox)[:2]
    before = {key: versions(sandbox, ids[key]) for key in keys}
    for key in keys:
        case = zephyr(sandbox, "GET", f"/testcases/{key}")
        zephyr(sandbox, "PUT", f"/testcases/{key}", dict(case, name=f"{key} renamed"))
    sandbox.qtest.faults.inject("drop_after", method="PUT", route=CASE_PUT, times=1)
    sandbox.qtest.faults.inject("applied_502", method="PUT", route=CASE_PUT, times=1)

    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result
    for key in keys:
        assert versions(sandbox, ids[key]) == before[key] + 1, f"{key}: the update was applied once"
        assert sandbox.qtest.state.design.cases[ids[key]].latest.name == f"{key} renamed"


def test_a_sigkill_right_after_an_update_then_resume_updates_each_case_once(run_cli, sandbox, fresh_db_args,
                                                                             tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    ids = case_ids(sandbox)
    keys = inline_cases(sandbox)[:3]
    before = {key: versions(sandbox, ids[key]) for key in keys}
    for key in keys:
        case = zephyr(sandbox, "GET", f"/testcases/{key}")
        zephyr(sandbox, "PUT", f"/testcases/{key}", dict(case, name=f"{key} renamed"))
    kill_right_after_put(sandbox, tmp_path, fresh_db_args, CASE_PUT, 2)

    resumed = migrate(run_cli, sandbox, fresh_db_args, tmp_path, command="resume")
    assert resumed.code == 0, resumed
    for key in keys:
        assert versions(sandbox, ids[key]) == before[key] + 1, f"{key}: updated once, neither lost nor twice"
        assert sandbox.qtest.state.design.cases[ids[key]].latest.name == f"{key} renamed"


LOGS_ROUTE = "/api/v3/projects/{projectId}/test-runs/{testRunId}/test-logs"


def as_upgraded_from_version_8(db_args, tmp_path, adopted_logs):
    """Leave the state database as step 9 left one loaded by version 8: no hash for runs and logs, at version 9;
    the logs of `adopted_logs` (execution keys) as if adopted from qTest. Returns how many logs are adopted."""
    database = open_database(load_settings(dict(_cli_values(db_args), output_dir=str(tmp_path / "out")), {}))
    try:
        assert EntityMap.update(content_hash=None).where(EntityMap.source_type.in_(["testrun", "testlog"])).execute()
        adopted = EntityMap.update(adopted=True).where((EntityMap.source_type == "testlog")
                                                       & EntityMap.source_id.in_(adopted_logs)).execute()
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=9, description="sync rounds: markers per round, rows last listed, content hashes")
        return adopted
    finally:
        database.close()


def test_an_execution_edited_before_the_first_sync_of_an_upgraded_database_updates_its_log_once(
        run_cli, sandbox, fresh_db_args, tmp_path):
    """Only the edited log is sent: the upgrade hashes the logs this state loaded, and an adopted log, whose hash is
    not known, is compared with what qTest holds (its run's logs, read in one listing) and only recorded."""
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    names = {status["id"]: status["name"] for status in sandbox.dataset.statuses}
    passed = [execution for execution in sandbox.dataset.testexecutions
              if names[execution["statusId"]] == "Pass" and execution.get("testCycleId")]
    edited, adopted = passed[0]["key"], passed[1]
    same_run = [execution["key"] for execution in sandbox.dataset.testexecutions
                if (execution.get("testCycleId"), execution["testCaseKey"])
                == (adopted["testCycleId"], adopted["testCaseKey"])]
    assert as_upgraded_from_version_8(fresh_db_args, tmp_path, same_run) >= 2, "a run whose logs were all adopted"
    zephyr(sandbox, "PUT", f"/testexecutions/{edited}", {"comment": "Edited before the first sync"})
    writes = Writes(sandbox)
    listings = sandbox.qtest.counters.get("GET", LOGS_ROUTE)

    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result
    edited_log = next(log for log in sandbox.qtest.state.logs() if "Edited before the first sync" in log["note"])
    assert writes.seen == [("PUT", f"/api/v3/projects/12345/test-runs/{edited_log['run_id']}/test-logs/"
                                   f"{edited_log['id']}")], "the edited log, once; the adopted ones cost no write"
    assert sandbox.qtest.counters.get("GET", LOGS_ROUTE) - listings == 2, \
        "one listing for the edited log's run, one for the adopted run's logs: not one request per log"

    writes.seen.clear()
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    assert writes.seen == [], "the next run writes nothing"
