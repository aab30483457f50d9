"""Test cycles, test plans and test executions: the run history a migration must keep intact.

Each (cycle, case) pair runs several times, in every status, its first run on an older case
version when there is one; some runs have no cycle at all (ad hoc). Execution keys follow
creation time, so the runs of one pair interleave with other pairs' runs and the migration
has to group and order them itself. The step results of a case that calls others are those of
the called steps, nested calls included, which the migration must log against the called cases.
"""

from operator import itemgetter

from ztoq_luigi.sandbox.generator.context import (
    DAY, DESIGN_DAYS, PROJECT_DAYS, PROJECT_EPOCH, Sequence, at_least_once, iso_datetime, spread,
)
from ztoq_luigi.sandbox.generator.fields import (
    CYCLE_FIELDS, EXECUTION_FIELDS, PLAN_FIELDS, custom_fields, issue_links, web_links,
)
from ztoq_luigi.sandbox.generator.text import (
    COMMENTS, CYCLE_DESCRIPTIONS, CYCLE_NAMES, FAIL_RESULTS, LABELS, PASS_RESULTS, PLAN_NAMES,
    PLAN_OBJECTIVES, fill,
)

CYCLE_STATUSES = ("Not Executed", "In Progress", "Done")
CYCLE_STATUS_WEIGHTS = (25, 25, 50)
PLAN_STATUSES = ("Draft", "Approved", "Deprecated")
PLAN_STATUS_WEIGHTS = (40, 50, 10)
EXECUTION_STATUSES = ("Not Executed", "In Progress", "Pass", "Fail", "Blocked")
EXECUTION_STATUS_WEIGHTS = (14, 5, 56, 15, 10)
RUNS_PER_PAIR = (1, 2, 3, 4)
RUNS_PER_PAIR_WEIGHTS = (35, 30, 20, 15)
LINKED_CYCLES = (0, 2, 3, 4, 5)
LINKED_CYCLE_WEIGHTS = (5, 30, 30, 20, 15)
JIRA_VERSION_IDS = tuple(range(10200, 10206))
RUNS_START = PROJECT_EPOCH + DESIGN_DAYS * DAY
PROJECT_END = PROJECT_EPOCH + PROJECT_DAYS * DAY


def build_cycles(ctx):
    """The cycles, and the (start, end) window in seconds their executions fall in."""
    rng, count = ctx.rng, ctx.scale.cycles
    rows = zip(
        ctx.folder_picks("TEST_CYCLE", count, root_share=0.25),
        spread(rng, count, CYCLE_STATUSES, CYCLE_STATUS_WEIGHTS, CYCLE_STATUSES),
        at_least_once(rng, count, 0.5),
        at_least_once(rng, count, 0.25),
        at_least_once(rng, count, 0.2),
    )
    keys, ids = Sequence(rng, start=0), Sequence(rng, start=rng.randint(100, 999) * 100)
    windows = []
    for folder, status, versioned, issues, webs in rows:
        start = RUNS_START + rng.randrange(PROJECT_DAYS - DESIGN_DAYS - 30) * DAY + rng.randrange(DAY)
        end = start + rng.randint(3, 21) * DAY
        dated = rng.random() > 0.08
        ctx.dataset.testcycles.append({
            "id": ids.next(), "key": ctx.key("R", keys.next()), "name": fill(rng, rng.choice(CYCLE_NAMES)),
            "description": ctx.rich(CYCLE_DESCRIPTIONS, "cycle.description", 0.05),
            "plannedStartDate": iso_datetime(start) if dated else None,
            "plannedEndDate": iso_datetime(end) if dated else None,
            "statusId": ctx.status_id("TEST_CYCLE", status), "folderId": folder, "ownerId": ctx.user(0.2),
            "jiraProjectVersionId": rng.choice(JIRA_VERSION_IDS) if versioned else None,
            "customFields": custom_fields(ctx, CYCLE_FIELDS, 0.6),
            "issueLinks": issue_links(ctx, issues), "webLinks": web_links(ctx, webs),
        })
        windows.append((start, end))
    return windows


def build_plans(ctx):
    rng, count = ctx.rng, ctx.scale.plans
    cycles = ctx.dataset.testcycles
    rows = zip(
        ctx.folder_picks("TEST_PLAN", count, root_share=0.3),
        spread(rng, count, PLAN_STATUSES, PLAN_STATUS_WEIGHTS, PLAN_STATUSES),
        spread(rng, count, LINKED_CYCLES, LINKED_CYCLE_WEIGHTS, (3,)),
        spread(rng, count, (0, 1, 2), (30, 40, 30), (2,)),
        at_least_once(rng, count, 0.3),
        at_least_once(rng, count, 0.3),
    )
    keys, ids = Sequence(rng, start=0), Sequence(rng, start=rng.randint(10, 99) * 100)
    for folder, status, linked, labels, issues, webs in rows:
        ctx.dataset.testplans.append({
            "id": ids.next(), "key": ctx.key("P", keys.next()), "name": fill(rng, rng.choice(PLAN_NAMES)),
            "objective": ctx.rich(PLAN_OBJECTIVES, "plan.objective", 0.05),
            "statusId": ctx.status_id("TEST_PLAN", status), "folderId": folder, "ownerId": ctx.user(0.2),
            "customFields": custom_fields(ctx, PLAN_FIELDS, 0.6), "labels": rng.sample(LABELS, labels),
            "issueLinks": issue_links(ctx, issues), "webLinks": web_links(ctx, webs),
            "testCycleLinks": [{"id": ctx.link_ids.next(), "testCycleId": cycle["id"], "type": "RELATED"}
                               for cycle in rng.sample(cycles, min(linked, len(cycles)))],
        })


def build_executions(ctx, windows):
    rng = ctx.rng
    pairs = _cycle_pairs(ctx, windows) + _adhoc_pairs(ctx)
    runs = rng.choices(RUNS_PER_PAIR, RUNS_PER_PAIR_WEIGHTS, k=len(pairs))
    statuses = iter(spread(rng, sum(runs), EXECUTION_STATUSES, EXECUTION_STATUS_WEIGHTS, EXECUTION_STATUSES))
    cases = {case["key"]: case for case in ctx.dataset.testcases}
    drafts = []
    for (case, cycle, start, end), count in zip(pairs, runs):
        steps = executed_steps(cases, case["steps"])
        for order, moment in enumerate(sorted(rng.randrange(start, end) for _ in range(count))):
            drafts.append((moment, _execution(ctx, case, steps, cycle, moment, next(statuses), order == 0)))
    drafts.sort(key=itemgetter(0))
    keys, ids = Sequence(rng, start=0), Sequence(rng, start=rng.randint(100, 999) * 10000)
    for _, execution in drafts:
        execution["id"], execution["key"] = ids.next(), ctx.key("E", keys.next())
        ctx.dataset.testexecutions.append(execution)


def _cycle_pairs(ctx, windows):
    rng, cases = ctx.rng, ctx.dataset.testcases
    pairs = []
    for cycle, (start, end) in zip(ctx.dataset.testcycles, windows):
        size = min(len(cases), max(1, round(ctx.scale.cases_per_cycle * rng.uniform(0.5, 1.5))))
        pairs.extend((case, cycle, start, end) for case in rng.sample(cases, size))
    return pairs


def executed_steps(cases, steps):
    """The inline steps an execution runs, in order: Zephyr reports a call to test as the called case's
    steps, where the call stands (the call itself has no result), as deep as the calls go."""
    executed = []
    for step in steps:
        call = step.get("testCase")
        executed.extend([step] if call is None else executed_steps(cases, cases[call["testCaseKey"]]["steps"]))
    return executed


def _calls(case):
    return [step["testCase"]["testCaseKey"] for step in case["steps"] if "testCase" in step]


def _adhoc_pairs(ctx):
    """Ad-hoc runs, led by one run of each case kind whose executions tests look for."""
    cases = ctx.dataset.testcases
    by_key = {case["key"]: case for case in cases}
    wanted = (
        lambda case: case["version"] > 1,
        lambda case: not case["steps"],
        lambda case: len(case["steps"]) > 100,
        lambda case: bool(_calls(case)),
        lambda case: any(_calls(by_key[callee]) for callee in _calls(case)),
    )
    showcase = []
    for test in wanted:
        found = next((case for case in cases if test(case)), None)
        if found is not None:
            showcase.append(found)
    chosen = showcase + ctx.rng.sample(cases, min(len(cases), ctx.scale.adhoc_executions))
    return [(case, None, RUNS_START, PROJECT_END) for case in chosen]


def _execution(ctx, case, steps, cycle, moment, status, first):
    rng = ctx.rng
    ran = status != "Not Executed"
    finished = status in ("Pass", "Fail", "Blocked") or (status == "In Progress" and rng.random() < 0.5)
    return {
        "id": None, "key": None, "testCaseKey": case["key"], "testCaseVersion": _executed_version(rng, case, first),
        "environmentId": None if rng.random() < 0.15 else rng.choice(ctx.dataset.environments)["id"],
        "jiraProjectVersionId": cycle["jiraProjectVersionId"] if cycle else None,
        "statusId": ctx.status_id("TEST_EXECUTION", status),
        "actualEndDate": iso_datetime(moment) if finished else None,
        "estimatedTime": case["estimatedTime"],
        "executionTime": rng.randint(5000, 3600000) if ran and rng.random() < 0.85 else None,
        "executedById": ctx.user(0.05) if ran else None,
        "assignedToId": ctx.user(0.3),
        "comment": ctx.rich(COMMENTS[status], "execution.comment", 0.03),
        "automated": rng.random() < 0.12,
        "testCycleId": cycle["id"] if cycle else None,
        "customFields": custom_fields(ctx, EXECUTION_FIELDS, 0.4),
        "issueLinks": issue_links(ctx, status == "Fail" and rng.random() < 0.5, most=2),
        "stepResults": _step_results(ctx, steps, status),
    }


def _executed_version(rng, case, first):
    """A pair's first run predates the case's later versions; a few reruns do too."""
    version = case["version"]
    if version > 1 and (first or rng.random() < 0.1):
        return rng.randint(1, version - 1)
    return version


def _step_results(ctx, steps, status):
    """Steps pass up to the one that ends the run with the run's status; the rest are not executed."""
    if not steps:
        return []
    passed = ctx.status_id("TEST_EXECUTION", "Pass")
    waiting = ctx.status_id("TEST_EXECUTION", "Not Executed")
    count = len(steps)
    if status in ("Pass", "Not Executed"):
        codes = [passed if status == "Pass" else waiting] * count
    else:
        stop = ctx.rng.randrange(count)
        codes = [passed] * stop + [ctx.status_id("TEST_EXECUTION", status)] + [waiting] * (count - stop - 1)
    return [_step_result(ctx, step, code, passed, waiting) for step, code in zip(steps, codes)]


def _step_result(ctx, step, code, passed, waiting):
    inline = step["inline"]
    if code == waiting:
        actual = ""
    elif code == passed:
        actual = ctx.rng.choice(PASS_RESULTS)
    else:
        actual = ctx.rng.choice(FAIL_RESULTS) + ctx.attachments.maybe_embed("step.actualResult", 0.1)
    return {"inline": {"description": inline["description"], "testData": inline["testData"],
                       "expectedResult": inline["expectedResult"], "actualResult": actual, "testDataRowNumber": None, "reflectRef": None, "statusId": code}}
