"""The status screen: the Adopted column and the JSON `adopted` appear only when qTest objects were adopted."""

import json

from ztoq_luigi.db.state import EntityCounts, ProjectSummary
from ztoq_luigi.reports.status import render_status, status_json


def summary(adopted):
    return ProjectSummary(project_key="PROJ", latest_run=None, run_count=1, entities={
        "testcase": EntityCounts(extracted=3, transformed=3, created=3, adopted=adopted),
        "module": EntityCounts(extracted=1, transformed=1, created=1)})


def test_adopted_objects_get_a_column_and_a_json_count():
    lines = render_status(summary(2)).splitlines()
    table = lines.index(next(line for line in lines if line.startswith("Written to qTest")))
    assert lines[table].split()[3:] == ["Ready", "In", "qTest", "Adopted", "Validated", "Failed"]
    row = next(line for line in lines[table:] if line.startswith("Test cases"))
    assert row.split()[2:] == ["3", "3", "2", "0", "0"]
    status = json.loads(status_json(summary(2)))
    assert status["adopted"] == {"testcase": 2}
    assert status["entities"]["module"]["adopted"] == 0


def test_a_migration_that_adopted_nothing_shows_no_adopted_column():
    assert "Adopted" not in render_status(summary(0))
    assert json.loads(status_json(summary(0)))["adopted"] == {}
