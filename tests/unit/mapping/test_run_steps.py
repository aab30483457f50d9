"""The steps an execution of a migrated case runs in qTest: called steps through nested calls, and what blocks them."""

from ztoq_luigi.mapping.run_steps import RunSteps, Slot, run_steps


def qtest_case(case_id, version_id, *steps):
    """A case as qTest returns it; each step an id, or (id, called case id) for a call step."""
    def step(order, spec):
        if isinstance(spec, int):
            return {"id": spec, "order": order}
        return {"id": spec[0], "order": order, "called_test_case_id": spec[1]}

    return {"id": case_id, "test_case_version_id": version_id,
            "test_steps": [step(n, spec) for n, spec in enumerate(steps, start=1)]}


CALLS = {"T-TOP": [None, "T-MID", None], "T-MID": [None, "T-LEAF"], "T-LEAF": [None, None]}
CASES = {"T-TOP": qtest_case(100, 1100, 1001, (1002, 200), 1003),
         "T-MID": qtest_case(200, 2200, 2001, (2002, 300)),
         "T-LEAF": qtest_case(300, 3300, 3001, 3002)}


def test_a_case_without_calls_runs_its_own_steps():
    assert run_steps("T-LEAF", CALLS, CASES) == RunSteps(3300, [Slot(3001), Slot(3002)])


def test_called_steps_run_through_the_executed_cases_call_step_at_every_depth():
    assert run_steps("T-TOP", CALLS, CASES) == RunSteps(1100, [
        Slot(1001), Slot(2001, 200, 1002), Slot(3001, 300, 1002), Slot(3002, 300, 1002), Slot(1003)])
    assert Slot(3001, 300, 1002).ids() == {"test_step_id": 3001, "called_test_case_id": 300,
                                           "parent_test_step_id": 1002}
    assert Slot(1001).ids() == {"test_step_id": 1001}


def test_steps_are_taken_in_their_qtest_order():
    shuffled = dict(CASES, **{"T-LEAF": {"id": 300, "test_case_version_id": 3300, "test_steps": [
        {"id": 3002, "order": 2}, {"id": 3001, "order": 1}]}})
    assert run_steps("T-LEAF", CALLS, shuffled).slots == [Slot(3001), Slot(3002)]


def test_a_called_case_that_is_not_in_qtest_is_named():
    found = run_steps("T-TOP", CALLS, {key: case for key, case in CASES.items() if key != "T-LEAF"})
    assert found.version_id == 1100 and found.slots == []
    assert found.problem == "step 2 of T-MID calls T-LEAF, which is not in qTest"


def test_a_call_kept_as_text_in_qtest_is_named():
    texted = dict(CASES, **{"T-MID": qtest_case(200, 2200, 2001, 2002)})
    assert run_steps("T-TOP", CALLS, texted).problem == (
        "step 2 of T-MID calls T-LEAF, but in qTest it calls no case (kept as text)")
    elsewhere = dict(CASES, **{"T-MID": qtest_case(200, 2200, 2001, (2002, 100))})
    assert run_steps("T-TOP", CALLS, elsewhere).problem.endswith("but in qTest it calls test case 100")
    assert run_steps("T-MID", dict(CALLS, **{"T-MID": [None, None]}), CASES).problem == (
        "step 2 of T-MID calls qTest test case 300, but no case in Zephyr")


def test_a_call_cycle_is_named():
    calls = dict(CALLS, **{"T-LEAF": [None, "T-TOP"]})
    cases = dict(CASES, **{"T-LEAF": qtest_case(300, 3300, 3001, (3002, 100))})
    assert run_steps("T-TOP", calls, cases).problem == (
        "step 2 of T-LEAF calls T-TOP in a call cycle (T-TOP -> T-MID -> T-LEAF -> T-TOP)")


def test_steps_that_differ_in_number_are_named():
    calls = dict(CALLS, **{"T-LEAF": [None, None, None]})
    assert run_steps("T-TOP", calls, CASES).problem == "T-LEAF has 3 steps in Zephyr but 2 in qTest"


def test_an_executed_case_that_is_not_in_qtest_has_no_version():
    assert run_steps("T-GONE", CALLS, CASES) == RunSteps(None, [], "test case T-GONE is not in qTest")
