"""The order test cases are created in qTest so that every called case exists before its callers."""

import pytest

from ztoq_luigi.mapping.load_order import load_order


def levels(placement):
    return {node: level for node, (level, _) in placement.items()}


def assert_loadable(graph, placement, unlinked):
    """Every call that stays linked points to a case created at a strictly lower level, and the
    (level, position) pairs are unique and dense per level."""
    for caller, callees in graph.items():
        for callee in callees:
            if callee in unlinked.get(caller, set()):
                continue
            assert callee in graph, f"{caller} -> {callee} is outside the project yet not reported unlinked"
            assert placement[callee][0] < placement[caller][0], f"{caller} -> {callee} would be linked too early"
    per_level = {}
    for level, position in placement.values():
        per_level.setdefault(level, []).append(position)
    for level, positions in per_level.items():
        assert sorted(positions) == list(range(len(positions))), f"positions at level {level}: {positions}"
    assert set(placement) == set(graph)


def test_independent_cases_are_all_level_zero_in_listing_order():
    graph = {"SA-T3": [], "SA-T1": [], "SA-T2": []}
    placement, unlinked = load_order(graph)
    assert placement == {"SA-T3": (0, 0), "SA-T1": (0, 1), "SA-T2": (0, 2)}
    assert unlinked == {}


def test_a_chain_is_loaded_callee_first():
    graph = {"A": ["B"], "B": ["C"], "C": []}
    placement, unlinked = load_order(graph)
    assert placement == {"C": (0, 0), "B": (1, 0), "A": (2, 0)}
    assert unlinked == {}


def test_a_diamond_puts_the_shared_callee_first_and_the_top_last():
    graph = {"Top": ["Left", "Right"], "Left": ["Bottom"], "Right": ["Bottom"], "Bottom": []}
    placement, unlinked = load_order(graph)
    assert levels(placement) == {"Bottom": 0, "Left": 1, "Right": 1, "Top": 2}
    assert placement["Left"] == (1, 0) and placement["Right"] == (1, 1)
    assert unlinked == {}


def test_a_caller_waits_for_its_deepest_callee():
    graph = {"A": ["D", "B"], "B": ["C"], "C": [], "D": []}
    placement, unlinked = load_order(graph)
    assert levels(placement) == {"A": 2, "B": 1, "C": 0, "D": 0}
    assert_loadable(graph, placement, unlinked)


def test_positions_keep_listing_order_within_each_level():
    graph = {"Z": ["Y"], "X": [], "W": ["Y"], "Y": [], "V": ["X"]}
    placement, _ = load_order(graph)
    assert placement == {"X": (0, 0), "Y": (0, 1), "Z": (1, 0), "W": (1, 1), "V": (1, 2)}


def test_callees_outside_the_project_do_not_delay_the_caller_and_are_reported_unlinked():
    graph = {"SA-T1": ["OTHER-T9", "SA-T2"], "SA-T2": ["GONE-T1"]}
    placement, unlinked = load_order(graph)
    assert placement == {"SA-T2": (0, 0), "SA-T1": (1, 0)}
    assert unlinked == {"SA-T1": {"OTHER-T9"}, "SA-T2": {"GONE-T1"}}


def test_a_callee_listed_twice_counts_once():
    graph = {"A": ["B", "B", "B"], "B": []}
    placement, unlinked = load_order(graph)
    assert placement == {"B": (0, 0), "A": (1, 0)}
    assert unlinked == {}


def test_a_self_call_is_reported_unlinked_and_does_not_block_the_case():
    placement, unlinked = load_order({"A": ["A"], "B": ["A"]})
    assert placement == {"A": (0, 0), "B": (1, 0)}
    assert unlinked == {"A": {"A"}}


def test_an_empty_graph_is_empty():
    assert load_order({}) == ({}, {})


CYCLES = [
    {"A": ["B"], "B": ["A"]},
    {"A": ["B"], "B": ["C"], "C": ["A"]},
    {"Free": [], "A": ["B"], "B": ["A", "Free"], "User": ["Free"]},
    {"A": ["B"], "B": ["A"], "C": ["D"], "D": ["C"], "E": []},
    {"A": ["B", "C"], "B": ["C"], "C": ["A"]},
]


@pytest.mark.parametrize("graph", CYCLES)
def test_every_kept_link_in_a_graph_with_cycles_is_loadable(graph):
    placement, unlinked = load_order(graph)
    assert_loadable(graph, placement, unlinked)
    assert set(placement) == set(graph)
    assert unlinked, "a cycle must break at least one call"


@pytest.mark.parametrize("graph, broken", [(CYCLES[0], 1), (CYCLES[1], 1), (CYCLES[2], 1), (CYCLES[3], 2),
                                           (CYCLES[4], 1)])
def test_each_cycle_loses_exactly_one_link(graph, broken):
    _, unlinked = load_order(graph)
    assert sum(len(missing) for missing in unlinked.values()) == broken


def test_a_two_case_cycle_breaks_the_call_that_closes_it():
    placement, unlinked = load_order({"A": ["B"], "B": ["A"]})
    assert unlinked == {"B": {"A"}}
    assert levels(placement) == {"B": 0, "A": 1}


def test_cases_calling_into_a_cycle_are_placed_and_nothing_is_dropped():
    graph = {"A": ["B"], "B": ["A"], "C": ["A"], "D": []}
    placement, unlinked = load_order(graph)
    assert set(placement) == {"A", "B", "C", "D"}
    assert placement["D"] == (0, 0)
    assert_loadable(graph, placement, unlinked)


def test_a_case_calling_into_a_cycle_keeps_its_link():
    graph = {"A": ["B"], "B": ["A"], "C": ["A"]}
    placement, unlinked = load_order(graph)
    assert "C" not in unlinked
    assert placement["C"][0] > placement["A"][0]


def test_a_long_chain_is_ordered_quickly():
    n = 2000
    graph = {f"T{i}": [f"T{i + 1}"] if i < n - 1 else [] for i in range(n)}
    placement, unlinked = load_order(graph)
    assert placement["T0"] == (n - 1, 0) and placement[f"T{n - 1}"] == (0, 0)
    assert unlinked == {}
