"""The adoption surveys (tasks/load/survey.py over services/adoption.py) with a fake qTest that records its reads.

What a lost state database must not do is create again what qTest holds:
these check what is adopted, what it costs in requests, and that nothing
is ever written.
"""

import dataclasses

import pytest

from ztoq_luigi.db.entities import adopted_counts, mapped, mark_created, mark_pending, save_transformed
from ztoq_luigi.db.journal import start_run
from ztoq_luigi.db.models import Event
from ztoq_luigi.kinds import Entity, WriteState
from ztoq_luigi.services.adoption import CHUNK, survey_logs, survey_uploads
from ztoq_luigi.tasks.load.survey import SurveyTestDesign, SurveyTestExecution
from tests.unit.tasks.conftest import KEY, FakeContext


class SurveyedQTest:
    """Answers the survey's listings from lists; every call is recorded, and any write fails the test."""

    base_url, project_id = "https://qtest.example/api/v3", 7

    def __init__(self, modules=(), cases=(), releases=(), cycles=(), runs=(), logs=(), attachments=(), files=None):
        self.modules, self.cases, self._releases, self.cycles = list(modules), list(cases), list(releases), list(cycles)
        self.runs, self.logs, self.attachments, self.files = list(runs), list(logs), list(attachments), files or {}
        self.calls = []

    def module_tree(self):
        self.calls.append(("module_tree",))
        return self.modules

    def test_cycle_tree(self):
        self.calls.append(("test_cycle_tree",))
        return self.cycles

    def releases(self):
        self.calls.append(("releases",))
        return self._releases

    def test_cases(self, parent_id=None, steps=True):
        self.calls.append(("test_cases", parent_id, steps))
        return self.cases

    def test_runs(self, parent_id, parent_type="test-cycle"):
        self.calls.append(("test_runs", parent_id))
        return [run for run in self.runs if run["parent_id"] == parent_id]

    def search(self, object_type, query):
        self.calls.append(("search", object_type, query))
        return [log for log in self.logs if not log.get("not_indexed")]

    def test_logs(self, run_id):
        self.calls.append(("test_logs", run_id))
        return [log for log in self.logs if log["test_run_id"] == run_id]

    def attachments_of(self, object_type, object_ids):
        self.calls.append(("attachments_of", object_type, tuple(object_ids)))
        return [a for a in self.attachments if str(a["artifact_id"]) in {str(i) for i in object_ids}]

    def download_attachment(self, object_type, object_id, attachment_id, destination):
        self.calls.append(("download", attachment_id))
        return self.files[attachment_id], "text/plain", 1

    def __getattr__(self, name):
        if name.startswith(("create_", "update_", "upload_", "add_")):
            pytest.fail(f"the survey wrote to qTest: {name}")
        raise AttributeError(name)


def survey(task, settings, qtest):
    start_run(KEY, "run", ["load"], {})
    task(project_key=KEY).work(FakeContext(dataclasses.replace(settings, project_key=KEY), qtest=qtest))


def keyed(item_id, key):
    return {"id": item_id, "properties": [{"field_name": "Zephyr Key", "field_value": key}]}


def seed_design(cases=("PROJ-T1", "PROJ-T2", "PROJ-T3")):
    save_transformed(KEY, Entity.MODULE, [
        ("10", {"source_id": "10", "name": "Web", "parent": None, "depth": 0, "description": "Zephyr folder 10"},
         "h", [], 0),
        ("11", {"source_id": "11", "name": "Login", "parent": "10", "depth": 1, "description": "Zephyr folder 11"},
         "h", ["10"], 1)])
    save_transformed(KEY, Entity.TEST_CASE, [(key, {"name": key}, "h", [], n) for n, key in enumerate(cases)])


def test_a_lost_state_adopts_the_modules_and_cases_qtest_holds_and_says_how_many(settings, database):
    seed_design()
    qtest = SurveyedQTest(modules=[{"id": 500, "name": "Web", "children": [{"id": 501, "name": "Login"}]}],
                          cases=[keyed(900, "PROJ-T1"), keyed(901, "PROJ-T3"), keyed(902, "OTHER-T1")])
    survey(SurveyTestDesign, settings, qtest)
    cases = mapped(KEY, Entity.TEST_CASE)
    assert {key: (row.target_id, row.state, row.adopted) for key, row in cases.items()} == {
        "PROJ-T1": ("900", WriteState.CREATED, True), "PROJ-T3": ("901", WriteState.CREATED, True)}
    assert {key: row.target_id for key, row in mapped(KEY, Entity.MODULE).items()} == {"10": "500", "11": "501"}
    assert adopted_counts(KEY) == {"module": 2, "testcase": 2}
    assert qtest.calls == [("module_tree",), ("test_cases", None, False)]
    assert "qTest already holds 2 modules, 2 test cases of the test design" in Event.select().order_by(
        Event.id.desc()).first().message


def test_a_tree_holding_only_what_this_state_created_proves_there_is_no_case_to_look_for(settings, database):
    seed_design()
    mark_pending(KEY, Entity.MODULE, Entity.MODULE, ["10"])
    mark_created(KEY, Entity.MODULE, "10", 500)
    qtest = SurveyedQTest(modules=[{"id": 500, "name": "Web"}])
    survey(SurveyTestDesign, settings, qtest)
    assert qtest.calls == [("module_tree",)]
    assert adopted_counts(KEY) == {}


def test_a_pending_row_is_left_to_the_write_protocol(settings, database):
    seed_design(cases=("PROJ-T1",))
    mark_pending(KEY, Entity.TEST_CASE, "test-case", ["PROJ-T1"])
    qtest = SurveyedQTest(modules=[{"id": 777, "name": "Elsewhere"}], cases=[keyed(900, "PROJ-T1")])
    survey(SurveyTestDesign, settings, qtest)
    row = mapped(KEY, Entity.TEST_CASE)["PROJ-T1"]
    assert (row.state, row.adopted) == (WriteState.PENDING, False)
    assert not any(call[0] == "test_cases" for call in qtest.calls)


def test_runs_are_searched_only_in_adopted_cycles_and_logs_only_in_adopted_runs(settings, database):
    save_transformed(KEY, Entity.RELEASE, [("PROJ-P1", {"source_id": "PROJ-P1", "name": "Plan",
                                                        "marker": "Zephyr key: PROJ-P1"}, "h", [], 0)])
    save_transformed(KEY, Entity.CYCLE, [
        ("PROJ-R1", {"source_id": "PROJ-R1", "name": "Sprint", "parent": None, "depth": 0,
                     "marker": "Zephyr key: PROJ-R1"}, "h", [], 0),
        ("PROJ-R2", {"source_id": "PROJ-R2", "name": "Mine", "parent": None, "depth": 0,
                     "marker": "Zephyr key: PROJ-R2"}, "h", [], 1)])
    logs = [{"execution": "PROJ-E1"}, {"execution": "PROJ-E2"}]
    save_transformed(KEY, Entity.TEST_RUN, [("PROJ-R1/PROJ-T1", {"logs": logs}, "h", [], 0),
                                            ("PROJ-R2/PROJ-T1", {"logs": [{"execution": "PROJ-E3"}]}, "h", [], 1)])
    mark_pending(KEY, Entity.CYCLE, "test-cycle", ["PROJ-R2"])
    mark_created(KEY, Entity.CYCLE, "PROJ-R2", 61)
    qtest = SurveyedQTest(
        releases=[{"id": 40, "name": "Plan", "description": "Zephyr key: PROJ-P1"}],
        cycles=[{"id": 60, "name": "Sprint", "description": "Zephyr key: PROJ-R1"},
                {"id": 61, "name": "Mine", "description": "Zephyr key: PROJ-R2"}],
        runs=[dict(keyed(70, "PROJ-R1/PROJ-T1"), parent_id=60), dict(keyed(71, "PROJ-R2/PROJ-T1"), parent_id=61)],
        logs=[{"id": 80, "test_run_id": 70, "note": "Zephyr execution PROJ-E1"},
              {"id": 81, "test_run_id": 12, "note": "Zephyr execution PROJ-E2"}])
    survey(SurveyTestExecution, settings, qtest)
    assert adopted_counts(KEY) == {"release": 1, "cycle": 1, "testrun": 1, "testlog": 1}
    assert mapped(KEY, Entity.TEST_LOG)["PROJ-E1"].target_id == "80"
    assert [call for call in qtest.calls if call[0] in ("test_runs", "search")] == [
        ("test_runs", 60), ("search", "test-logs", "Name is 'not empty'")]


def test_attachments_are_listed_for_many_objects_a_request():
    qtest = SurveyedQTest()
    survey_uploads(qtest, "test-logs", {str(n): [("k", "a.png", "sha")] for n in range(1, CHUNK + 2)})
    assert [len(call[2]) for call in qtest.calls] == [CHUNK, 1]


def test_files_are_found_by_name_and_only_namesakes_are_downloaded_to_tell_them_apart():
    qtest = SurveyedQTest(attachments=[{"id": 1, "name": "a.png", "artifact_id": 5},
                                       {"id": 2, "name": "b.png", "artifact_id": 5},
                                       {"id": 3, "name": "b.png", "artifact_id": 5},
                                       {"id": 4, "name": "a.png", "artifact_id": 6}],
                          files={2: "other", 3: "sha-b"})
    found = survey_uploads(qtest, "test-cases", {"5": [("k|a", "a.png", "sha-a"), ("k|b", "b.png", "sha-b"),
                                                       ("k|c", "c.png", "sha-c")]})
    assert found == {"k|a": "1", "k|b": "3"}
    assert [call for call in qtest.calls if call[0] == "attachments_of"] == [("attachments_of", "test-cases", ("5",))]
    assert sorted(call[1] for call in qtest.calls if call[0] == "download") == [2, 3]


def test_a_run_whose_logs_the_search_does_not_all_show_is_listed_itself():
    qtest = SurveyedQTest(logs=[{"id": 1, "test_run_id": 70, "note": "Zephyr execution P-E1"},
                                {"id": 2, "test_run_id": 70, "note": "Zephyr execution P-E2", "not_indexed": True},
                                {"id": 3, "test_run_id": 71, "note": "Zephyr execution P-E3"}])
    found = survey_logs(qtest, {"P-E1": "70", "P-E2": "70", "P-E3": "71", "P-E4": "72"})
    assert found == {"P-E1": "1", "P-E2": "2", "P-E3": "3"}
    assert [call for call in qtest.calls if call[0] == "test_logs"] == [("test_logs", 70), ("test_logs", 72)]
