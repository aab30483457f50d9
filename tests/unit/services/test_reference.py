"""services/reference.py: reference data read once per run, read again only after the run's own field writes."""

import threading

from ztoq_luigi.services.reference import Reference


class CountingQTest:
    def __init__(self):
        self.reads = []
        self.labels = ["Priority"]

    def fields(self, object_type):
        self.reads.append(("fields", object_type))
        return [{"id": n, "label": label} for n, label in enumerate(self.labels)]

    def execution_statuses(self):
        self.reads.append(("statuses",))
        return [{"id": 601, "name": "Passed"}]


class CountingZephyr:
    def __init__(self):
        self.reads = 0

    def project(self, key):
        self.reads += 1
        return {"key": key, "id": 1}


def test_each_value_is_read_once_however_many_ask():
    qtest, zephyr = CountingQTest(), CountingZephyr()
    reference = Reference(lambda: qtest, lambda: zephyr)
    for _ in range(5):
        assert reference.fields("test-cases")[0]["label"] == "Priority"
        reference.fields("test-runs")
        assert reference.execution_statuses() == [{"id": 601, "name": "Passed"}]
        assert reference.zephyr_project("SBX")["key"] == "SBX"
    assert sorted(qtest.reads) == [("fields", "test-cases"), ("fields", "test-runs"), ("statuses",)]
    assert zephyr.reads == 1


def test_threads_asking_at_once_share_one_read():
    qtest = CountingQTest()
    reference = Reference(lambda: qtest, lambda: None)
    threads = [threading.Thread(target=reference.fields, args=("test-cases",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert qtest.reads == [("fields", "test-cases")]


def test_after_a_field_write_the_next_read_asks_qtest_again():
    qtest = CountingQTest()
    reference = Reference(lambda: qtest, lambda: None)
    reference.fields("test-cases")
    reference.fields("test-runs")
    qtest.labels.append("Tier")
    reference.forget("test-cases")
    assert [field["label"] for field in reference.fields("test-cases")] == ["Priority", "Tier"]
    reference.fields("test-runs")
    assert qtest.reads.count(("fields", "test-cases")) == 2 and qtest.reads.count(("fields", "test-runs")) == 1


def test_what_a_caller_changes_in_its_copy_stays_its_own():
    reference = Reference(lambda: CountingQTest(), lambda: None)
    reference.fields("test-cases")[0]["label"] = "changed"
    assert reference.fields("test-cases")[0]["label"] == "Priority"
