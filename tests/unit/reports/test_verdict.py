"""The report's first line: what is in the way of switching to qTest, most important first."""

from types import SimpleNamespace

import pytest

from ztoq_luigi.db.state import EntityCounts, ProjectSummary
from ztoq_luigi.reports.verdict import verdict

ALL = ["extract", "transform", "load", "validate"]


def summary(phases_done=ALL, failed=0, validation=None):
    return ProjectSummary("P", None, 1, entities={"testcase": EntityCounts(extracted=5, failed=failed)},
                          validation=validation or {}, phases_done=phases_done)


def run(status="succeeded", message=None):
    return SimpleNamespace(id=3, status=status, message=message)


@pytest.mark.parametrize("state, latest, expected, good", [
    (summary(), run(), "complete", True),
    (summary(phases_done=ALL[:3]), run(), "not-validated", False),
    (summary(validation={"error": 2, "warning": 1}), run(), "validation-failed", False),
    (summary(failed=2, validation={"error": 2}), run("failed"), "problems", False),
    (summary(phases_done=ALL[:1]), run("failed", "qTest GET answered 500"), "stopped", False),
    (summary(phases_done=ALL[:2]), run(), "incomplete", False),
    (summary(), run("running"), "running", False),
    (summary(), None, "not-started", False),
])
def test_verdicts(state, latest, expected, good):
    result = verdict(state, latest)
    assert result["status"] == expected and result["good"] is good and result["headline"]


def test_a_stopped_run_says_why_and_what_to_do():
    headline = verdict(summary(phases_done=["extract"]), run("failed", "qTest GET answered 500"))["headline"]
    assert "before the transform and load phases finished" in headline and "qTest GET answered 500" in headline and "resume" in headline
