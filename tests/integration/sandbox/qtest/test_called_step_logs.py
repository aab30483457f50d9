"""qTest simulator: step logs of a test case that calls other cases, nested calls included.

The swagger (submit test log) requires `called_test_case_id` and
`parent_test_step_id` on the step logs of called steps. The case under test
here runs: its own step, then through its call step the steps of Middle,
which in turn calls Leaf, then its own last step.
"""

import pytest

from tests.integration.sandbox.qtest.helpers import client, qtest, qtest_server  # noqa: F401

START, END = "2024-05-01T10:00:00+00:00", "2024-05-01T10:05:00+00:00"


@pytest.fixture
def chain(client):
    leaf = client.case("Leaf", steps=[{"description": "l1", "expected": ""}, {"description": "l2", "expected": ""}])
    middle = client.case("Middle", steps=[{"description": "m1", "expected": ""},
                                          {"description": "call", "expected": "", "called_test_case_id": leaf["id"]}])
    top = client.case("Top", steps=[{"description": "t1", "expected": ""},
                                    {"description": "call", "expected": "", "called_test_case_id": middle["id"]},
                                    {"description": "t2", "expected": ""}])
    top = client.put(f"/test-cases/{top['id']}/approve").json()
    run = client.run(top["id"], client.cycle("C")["id"])
    return {"top": top, "middle": middle, "leaf": leaf, "path": f"/test-runs/{run['id']}/test-logs"}


def step_log(step_id, order, called=None, parent=None, status=601):
    spec = {"test_step_id": step_id, "status": {"id": status}, "actual_result": f"result {order}", "order": order}
    if called is not None:
        spec["called_test_case_id"] = called
    if parent is not None:
        spec["parent_test_step_id"] = parent
    return spec


def documented(chain):
    """Every step the run executes, in order; the called ones through the top-level call step."""
    top, middle, leaf = chain["top"]["test_steps"], chain["middle"]["test_steps"], chain["leaf"]["test_steps"]
    call = top[1]["id"]
    return [step_log(top[0]["id"], 1),
            step_log(middle[0]["id"], 2, chain["middle"]["id"], call),
            step_log(leaf[0]["id"], 3, chain["leaf"]["id"], call),
            step_log(leaf[1]["id"], 4, chain["leaf"]["id"], call, status=602),
            step_log(top[2]["id"], 5)]


def submit(client, chain, step_logs):
    return client.post(chain["path"], json={"status": {"id": 602}, "exe_start_date": START, "exe_end_date": END,
                                            "test_step_logs": step_logs})


def test_called_steps_nested_ones_included_are_logged_and_read_back_with_both_ids(client, chain):
    logged = submit(client, chain, documented(chain))
    assert logged.status_code == 201, logged.text
    wanted = [(s["test_step_id"], s.get("called_test_case_id"), s.get("parent_test_step_id"), s["status"]["id"],
               s["actual_result"], s["order"]) for s in documented(chain)]

    def shown(log):
        return [(s["test_step_id"], s.get("called_test_case_id"), s.get("parent_test_step_id"), s["status"]["id"],
                 s["actual_result"], s["order"]) for s in log["test_step_logs"]]

    assert shown(logged.json()) == wanted
    assert shown(client.get(f"{chain['path']}/{logged.json()['id']}").json()) == wanted
    assert shown(client.get(chain["path"]).json()["items"][0]) == wanted


def test_a_call_step_has_no_step_log_of_its_own(client, chain):
    top_call = chain["top"]["test_steps"][1]["id"]
    refused = submit(client, chain, [step_log(top_call, 2)])
    assert refused.status_code == 400 and "calls test case" in refused.json()["message"]
    nested_call = chain["middle"]["test_steps"][1]["id"]
    assert submit(client, chain, [step_log(nested_call, 3, chain["middle"]["id"], top_call)]).status_code == 400
    assert client.get(chain["path"]).json()["total"] == 0


@pytest.mark.parametrize("leave_out", ["called_test_case_id", "parent_test_step_id", "both"])
def test_a_called_step_needs_both_ids(client, chain, leave_out):
    spec = documented(chain)[1]
    for name in ("called_test_case_id", "parent_test_step_id") if leave_out == "both" else (leave_out,):
        del spec[name]
    refused = submit(client, chain, [spec])
    assert refused.status_code == 400
    assert "called_test_case_id and parent_test_step_id" in refused.json()["message"]
    assert client.get(chain["path"]).json()["total"] == 0


def test_called_step_ids_must_follow_the_call_structure(client, chain):
    top, middle, leaf = chain["top"], chain["middle"], chain["leaf"]
    top_call, nested_call = top["test_steps"][1]["id"], middle["test_steps"][1]["id"]
    leaf_step = leaf["test_steps"][0]["id"]
    assert submit(client, chain, [step_log(leaf_step, 1, leaf["id"], top_call)]).status_code == 201
    mismatches = [
        step_log(leaf_step, 1, leaf["id"], nested_call),  # the parent is the call step of the logged version
        step_log(leaf_step, 1, middle["id"], top_call),  # the step belongs to Leaf, not to Middle
        step_log(leaf_step, 1, top["id"], top_call),  # Top is not called through its own call step
        step_log(top["test_steps"][0]["id"], 1, middle["id"], top_call),  # Top's own step is not a called one
        step_log(leaf_step, 1, leaf["id"], top["test_steps"][0]["id"]),  # the parent must be a call step
    ]
    for spec in mismatches:
        assert submit(client, chain, [spec]).status_code == 400, spec
    assert client.get(chain["path"]).json()["total"] == 1
