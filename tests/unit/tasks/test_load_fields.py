"""PrepareTestCaseFields.work with a fake qTest: refuse a mapping that does not fit, create what is missing once."""

import pytest

from ztoq_luigi.clients.errors import AmbiguousWriteError
from ztoq_luigi.db.entities import mapped, save_extracted, save_transformed
from ztoq_luigi.db.journal import start_run
from ztoq_luigi.kinds import Entity, WriteState
from ztoq_luigi.services.fields import MappingConfigError
from ztoq_luigi.tasks.load.fields import PrepareTestCaseFields
from tests.unit.tasks.conftest import KEY

PLAN = [{"label": "Zephyr Key", "kind": "text", "origin": "key", "values": []},
        {"label": "Tier", "kind": "combo box", "origin": "custom", "values": ["Gold", "Silver"], "zephyr_name": "Tier"}]


def seed(priorities=("High", "Normal", "Low"), plan=PLAN):
    save_extracted(KEY, Entity.PRIORITY, [(n, {"id": n, "name": name}, n) for n, name in enumerate(priorities)])
    save_extracted(KEY, Entity.TEST_CASE_STATUS, [(1, {"id": 1, "name": "Draft"}, 0)])
    save_transformed(KEY, Entity.FIELD_PLAN, [(entry["label"], entry, "hash", [], n) for n, entry in enumerate(plan)])
    start_run(KEY, "run", ["load"], {})


def test_a_mapped_priority_the_target_lacks_stops_the_load_before_anything_is_created(ctx, fake_qtest):
    seed(priorities=("High", "Urgent"))
    with pytest.raises(MappingConfigError) as refused:
        PrepareTestCaseFields(project_key=KEY).work(ctx)
    assert str(refused.value) == ("the mapping names qTest values that do not exist: qTest field 'Priority' has no "
                                  "value 'Urgent' (it has: High, Medium, Low); expected values of the target project "
                                  "(see --mapping)")
    assert [field["label"] for field in fake_qtest.fields("test-cases")] == ["Priority", "Status", "Zephyr Key"]


def test_a_missing_field_is_created_with_its_choices_and_every_plan_field_is_mapped(ctx, fake_qtest):
    seed()
    PrepareTestCaseFields(project_key=KEY).work(ctx)
    tier = next(field for field in fake_qtest.fields("test-cases") if field["label"] == "Tier")
    assert tier["data_type"] == 3 and [value["label"] for value in tier["allowed_values"]] == ["Gold", "Silver"]
    rows = mapped(KEY, Entity.FIELD_PLAN)
    assert {label: (row.state, row.target_id) for label, row in rows.items()} == {
        "Zephyr Key": (WriteState.CREATED, "3"), "Tier": (WriteState.CREATED, str(tier["id"]))}


def test_choices_whose_answer_was_lost_are_not_added_twice(ctx, fake_qtest):
    fake_qtest.create_field("test-cases", {"label": "Tier", "data_type": 3, "allowed_values": [{"label": "Gold"}]})
    fake_qtest.fail["add_allowed_values"] = [AmbiguousWriteError("qTest answered 502 to a write", status=502)]
    seed()
    PrepareTestCaseFields(project_key=KEY).work(ctx)
    tier = next(field for field in fake_qtest.fields("test-cases") if field["label"] == "Tier")
    assert [value["label"] for value in tier["allowed_values"]] == ["Gold", "Silver"]
    assert fake_qtest.allowed_value_posts == [["Silver"]]
