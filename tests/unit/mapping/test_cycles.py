"""TEST_CYCLE folders, cycles and plans as qTest cycles and releases, keyed in their descriptions."""

from ztoq_luigi.mapping.cycles import cycle_plan, marker_of, plan_targets, release_plan

FOLDERS = [
    {"id": 20, "parentId": 10, "name": "Sprint 1", "index": 0, "folderType": "TEST_CYCLE"},
    {"id": 10, "parentId": None, "name": "Regression", "index": 0, "folderType": "TEST_CYCLE"},
    {"id": 30, "parentId": 999, "name": "Orphan", "index": 1, "folderType": "TEST_CYCLE"},
]
NAMES = {"status": {1: "Done", 2: "Approved"}, "user": lambda account: f"Zephyr account {account}" if account else None}


def cycle(key, cycle_id, folder=None, **extra):
    body = {"id": cycle_id, "key": key, "name": f"Cycle {key}", "status": {"id": 1, "self": "s"},
            "folder": {"id": folder, "self": "f"} if folder else None}
    body.update(extra)
    return body


def plan(key, cycle_ids, **extra):
    body = {"id": 1, "key": key, "name": f"Plan {key}", "status": {"id": 2, "self": "s"},
            "links": {"testCycles": [{"id": 5, "testCycleId": c, "type": "RELATED"} for c in cycle_ids]}}
    body.update(extra)
    return body


def by_source(plan_entries):
    return {entry["source_id"]: entry for entry in plan_entries}


def test_folders_become_nested_cycles_parents_first_and_cycles_go_under_their_folder():
    cycles = [cycle("SBX-R1", 100, folder=20), cycle("SBX-R2", 101)]
    entries = cycle_plan(FOLDERS, cycles, {}, NAMES)
    order = [entry["source_id"] for entry in entries]
    assert order.index("folder:10") < order.index("folder:20") < order.index("SBX-R1")
    found = by_source(entries)
    assert (found["folder:20"]["name"], found["folder:20"]["parent"], found["folder:20"]["depth"]) == (
        "Sprint 1", "folder:10", 1)
    assert (found["SBX-R1"]["parent"], found["SBX-R1"]["depth"]) == ("folder:20", 2)
    assert (found["SBX-R2"]["parent"], found["SBX-R2"]["depth"]) == (None, 0)
    assert found["folder:30"]["parent"] is None


def test_a_cycle_in_an_unknown_folder_goes_to_root():
    found = by_source(cycle_plan([], [cycle("SBX-R1", 100, folder=77)], {}, NAMES))
    assert (found["SBX-R1"]["parent"], found["SBX-R1"]["depth"]) == (None, 0)


def test_the_description_starts_with_the_key_then_a_labelled_section_then_the_zephyr_text():
    source = cycle("SBX-R40", 100, description="Regression <b>1</b>", plannedStartDate="2024-05-19T13:15:13Z",
                   plannedEndDate=None, owner={"accountId": "acc-1"})
    entry = by_source(cycle_plan([], [source], {}, NAMES))["SBX-R40"]
    assert entry["description"] == ("Zephyr key: SBX-R40<br><b>Zephyr test cycle</b><br>Status: Done<br>"
                                    "Owner: Zephyr account acc-1<br>Planned start: 2024-05-19T13:15:13Z<br><br>"
                                    "Regression <b>1</b>")
    assert marker_of(entry["description"]) == "Zephyr key: SBX-R40"


def test_the_marker_is_exact_so_similar_keys_do_not_match():
    assert marker_of("Zephyr key: SBX-R4<br>x") == "Zephyr key: SBX-R4"
    assert marker_of("Zephyr key: SBX-R4<br>x") != "Zephyr key: SBX-R40"
    assert marker_of("Zephyr folder: 10\nmore") == "Zephyr folder: 10"
    assert marker_of("hand-made cycle") is None and marker_of(None) is None


def test_a_cycle_targets_its_first_plan_and_lists_the_others():
    cycles = [cycle("SBX-R1", 100), cycle("SBX-R2", 101), cycle("SBX-R3", 102)]
    plans = [plan("SBX-P1", [100, 101]), plan("SBX-P2", [101, 555])]
    targets = plan_targets(plans, cycles)
    assert targets == {"SBX-R1": ["SBX-P1"], "SBX-R2": ["SBX-P1", "SBX-P2"]}
    found = by_source(cycle_plan([], cycles, targets, NAMES))
    assert [found[key]["release"] for key in ("SBX-R1", "SBX-R2", "SBX-R3")] == ["SBX-P1", "SBX-P1", None]
    assert "Test plan: SBX-P1<br>Also in test plans: SBX-P2" in found["SBX-R2"]["description"]
    assert "Also in test plans" not in found["SBX-R1"]["description"]


def test_plans_become_releases_with_key_status_labels_and_cycles():
    cycles = [cycle("SBX-R1", 100), cycle("SBX-R2", 101)]
    releases = release_plan([plan("SBX-P1", [100, 101, 555], labels=["release-2", "smoke"],
                                  objective="Ship <i>it</i> ✓")], cycles, NAMES)
    assert releases == [{
        "source_id": "SBX-P1", "name": "Plan SBX-P1", "marker": "Zephyr key: SBX-P1",
        "description": ("Zephyr key: SBX-P1<br><b>Zephyr test plan</b><br>Status: Approved<br>"
                        "Labels: release-2, smoke<br>"
                        "Test cycles: SBX-R1, SBX-R2, cycle id 555 (not in the project)<br><br>Ship <i>it</i> ✓")}]


def test_the_adhoc_cycle_is_added_at_root_only_when_asked():
    assert all(entry["source_id"] != "adhoc" for entry in cycle_plan([], [], {}, NAMES))
    entry = by_source(cycle_plan([], [], {}, NAMES, adhoc_name="Ad-hoc executions"))["adhoc"]
    assert (entry["name"], entry["parent"], entry["depth"]) == ("Ad-hoc executions", None, 0)
    assert marker_of(entry["description"]) == entry["marker"]


def test_html_in_names_of_details_is_escaped_but_zephyr_text_is_kept():
    source = cycle("SBX-R1", 100, description="<p>a & b</p>", owner={"accountId": "<x>"})
    description = by_source(cycle_plan([], [source], {}, NAMES))["SBX-R1"]["description"]
    assert "Owner: Zephyr account &lt;x&gt;" in description and description.endswith("<p>a & b</p>")
