"""Zephyr TEST_CASE folders become the qTest module tree: same names, same nesting, parents first."""

import pytest

from ztoq_luigi.mapping.folders import UNFILED, module_paths, module_plan


def folder(id, name, parent=None, index=None):
    return {"id": id, "parentId": parent, "name": name, "index": index, "folderType": "TEST_CASE"}


def names(plan):
    return [module["name"] for module in plan]


def by_source(plan):
    return {module["source_id"]: module for module in plan}


def assert_parents_first(plan):
    seen = set()
    for module in plan:
        assert module["parent"] is None or module["parent"] in seen, f"{module['name']} comes before its parent"
        seen.add(module["source_id"])


def test_each_parent_is_planned_before_its_children_and_siblings_follow_index():
    folders = [
        folder(10, "Pumps", index=1),
        folder(11, "Axial", parent=10, index=1),
        folder(12, "Radial", parent=10, index=0),
        folder(20, "Valves", index=0),
        folder(13, "Seals", parent=11, index=0),
    ]
    plan = module_plan(folders)
    assert names(plan) == ["Valves", "Pumps", "Radial", "Axial", "Seals"]
    assert_parents_first(plan)
    modules = by_source(plan)
    assert modules["13"]["parent"] == "11" and modules["13"]["depth"] == 2
    assert modules["11"]["parent"] == "10" and modules["11"]["depth"] == 1
    assert modules["10"]["parent"] is None and modules["10"]["depth"] == 0


def test_module_records_carry_source_id_as_string_and_a_traceable_description():
    plan = module_plan([folder(100006, "Axial pump")])
    assert plan == [{"source_id": "100006", "name": "Axial pump", "parent": None, "depth": 0,
                     "description": "Zephyr folder 100006"}]


def test_a_child_with_a_lower_id_than_its_parent_still_comes_after_it():
    plan = module_plan([folder(1, "Child", parent=500), folder(500, "Parent")])
    assert names(plan) == ["Parent", "Child"]
    assert by_source(plan)["1"]["parent"] == "500"


def test_siblings_without_index_come_after_indexed_ones_then_by_id():
    plan = module_plan([folder(3, "c"), folder(1, "a"), folder(2, "b", index=5), folder(4, "d", index=0)])
    assert names(plan) == ["d", "b", "a", "c"]


def test_a_parent_id_given_as_string_or_int_links_the_same():
    plan = module_plan([folder(1, "Root"), {"id": 2, "parentId": "1", "name": "Leaf"}])
    assert by_source(plan)["2"]["parent"] == "1"


def test_same_names_under_different_parents_are_kept_apart():
    folders = [folder(1, "Web"), folder(2, "Mobile"), folder(3, "Login", parent=1), folder(4, "Login", parent=2)]
    plan = module_plan(folders)
    assert len(plan) == 4
    modules = by_source(plan)
    assert modules["3"]["parent"] == "1" and modules["4"]["parent"] == "2"
    assert module_paths(plan) == {"1": "Web", "2": "Mobile", "3": "Web/Login", "4": "Mobile/Login"}


def test_a_folder_whose_parent_is_not_listed_becomes_a_root_instead_of_being_dropped():
    plan = module_plan([folder(1, "Kept"), folder(2, "Orphan", parent=999), folder(3, "Orphan child", parent=2)])
    modules = by_source(plan)
    assert modules["2"]["parent"] is None and modules["2"]["depth"] == 0
    assert modules["3"]["parent"] == "2" and modules["3"]["depth"] == 1
    assert_parents_first(plan)


def test_folders_in_a_parent_cycle_become_roots_and_nothing_is_lost():
    plan = module_plan([folder(1, "A", parent=2), folder(2, "B", parent=1), folder(3, "Self", parent=3)])
    assert sorted(names(plan)) == ["A", "B", "Self"]
    assert all(module["parent"] is None for module in plan)


def test_a_folder_below_a_parent_cycle_keeps_its_parent():
    plan = module_plan([folder(1, "A", parent=2), folder(2, "B", parent=1), folder(3, "Under B", parent=2)])
    assert by_source(plan)["3"]["parent"] == "2"


def test_unfiled_module_is_added_as_a_root_after_the_tree_when_named():
    plan = module_plan([folder(1, "Pumps")], unfiled_name="Zephyr import")
    assert plan[-1] == {"source_id": UNFILED, "name": "Zephyr import", "parent": None, "depth": 0,
                        "description": "Zephyr test cases without a folder"}
    assert [m["source_id"] for m in module_plan([folder(1, "Pumps")])] == ["1"]


def test_no_folders_gives_only_the_unfiled_module():
    assert names(module_plan([], unfiled_name="Imported")) == ["Imported"]
    assert module_plan([]) == []


def test_paths_join_names_from_the_root_with_slashes_and_keep_unicode():
    folders = [folder(1, "Pompes"), folder(2, "Axiale – 轴流", parent=1), folder(3, "🚀 Smoke", parent=2)]
    paths = module_paths(module_plan(folders, unfiled_name="Zephyr import"))
    assert paths == {"1": "Pompes", "2": "Pompes/Axiale – 轴流", "3": "Pompes/Axiale – 轴流/🚀 Smoke",
                     UNFILED: "Zephyr import"}


def test_deep_trees_are_planned_without_recursion_limits():
    folders = [folder(1, "level 0")] + [folder(n, f"level {n - 1}", parent=n - 1) for n in range(2, 3001)]
    plan = module_plan(list(reversed(folders)))
    assert len(plan) == 3000
    assert plan[-1]["depth"] == 2999
    assert_parents_first(plan)
