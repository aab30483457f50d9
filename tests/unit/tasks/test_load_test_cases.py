"""LoadTestCases.work with a fake qTest: what is created, what is recorded, what fails without stopping the batch."""

from ztoq_luigi.clients.errors import AmbiguousWriteError, RequestRejectedError
from ztoq_luigi.db.entities import assign_load_order, mapped, mark_created, mark_pending, save_transformed
from ztoq_luigi.db.journal import errors_of_run, start_run
from ztoq_luigi.db.models import Marker
from ztoq_luigi.db.readback import read_by_id
from ztoq_luigi.kinds import Entity, MarkerKind, Snapshot, WriteState
from ztoq_luigi.tasks.load.design import LoadTestCases
from tests.unit.tasks.conftest import KEY


def payload(key, module="10", called=None):
    steps = [{"description": "Open the page", "expected": "It opens"}]
    if called:
        steps.append({"description": f"Call to test {called}", "expected": "", "called": called})
    return {"name": f"Case {key}", "module": module, "description": "", "precondition": "",
            "properties": {"Zephyr Key": key, "Priority": "High"}, "steps": steps}


def seed(cases, level=0):
    save_transformed(KEY, Entity.TEST_CASE, [(key, body, "hash", [], n) for n, (key, body) in enumerate(cases)])
    assign_load_order(KEY, Entity.TEST_CASE, {key: (level, n) for n, (key, _) in enumerate(cases)})
    mark_pending(KEY, Entity.MODULE, "module", ["10"])
    mark_created(KEY, Entity.MODULE, "10", 555)


def batch(level=0):
    return LoadTestCases(project_key=KEY, batch_size=50, batch_no=0, level=level)


def test_each_case_is_created_in_its_module_with_its_fields_as_ids(ctx, fake_qtest):
    seed([("PROJ-T1", payload("PROJ-T1")), ("PROJ-T2", payload("PROJ-T2"))])
    start_run(KEY, "run", ["load"], {})
    batch().work(ctx)
    assert [case["name"] for case in fake_qtest.created_cases] == ["Case PROJ-T1", "Case PROJ-T2"]
    first = fake_qtest.created_cases[0]
    assert first["parent_id"] == 555
    assert {"field_id": 1, "field_value": "11"} in first["properties"]
    rows = mapped(KEY, Entity.TEST_CASE)
    assert {key: (row.state, row.target_id) for key, row in rows.items()} == {
        "PROJ-T1": (WriteState.CREATED, str(first["id"])),
        "PROJ-T2": (WriteState.CREATED, str(fake_qtest.created_cases[1]["id"]))}
    marker = Marker.get(Marker.name == batch().marker_name())
    assert (marker.kind, marker.retryable, marker.item_count, marker.failed_count) == (MarkerKind.BATCH, True, 2, 0)


def test_a_rejected_case_is_an_error_and_the_rest_of_the_batch_is_loaded(ctx, fake_qtest):
    seed([("PROJ-T1", payload("PROJ-T1")), ("PROJ-T2", payload("PROJ-T2", module="99"))])
    fake_qtest.fail["create_test_case"] = [RequestRejectedError("qTest POST /test-cases answered 400: bad name",
                                                                status=400, excerpt="bad name")]
    run = start_run(KEY, "run", ["load"], {})
    batch().work(ctx)
    errors = sorted(errors_of_run(KEY, run.id), key=lambda error: error.entity_key)  # the cases load side by side
    assert [(error.entity_key, error.http_status) for error in errors] == [("PROJ-T1", 400), ("PROJ-T2", None)]
    assert "its module (Zephyr folder 99) is not in qTest" in errors[1].message
    assert fake_qtest.created_cases == []
    marker = Marker.get(Marker.name == batch().marker_name())
    assert (marker.item_count, marker.failed_count) == (0, 2)


def test_a_lost_answer_is_looked_up_before_the_case_is_sent_again(ctx, fake_qtest):
    seed([("PROJ-T1", payload("PROJ-T1"))])
    start_run(KEY, "run", ["load"], {})
    original = fake_qtest.create_test_case

    def applied_but_unanswered(body):
        original(body)
        fake_qtest.create_test_case = original
        raise AmbiguousWriteError("qTest POST /test-cases answered 502 to a write", status=502)

    fake_qtest.create_test_case = applied_but_unanswered
    batch().work(ctx)
    assert len(fake_qtest.created_cases) == 1
    assert mapped(KEY, Entity.TEST_CASE)["PROJ-T1"].target_id == str(fake_qtest.created_cases[0]["id"])


def test_a_call_to_a_case_not_in_qtest_is_kept_as_text_with_a_warning(ctx, fake_qtest):
    seed([("PROJ-T2", payload("PROJ-T2", called="PROJ-T9"))], level=1)
    start_run(KEY, "run", ["load"], {})
    batch(level=1).work(ctx)
    steps = fake_qtest.created_cases[0]["test_steps"]
    assert [step.get("called_test_case_id") for step in steps] == [None, None]
    assert steps[1]["description"] == "Call to test PROJ-T9"


def test_the_answers_of_the_batch_s_creations_are_kept_for_the_logs_of_their_runs(ctx, fake_qtest):
    seed([("PROJ-T1", payload("PROJ-T1")), ("PROJ-T2", payload("PROJ-T2"))])
    start_run(KEY, "run", ["load"], {})
    original = fake_qtest.create_test_case

    def answered_with_version(body):
        case = original(body)
        return dict(case, test_case_version_id=case["id"] + 1000,
                    test_steps=[dict(step, id=case["id"] * 10 + n) for n, step in enumerate(body["test_steps"])])

    fake_qtest.create_test_case = answered_with_version
    batch().work(ctx)
    kept = read_by_id(KEY, Snapshot.LOADED_TEST_CASE, [case["id"] for case in fake_qtest.created_cases])
    assert sorted((payload["id"], payload["test_case_version_id"], len(payload["test_steps"]))
                  for payload in kept.values()) == sorted(
        (case["id"], case["id"] + 1000, 1) for case in fake_qtest.created_cases)
