"""Test cases: names, scripts, steps, versions, and the call-to-test graph between them.

Each awkward part has a migration bug it catches: a few cases run past the 100-step page of
`/teststeps`; calls point to higher and lower keys alike, so key order is no valid creation
order, and they chain without ever forming a cycle; two cases share a name in one folder;
a versioned case's latest id differs from its first one, which old executions still refer to.
"""

from ztoq_luigi.sandbox.generator.context import DAY, DESIGN_DAYS, PROJECT_EPOCH, Sequence, iso_datetime, spread
from ztoq_luigi.sandbox.generator.fields import CASE_FIELDS, STEP_FIELDS, custom_fields, issue_links, web_links
from ztoq_luigi.sandbox.generator.text import (
    EXPECTED_RESULTS, LABELS, OBJECTIVES, PARAMETER_NAMES, PARAMETER_VALUES, PLAIN_SCRIPTS, PRECONDITIONS,
    SHOWCASE_NAMES, STEP_DESCRIPTIONS, TEST_DATA, case_name, gherkin, pick,
)

SCRIPT_KINDS = ("steps", "plain", "bdd", None)
SCRIPT_WEIGHTS = (68, 10, 8, 14)
VERSIONS = (1, 2, 3, 4)
VERSION_WEIGHTS = (82, 11, 5, 2)
STEP_COUNTS = tuple(range(1, 13))
STEP_COUNT_WEIGHTS = (6, 10, 14, 14, 12, 10, 8, 7, 6, 5, 4, 4)
CALL_RATE = 0.15
PARAMETER_TYPES = ("MANUAL_INPUT", "DEFAULT_VALUE")
CASE_STATUSES = (("Draft", 30), ("Approved", 60), ("Deprecated", 10))
PRIORITY_WEIGHTS = (20, 65, 15)
COMPONENT_IDS = tuple(range(10100, 10106))


def build_testcases(ctx):
    rng, count = ctx.rng, ctx.scale.cases
    names = [case_name(rng) for _ in range(count)]
    showcase_slots = rng.sample(range(count), min(count, len(SHOWCASE_NAMES)))
    for slot, name in zip(showcase_slots, SHOWCASE_NAMES):
        names[slot] = name
    folders = ctx.folder_picks("TEST_CASE", count, root_share=0.08)
    _share_names_in_folders(ctx, names, folders, set(showcase_slots))
    statuses = [ctx.status_id("TEST_CASE", name) for name, _ in CASE_STATUSES]
    priorities = [priority["id"] for priority in ctx.dataset.priorities]
    rows = zip(
        names, folders,
        spread(rng, count, SCRIPT_KINDS, SCRIPT_WEIGHTS, SCRIPT_KINDS),
        spread(rng, count, VERSIONS, VERSION_WEIGHTS, VERSIONS[1:]),
        spread(rng, count, statuses, [weight for _, weight in CASE_STATUSES], statuses),
        spread(rng, count, priorities, PRIORITY_WEIGHTS, priorities),
    )
    key_numbers = Sequence(rng, start=0)
    case_ids = Sequence(rng, start=rng.randint(100, 999) * 1000)
    script_ids = Sequence(rng, start=0)
    cases = []
    for position, (name, folder, script, version, status, priority) in enumerate(rows):
        created = PROJECT_EPOCH + position * (DESIGN_DAYS - 1) * DAY // count + rng.randrange(DAY)
        case = {
            "id": case_ids.next(), "key": ctx.key("T", key_numbers.next()), "name": name,
            "createdOn": iso_datetime(created),
            "objective": ctx.rich(OBJECTIVES, "objective", 0.05, none_rate=0.1, empty_rate=0.05),
            "precondition": ctx.rich(PRECONDITIONS, "precondition", 0.03, none_rate=0.1, empty_rate=0.25),
            "estimatedTime": None if rng.random() < 0.3 else rng.randint(1, 240) * 15000,
            "labels": rng.sample(LABELS, rng.choices((0, 1, 2, 3), (40, 30, 20, 10))[0]),
            "componentId": rng.choice(COMPONENT_IDS) if rng.random() < 0.3 else None,
            "priorityId": priority, "statusId": status, "folderId": folder, "ownerId": ctx.user(0.15),
            "customFields": custom_fields(ctx, CASE_FIELDS, 0.8),
            "version": version, "versionIds": {},
            "script": _script(rng, script, script_ids), "steps": [],
            "issueLinks": issue_links(ctx, rng.random() < 0.4), "webLinks": web_links(ctx, rng.random() < 0.15),
        }
        case["versionIds"][1] = case["id"]
        cases.append(case)
    _add_later_versions(cases, case_ids)
    _add_steps(ctx, [case for case in cases if case["script"] == {"type": "steps"}])
    ctx.dataset.testcases.extend(cases)


def _share_names_in_folders(ctx, names, folders, reserved):
    """Give a few cases the name of another case and move them into its folder.

    Twins are drawn among cases whose folder is neither the root nor the deepest one, so the
    folder placements `folder_picks` guarantees survive.
    """
    rng = ctx.rng
    deepest = ctx.deepest_folder["TEST_CASE"]
    placed = [slot for slot, folder in enumerate(folders) if folder is not None]
    movable = [slot for slot in placed if folders[slot] != deepest and slot not in reserved]
    if len(placed) < 2:
        return
    for _ in range(ctx.scale.same_name_pairs):
        if not movable:
            return
        twin = movable.pop(rng.randrange(len(movable)))
        original = twin
        while original == twin:
            original = rng.choice(placed)
        names[twin], folders[twin] = names[original], folders[original]


def _script(rng, kind, script_ids):
    if kind is None:
        return None
    if kind == "steps":
        return {"type": "steps"}
    text = pick(rng, PLAIN_SCRIPTS) if kind == "plain" else gherkin(rng)
    return {"id": script_ids.next(), "type": kind, "text": text}


def _add_later_versions(cases, case_ids):
    """Later versions get ids after every first version, as edits come after creation."""
    for case in cases:
        for version in range(2, case["version"] + 1):
            case["versionIds"][version] = case_ids.next()
        case["id"] = case["versionIds"][case["version"]]


def _add_steps(ctx, step_cases):
    rng = ctx.rng
    counts = rng.choices(STEP_COUNTS, STEP_COUNT_WEIGHTS, k=len(step_cases))
    long_slots = rng.sample(range(len(step_cases)), min(len(step_cases), ctx.scale.long_step_cases))
    for order, slot in enumerate(long_slots):
        counts[slot] = rng.randint(125, 135) if order == 0 else rng.randint(101, 150)
    for case, count in zip(step_cases, counts):
        case["steps"] = [_inline_step(ctx) for _ in range(count)]
    _add_calls(ctx, step_cases)


def _inline_step(ctx):
    rng = ctx.rng
    roll = rng.random()
    test_data = None if roll < 0.1 else "" if roll < 0.35 else pick(rng, TEST_DATA)
    return {"inline": {
        "description": ctx.rich(STEP_DESCRIPTIONS, "step.description", 0.01),
        "testData": test_data,
        "expectedResult": ctx.rich(EXPECTED_RESULTS, "step.expectedResult", 0.01),
        "customFields": custom_fields(ctx, STEP_FIELDS, 0.8) if rng.random() < 0.1 else {},
        "reflectRef": None,
    }}


def _add_calls(ctx, step_cases):
    """Calls go only from a lower to a higher rank of a shuffled order: acyclic, yet unrelated to keys."""
    rng = ctx.rng
    rank = list(range(len(step_cases)))
    rng.shuffle(rank)
    _plant_chain(ctx, step_cases, rank)
    for caller, caller_rank in zip(step_cases, rank):
        if rng.random() < CALL_RATE:
            for _ in range(rng.randint(1, 2)):
                target = rng.randrange(len(step_cases))
                if rank[target] > caller_rank:
                    _insert_call(ctx, caller, step_cases[target], _parameters(rng))


def _plant_chain(ctx, step_cases, rank):
    """A (lowest key) calls B (highest key), which calls C (middle key), with both parameter types."""
    picked = sorted(ctx.rng.sample(range(len(step_cases)), min(3, len(step_cases))))
    chain = picked[:1] + picked[-1:] + picked[1:-1] if len(picked) > 1 else []
    for position, new_rank in zip(chain, sorted(rank[position] for position in chain)):
        rank[position] = new_rank
    for caller, callee in zip(chain, chain[1:]):
        parameters = [{"name": "username", "type": "MANUAL_INPUT", "value": "admin"},
                      {"name": "locale", "type": "DEFAULT_VALUE", "value": "ja_JP"}]
        _insert_call(ctx, step_cases[caller], step_cases[callee], parameters)


def _insert_call(ctx, caller, callee, parameters):
    rng = ctx.rng
    version = callee["version"]
    if version > 1 and rng.random() < 0.25:
        version = rng.randint(1, version - 1)
    step = {"testCase": {"testCaseKey": callee["key"], "version": version, "parameters": parameters}}
    caller["steps"].insert(rng.randint(0, len(caller["steps"])), step)


def _parameters(rng):
    names = rng.sample(PARAMETER_NAMES, rng.choices((0, 1, 2, 3), (30, 35, 25, 10))[0])
    return [{"name": name, "type": rng.choice(PARAMETER_TYPES), "value": rng.choice(PARAMETER_VALUES)}
            for name in names]
