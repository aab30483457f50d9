"""The steps an execution of a migrated test case runs in qTest, called steps included, in order.

Zephyr reports an execution's step results with every call to test expanded
where it stands: the called case's steps, and theirs, as deep as the calls
go; the call itself has no result. qTest wants each of them logged against
the called case's own step, naming `called_test_case_id` and
`parent_test_step_id` (swagger, submit test log). Which call step is the
parent of a step called two levels down the docs do not say; a test log is
bound to one version of the executed case, and the only call steps that
version holds are its own, so the parent is always the executed case's call
step through which the step runs, however deep it is called, and
`called_test_case_id` the case the step belongs to.

The Zephyr call structure (the transformed payloads) and the qTest one (the
migrated cases as read back) are walked side by side, so that a call kept as
text in qTest (its case not migrated, or a call cycle) or a case whose steps
differ in number is named, instead of results landing on the wrong steps.
"""

from dataclasses import dataclass, field


class Unplaceable(Exception):
    """Step results that cannot each be put on the step they were recorded for."""


@dataclass(frozen=True)
class Slot:
    """One step an execution runs: a step of the executed case, or a called step and the call it runs through."""

    test_step_id: int
    called_test_case_id: int = None
    parent_test_step_id: int = None

    def ids(self):
        """The ids its step log names."""
        if self.parent_test_step_id is None:
            return {"test_step_id": self.test_step_id}
        return {"test_step_id": self.test_step_id, "called_test_case_id": self.called_test_case_id,
                "parent_test_step_id": self.parent_test_step_id}


@dataclass
class RunSteps:
    """What a log of a migrated case holds: the version it binds to, and the slots in order or why they are unknown."""

    version_id: int = None
    slots: list = field(default_factory=list)
    problem: str = None


def run_steps(case_key, calls, cases):
    """The RunSteps of an execution of `case_key`.

    `calls` is {Zephyr key: [called Zephyr key or None, one per step]} and
    `cases` {Zephyr key: the migrated case as read from qTest with its
    steps}, for the executed case and every case it calls, as deep as the
    calls go; a key missing from `cases` is not in qTest.
    """
    case = cases.get(case_key)
    if case is None:
        return RunSteps(problem=f"test case {case_key} is not in qTest")
    slots = []
    try:
        _expand(case_key, calls, cases, None, (case_key,), slots)
    except Unplaceable as problem:
        return RunSteps(case.get("test_case_version_id"), problem=str(problem))
    return RunSteps(case.get("test_case_version_id"), slots)


def _expand(key, calls, cases, parent, path, slots):
    case = cases[key]
    steps = sorted(case.get("test_steps") or [], key=lambda step: step.get("order") or 0)
    planned = calls.get(key) or []
    if len(planned) != len(steps):
        raise Unplaceable(f"{key} has {len(planned)} steps in Zephyr but {len(steps)} in qTest")
    for number, (callee, step) in enumerate(zip(planned, steps), start=1):
        called_id = step.get("called_test_case_id")
        if callee is None and called_id is None:
            slots.append(Slot(step["id"], None if parent is None else case["id"], parent))
        elif callee is None:
            raise Unplaceable(f"step {number} of {key} calls qTest test case {called_id}, but no case in Zephyr")
        elif callee in path:
            cycle = " -> ".join(path + (callee,))
            raise Unplaceable(f"step {number} of {key} calls {callee} in a call cycle ({cycle})")
        elif callee not in cases:
            raise Unplaceable(f"step {number} of {key} calls {callee}, which is not in qTest")
        elif called_id != cases[callee]["id"]:
            raise Unplaceable(f"step {number} of {key} calls {callee}, but in qTest it calls "
                              + ("no case (kept as text)" if called_id is None else f"test case {called_id}"))
        else:
            _expand(callee, calls, cases, step["id"] if parent is None else parent, path + (callee,), slots)
