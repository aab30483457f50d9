"""LoadRuns.work with a fake qTest: the runs of a window are created side by side, each once."""

import dataclasses
import threading

from ztoq_luigi.db.entities import mapped, mark_created, mark_pending, save_transformed
from ztoq_luigi.kinds import LOADED, Entity
from ztoq_luigi.services.case_steps import remember_case
from ztoq_luigi.tasks.load.execution import LoadRuns
from tests.unit.tasks.conftest import KEY, FakeContext

RUNS = 4


class RunsQTest:
    """Creates runs; each create waits until `side_by_side` creates are in flight at once (or times out)."""

    def __init__(self, side_by_side):
        self.barrier = threading.Barrier(side_by_side, timeout=5)
        self.created, self.lock = [], threading.Lock()

    def fields(self, object_type):
        return [{"id": 9, "label": "Zephyr Key"}] if object_type == "test-runs" else []

    def execution_statuses(self):
        return [{"id": 601, "name": "Passed"}]

    def create_test_run(self, body, parent_id):
        self.barrier.wait()
        with self.lock:
            self.created.append((parent_id, body["properties"][0]["field_value"]))
            return {"id": 7000 + len(self.created)}


def seed():
    steps = [{"description": "Open", "expected": "Opens"}]
    save_transformed(KEY, Entity.TEST_CASE, [("PROJ-T1", {"name": "Case", "steps": steps}, "hash", [], 0)])
    for entity_type, source_id, target_id in ((Entity.TEST_CASE, "PROJ-T1", 500), (Entity.CYCLE, "PROJ-R1", 900)):
        mark_pending(KEY, entity_type, "x", [source_id])
        mark_created(KEY, entity_type, source_id, target_id)
    remember_case(KEY, "PROJ-T1", {"id": 500, "test_case_version_id": 1, "test_steps": [{"id": 71, "order": 1}]}, 1)
    runs = [(f"PROJ-R1/PROJ-T1#{n}", {"key": f"PROJ-R1/PROJ-T1#{n}", "cycle": "PROJ-R1", "case": "PROJ-T1",
                                      "name": "Case", "logs": []}, "hash", ["PROJ-T1"], 0) for n in range(RUNS)]
    save_transformed(KEY, Entity.TEST_RUN, runs)


def test_the_runs_of_a_window_are_created_side_by_side_and_each_once(settings, database):
    seed()
    qtest = RunsQTest(side_by_side=RUNS)
    ctx = FakeContext(dataclasses.replace(settings, project_key=KEY, max_workers=RUNS), qtest=qtest)
    LoadRuns(project_key=KEY, batch_size=1, batch_no=0).work(ctx)
    assert sorted(qtest.created) == [(900, f"PROJ-R1/PROJ-T1#{n}") for n in range(RUNS)]
    rows = mapped(KEY, Entity.TEST_RUN)
    assert len(rows) == RUNS and all(row.state in LOADED for row in rows.values())
