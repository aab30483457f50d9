"""The status screen of a run shared by several hosts: who is on it, and how they shared its batches."""

import datetime
import json
from types import SimpleNamespace

from ztoq_luigi.db.state import ProjectSummary
from ztoq_luigi.reports.status import render_status, status_json

SINCE = datetime.datetime(2026, 12, 7, 9, 0, 1)


def summary(hosts, batches):
    run = SimpleNamespace(id=3, command="run", phases="extract load", status="running", started_at=SINCE,
                          finished_at=None, message=None)
    return ProjectSummary(project_key="PROJ", latest_run=run, run_count=3, hosts=hosts, batches_by_host=batches)


def test_the_hosts_on_the_run_and_their_batches_are_shown():
    hosts = [SimpleNamespace(host="build-1", pid=11, joined_at=SINCE), SimpleNamespace(host="build-2", pid=22,
                                                                                        joined_at=SINCE)]
    shared = summary(hosts, {"build-1 pid 11": 12, "build-2 pid 22": 30})
    lines = render_status(shared).splitlines()
    assert "Hosts on the run: build-1 pid 11 (since 2026-12-07 09:00:01), build-2 pid 22 (since 2026-12-07 " \
           "09:00:01)" in lines
    assert "Batches by host in run #3: build-1 pid 11 12, build-2 pid 22 30" in lines
    status = json.loads(status_json(shared))
    assert status["hosts"] == [{"host": "build-1", "pid": 11, "since": "2026-12-07 09:00:01"},
                               {"host": "build-2", "pid": 22, "since": "2026-12-07 09:00:01"}]
    assert status["batches_by_host"] == {"build-1 pid 11": 12, "build-2 pid 22": 30}


def test_a_finished_run_of_one_host_shows_neither():
    text = render_status(summary([], {"build-1 pid 11": 12}))
    assert "Hosts on the run" not in text and "Batches by host" not in text
