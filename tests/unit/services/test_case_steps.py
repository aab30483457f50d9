"""services/case_steps.py: the load takes a case's version and step ids from its last write's answer, else reads it."""

from ztoq_luigi.db.entities import mark_created, mark_pending, save_transformed
from ztoq_luigi.kinds import Entity
from ztoq_luigi.services.case_steps import CaseSteps, forget_case, remember_case

KEY = "PROJ"


class ReadingQTest:
    """Answers GET test-cases/{id} with version 2 of the case, and counts the reads."""

    def __init__(self):
        self.reads = []

    def test_case(self, case_id):
        self.reads.append(case_id)
        return answer(case_id, version=2, step_ids=(81, 82))


def answer(case_id, version=1, step_ids=(71, 72)):
    return {"id": case_id, "name": "Case", "test_case_version_id": version, "description": "long text",
            "test_steps": [{"id": step_id, "order": n, "description": "step", "expected": "ok"}
                           for n, step_id in enumerate(step_ids, start=1)]}


def seed(case_id=500):
    steps = [{"description": "Open", "expected": "Opens"}, {"description": "Close", "expected": "Closes"}]
    save_transformed(KEY, Entity.TEST_CASE, [("PROJ-T1", {"name": "Case", "steps": steps}, "hash", [], 0)])
    mark_pending(KEY, Entity.TEST_CASE, "test-case", ["PROJ-T1"])
    mark_created(KEY, Entity.TEST_CASE, "PROJ-T1", case_id)


def step_ids(steps):
    return [slot.test_step_id for slot in steps.slots]


def test_a_case_kept_from_its_create_answer_is_not_read_back(database):
    seed()
    remember_case(KEY, "PROJ-T1", answer(500), 2)
    qtest = ReadingQTest()
    steps = CaseSteps(KEY, lambda: qtest).of("PROJ-T1")
    assert (steps.version_id, step_ids(steps), qtest.reads) == (1, [71, 72], [])


def test_an_answer_without_every_step_is_not_kept_and_the_case_is_read(database):
    seed()
    remember_case(KEY, "PROJ-T1", dict(answer(500), test_steps=None), 2)
    remember_case(KEY, "PROJ-T1", answer(500, step_ids=(71,)), 2)
    qtest = ReadingQTest()
    steps = CaseSteps(KEY, lambda: qtest).of("PROJ-T1")
    assert (steps.version_id, step_ids(steps), qtest.reads) == (2, [81, 82], ["500"])


def test_before_an_update_the_kept_answer_is_forgotten_and_the_next_answer_kept(database):
    seed()
    remember_case(KEY, "PROJ-T1", answer(500), 2)
    forget_case(KEY, 500)
    qtest = ReadingQTest()
    assert CaseSteps(KEY, lambda: qtest).of("PROJ-T1").version_id == 2 and qtest.reads == ["500"]
    remember_case(KEY, "PROJ-T1", answer(500, version=3, step_ids=(91, 92)), 2)
    steps = CaseSteps(KEY, lambda: qtest).of("PROJ-T1")
    assert (steps.version_id, step_ids(steps), qtest.reads) == (3, [91, 92], ["500"])


def test_a_window_prepares_its_cases_in_bulk_before_its_runs_ask(database):
    seed()
    remember_case(KEY, "PROJ-T1", answer(500), 2)
    qtest = ReadingQTest()
    steps = CaseSteps(KEY, lambda: qtest)
    steps.prepare(["PROJ-T1", "PROJ-T9"])
    forget_case(KEY, 500)  # what prepare took is what the runs get, with no query or read per case
    assert (steps.of("PROJ-T1").version_id, step_ids(steps.of("PROJ-T1")), qtest.reads) == (1, [71, 72], [])
    assert steps.of("PROJ-T9").problem == "test case PROJ-T9 is not in qTest"
