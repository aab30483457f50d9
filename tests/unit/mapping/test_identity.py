"""mapping/identity.py: planned objects paired with the ones qTest lists, by their Zephyr identity."""

from ztoq_luigi.mapping.identity import (
    container_score, flat_matches, keyed_matches, log_matches, module_score, tree_matches,
)


def module(source_id, name, parent=None, depth=0):
    return {"source_id": source_id, "name": name, "parent": parent, "depth": depth,
            "description": f"Zephyr folder {source_id}"}


def node(node_id, name, children=(), description=None):
    return {"id": node_id, "name": name, "description": description, "children": list(children)}


def test_modules_are_found_at_their_path_and_a_subtree_under_an_unfound_parent_is_not():
    plan = [module("1", "Web"), module("2", "Login", "1", 1), module("3", "Mobile"), module("4", "Login", "3", 1)]
    tree = [node(10, "Web", [node(11, "Login"), node(12, "Other")]), node(20, "Login")]
    assert tree_matches(plan, tree, "children", {}, module_score) == {"1": "10", "2": "11"}


def test_a_known_parent_is_looked_under_and_known_modules_are_not_matched_again():
    plan = [module("1", "Web"), module("2", "Login", "1", 1)]
    tree = [node(10, "Web", [node(11, "Login")])]
    assert tree_matches(plan, tree, "children", {"1": 10}, module_score) == {"2": "11"}
    assert tree_matches(plan, tree, "children", {"1": 10, "2": 11}, module_score) == {}


def test_among_namesakes_the_same_description_then_the_oldest_wins_and_each_is_adopted_once():
    plan = [module("1", "Web"), module("2", "Web")]
    tree = [node(30, "Web"), node(20, "Web", description="Zephyr folder 2"), node(10, "Web")]
    assert tree_matches(plan, tree, "children", {}, module_score) == {"1": "10", "2": "20"}


def test_containers_need_both_name_and_key_line():
    plan = [{"source_id": "P-P1", "name": "Plan", "marker": "Zephyr key: P-P1"}]
    assert flat_matches(plan, [{"id": 5, "name": "Plan", "description": "Zephyr key: P-P2<br>x"},
                               {"id": 6, "name": "Other", "description": "Zephyr key: P-P1"}], {}, container_score) == {}
    assert flat_matches(plan, [{"id": 7, "name": "Plan", "description": "Zephyr key: P-P1<br><b>Zephyr test plan</b>"}],
                        {}, container_score) == {"P-P1": "7"}


def test_keyed_items_match_exactly_and_the_oldest_duplicate_wins():
    items = [{"id": 9, "key": "P-T1"}, {"id": 3, "key": "P-T1"}, {"id": 4, "key": "p-t2"}, {"id": 5, "key": "P-T3"}]
    assert keyed_matches(items, lambda item: item["key"], {"P-T1", "P-T2"}) == {"P-T1": "3"}


def test_a_log_is_found_by_its_execution_line_in_its_own_run_only():
    logs = [{"id": 1, "test_run_id": 70, "note": "comment\n\nZephyr execution P-E1\nEnvironment: x"},
            {"id": 2, "test_run_id": 71, "note": "Zephyr execution P-E2"},
            {"id": 3, "test_run_id": 99, "note": "Zephyr execution P-E3"}]
    assert log_matches(logs, {"P-E1": "70", "P-E2": 71, "P-E3": "72"}) == {"P-E1": "1", "P-E2": "2"}
