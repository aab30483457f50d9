"""The Zephyr client pages the simulator, which refuses a startAt that is no multiple of the maxResults sent.

The simulator silently caps maxResults, as the spec allows: asked for 1000
and given 100, the client must send `startAt=100&maxResults=100` next, not
`maxResults=1000` again. Every list the migration reads is walked to the end
and compared with the dataset, record for record.
"""

import pytest

from ztoq_luigi.clients.http import RetryPolicy
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.sandbox.generator import generate_project
from ztoq_luigi.sandbox.zephyr.server import start_zephyr
from ztoq_luigi.sandbox.zephyr.store import ROOT_PLACEHOLDER
from ztoq_luigi.secrets import Secret

TOKEN = "paging-token"
LISTS = "GET", "/v2/testcases"


@pytest.fixture(scope="module")
def dataset():
    return generate_project(size=230, seed=1, project_key="PG")


@pytest.fixture
def serve(dataset):
    started = []

    def start(cap):
        app, server = start_zephyr(dataset, TOKEN, max_results_cap=cap)
        started.append(server)
        client = ZephyrClient(server.base_url, Secret(TOKEN), retry=RetryPolicy(attempts=1))
        return app, client

    yield start
    for server in started:
        server.stop()


def described(step, root):
    """What identifies a step in order: its description (with the host it names made neutral) or its call."""
    if step.get("inline"):
        return (step["inline"].get("description") or "").replace(root, "ROOT")
    return step["testCase"]["testCaseKey"]


@pytest.mark.parametrize("cap", [100, 7, 1000])
def test_every_list_is_read_whole_whatever_the_cap(serve, dataset, cap):
    app, client = serve(cap)
    assert [case["key"] for case in client.test_cases("PG")] == [case["key"] for case in dataset.testcases]
    assert [execution["key"] for execution in client.test_executions("PG")] == [
        execution["key"] for execution in dataset.testexecutions]
    longest = max(dataset.testcases, key=lambda case: len(case["steps"]))
    steps = client.test_steps(longest["key"])
    assert len(steps) == len(longest["steps"]) > 100
    assert [described(step, app.root_url) for step in steps] == [
        described(step, ROOT_PLACEHOLDER) for step in longest["steps"]]
    assert app.counters.get(*LISTS) == -(-len(dataset.testcases) // min(cap, 1000))


def test_capped_at_100_after_asking_1000_the_next_pages_ask_for_100(serve, dataset):
    app, client = serve(100)
    seen = []
    original = app.dispatch

    def recording(request):
        if request.path == "/v2/testcases":
            seen.append((request.arg("startAt"), request.arg("maxResults")))
        return original(request)

    app.dispatch = recording
    assert len(list(client.test_cases("PG"))) == 230
    assert seen == [("0", "1000"), ("100", "100"), ("200", "100")]
