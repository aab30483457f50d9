"""A sync round brings releases and the cycle tree up to date: a renamed test plan, a cycle moved to another folder
or linked to another test plan.

Each is updated in place with one PUT (a release by its id, a cycle moved
with `parentId`/`parentType`, a cycle's target release in its body),
nothing else is written, and a lost answer is settled by reading qTest
instead of writing again. A moved folder is one move: what it holds follows
in qTest without a request and is not counted as updated.
"""

import requests

from ztoq_luigi.mapping.cycles import marker_of
from ztoq_luigi.sandbox.qtest.server import DEFAULT_API_TOKEN

from tests.e2e.test_sync import Writes, kill_right_after_put, migrate, report, zephyr

CYCLE_PUT = "/api/v3/projects/{projectId}/test-cycles/{testCycleId}"


def edit_containers(sandbox):
    """Rename the first test plan (in Zephyr's UI: the v2 API has no PUT for plans) and move a cycle to another folder.

    Returns (plan key, new plan name, cycle key, Zephyr folder id it moved to).
    """
    plan = sandbox.dataset.testplans[0]
    renamed = f"{plan['name']} (renamed)"
    sandbox.zephyr.index.update("testplans", sandbox.zephyr.index.by_key["testplans"][plan["key"]],
                                {"name": renamed, "objective": "<p>Objective edited in Zephyr</p>"})
    cycle = next(cycle for cycle in sandbox.dataset.testcycles if cycle.get("folderId"))
    folder = next(folder["id"] for folder in sandbox.dataset.folders
                  if folder["folderType"] == "TEST_CYCLE" and folder["id"] != cycle["folderId"])
    record = zephyr(sandbox, "GET", f"/testcycles/{cycle['key']}")
    zephyr(sandbox, "PUT", f"/testcycles/{cycle['key']}", dict(record, folder={"id": folder}))
    return plan["key"], renamed, cycle["key"], folder


def container(sandbox, kind, marker):
    """The qTest release or cycle whose description carries the Zephyr marker line."""
    found = [item for item in sandbox.qtest.state.execution.containers[kind].values()
             if marker_of(item.description) == marker]
    assert len(found) == 1, f"{kind} {marker}: {len(found)} in qTest"
    return found[0]


def sync_losing_the_answer_to_its_put(run_cli, sandbox, db_args, tmp_path):
    """Run a sync whose first cycle PUT is applied and its answer lost; the ids of the cycles PUT to, in order."""
    writes = Writes(sandbox)
    sandbox.qtest.faults.inject("drop_after", method="PUT", route=CYCLE_PUT, times=1)
    result = migrate(run_cli, sandbox, db_args, tmp_path)
    assert result.code == 0, result
    return [int(path.rsplit("/", 1)[1]) for path in writes.to("PUT", "/test-cycles/")]


def test_a_renamed_plan_and_a_moved_cycle_are_updated_in_place_once(run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    plan, renamed, cycle_key, folder = edit_containers(sandbox)
    release = container(sandbox, "release", f"Zephyr key: {plan}")
    cycle = container(sandbox, "test-cycle", f"Zephyr key: {cycle_key}")
    old_parent = (cycle.parent_type, cycle.parent_id)
    writes = Writes(sandbox)

    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result

    assert sorted(writes.seen) == [("PUT", f"/api/v3/projects/12345/releases/{release.id}"),
                                   ("PUT", f"/api/v3/projects/12345/test-cycles/{cycle.id}")], \
        "one PUT to the renamed plan's release, one to the moved cycle, nothing else"
    assert release.name == renamed and "Objective edited in Zephyr" in release.description
    new_parent = container(sandbox, "test-cycle", f"Zephyr folder: {folder}")
    assert (cycle.parent_type, cycle.parent_id) == ("test-cycle", new_parent.id) != old_parent
    assert cycle in sandbox.qtest.state.execution.children(("test-cycle", new_parent.id), "test-cycle")
    assert cycle not in sandbox.qtest.state.execution.children(old_parent, "test-cycle")
    tallies = report(run_cli, tmp_path, fresh_db_args)["sync"]["rounds"][1]["tallies"]
    assert (tallies["release"]["updated"], tallies["cycle"]["updated"]) == (1, 1)
    assert (tallies["release"]["created"], tallies["cycle"]["created"]) == (0, 0)

    writes.seen.clear()
    again = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert again.code == 0, again
    assert writes.seen == [], "a run without change in Zephyr writes nothing"


def test_a_move_whose_answer_is_lost_moves_the_cycle_once(run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    _, _, cycle_key, folder = edit_containers(sandbox)
    cycle = container(sandbox, "test-cycle", f"Zephyr key: {cycle_key}")
    assert sync_losing_the_answer_to_its_put(run_cli, sandbox, fresh_db_args, tmp_path) == [cycle.id], \
        "the move applied before its answer was lost is found under the new parent, not sent again"
    new_parent = container(sandbox, "test-cycle", f"Zephyr folder: {folder}")
    assert (cycle.parent_type, cycle.parent_id) == ("test-cycle", new_parent.id)
    assert report(run_cli, tmp_path, fresh_db_args)["sync"]["rounds"][1]["tallies"]["cycle"]["updated"] == 1


def test_a_sigkill_right_after_the_move_then_resume_moves_the_cycle_once(run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    _, _, cycle_key, folder = edit_containers(sandbox)
    cycle = container(sandbox, "test-cycle", f"Zephyr key: {cycle_key}")
    writes = Writes(sandbox)
    kill_right_after_put(sandbox, tmp_path, fresh_db_args, CYCLE_PUT, 1)

    resumed = migrate(run_cli, sandbox, fresh_db_args, tmp_path, command="resume")
    assert resumed.code == 0, resumed
    assert writes.to("PUT", "/test-cycles/") == [f"/api/v3/projects/12345/test-cycles/{cycle.id}"], \
        "the move made before the kill is found under the new parent, not sent again"
    new_parent = container(sandbox, "test-cycle", f"Zephyr folder: {folder}")
    assert (cycle.parent_type, cycle.parent_id) == ("test-cycle", new_parent.id)
    assert report(run_cli, tmp_path, fresh_db_args)["sync"]["rounds"][1]["tallies"]["cycle"]["updated"] == 1


def test_a_moved_folder_moves_its_cycle_once_and_what_it_holds_follows_unwritten(run_cli, sandbox, fresh_db_args,
                                                                                  tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    folders = {folder["id"]: folder for folder in sandbox.dataset.folders if folder["folderType"] == "TEST_CYCLE"}
    inner = next(cycle for cycle in sandbox.dataset.testcycles
                 if cycle.get("folderId") and folders[cycle["folderId"]].get("parentId"))
    moved = folders[inner["folderId"]]["parentId"]
    index = sandbox.zephyr.index
    index.update("folders", index.by_id["folders"][moved], {"parentId": None})
    folder_cycle = container(sandbox, "test-cycle", f"Zephyr folder: {moved}")
    writes = Writes(sandbox)

    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result

    assert writes.seen == [("PUT", f"/api/v3/projects/12345/test-cycles/{folder_cycle.id}")], \
        "the folder's cycle moves; the folders and cycles it holds move with it in qTest too"
    assert (folder_cycle.parent_type, folder_cycle.parent_id) == ("root", 0)
    tallies = report(run_cli, tmp_path, fresh_db_args)["sync"]["rounds"][1]["tallies"]["cycle"]
    assert tallies["updated"] == 1, "only the moved folder's cycle was written"


def relink_cycle(sandbox):
    """Unlink, in Zephyr's UI, a cycle from the first test plan, so the next plan linking it becomes its plan.

    Returns (cycle key, plan key it left, plan key it now targets).
    """
    index = sandbox.zephyr.index
    plans = index.records("testplans")
    linked = [{link["testCycleId"] for link in plan.get("testCycleLinks") or ()} for plan in plans]
    cycle = next(cycle for cycle in sandbox.dataset.testcycles
                 if cycle["id"] in linked[0] and any(cycle["id"] in ids for ids in linked[1:]))
    index.update("testplans", plans[0], {"testCycleLinks": [
        link for link in plans[0]["testCycleLinks"] if link["testCycleId"] != cycle["id"]]})
    return cycle["key"], plans[0]["key"], next(plan["key"] for plan, ids in zip(plans, linked) if cycle["id"] in ids
                                               and plan is not plans[0])


def test_a_cycle_linked_to_another_plan_targets_its_release_after_one_put(run_cli, sandbox, fresh_db_args, tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    cycle_key, left, joined = relink_cycle(sandbox)
    cycle = container(sandbox, "test-cycle", f"Zephyr key: {cycle_key}")
    old, new = (container(sandbox, "release", f"Zephyr key: {plan}") for plan in (left, joined))
    assert cycle.extra["target_release_id"] == old.id
    writes = Writes(sandbox)

    result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert result.code == 0, result

    assert writes.to("PUT", "/test-cycles/") == [f"/api/v3/projects/12345/test-cycles/{cycle.id}"], \
        "one PUT: the cycle's texts and its target release together"
    assert writes.to("PUT", "/releases/") == [f"/api/v3/projects/12345/releases/{old.id}"], \
        "the plan it left no longer lists it in its release's description"
    assert len(writes.seen) == 2, writes.seen
    answer = requests.get(f"{sandbox.qtest_url}/projects/12345/test-cycles/{cycle.id}", timeout=10,
                          headers={"Authorization": f"Bearer {DEFAULT_API_TOKEN}"})
    assert answer.json()["target_release_id"] == new.id, "qTest shows the new target release"
    assert f"Test plan: {joined}" in cycle.description
    assert report(run_cli, tmp_path, fresh_db_args)["sync"]["rounds"][1]["tallies"]["cycle"]["updated"] == 1

    writes.seen.clear()
    again = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
    assert again.code == 0, again
    assert writes.seen == [], "a run without change in Zephyr writes nothing"


def test_a_lost_answer_to_a_new_target_release_is_settled_by_reading_the_cycle(run_cli, sandbox, fresh_db_args,
                                                                                tmp_path):
    assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
    cycle_key, _, joined = relink_cycle(sandbox)
    cycle = container(sandbox, "test-cycle", f"Zephyr key: {cycle_key}")
    assert sync_losing_the_answer_to_its_put(run_cli, sandbox, fresh_db_args, tmp_path) == [cycle.id], \
        "the update applied before its answer was lost is read back, not sent again"
    assert cycle.extra["target_release_id"] == container(sandbox, "release", f"Zephyr key: {joined}").id
