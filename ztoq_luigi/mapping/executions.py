"""Zephyr test executions as qTest test runs and test logs.

qTest keeps one run per test case in a container and a log per execution
of it, so the executions of one (cycle, test case) pair become one run and
its logs, in chronological order (the last one submitted sets the run's
status). Zephyr has no start date, only an end date and a duration; what
qTest has no field for (environment, executor, the executed case version)
goes in the log's note, under a line that names the execution
(`Zephyr execution SBX-E10`) so that a re-run finds a log already submitted.

Like mapping/testcases.py this speaks in names; qTest ids are resolved in
`log_body`, from what the load phase read from the target. Step results stay
in Zephyr's order, which covers the steps of called cases where each call
stands (mapping/run_steps.py pairs them with the qTest steps).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ztoq_luigi.kinds import Notice, WarningKind
from ztoq_luigi.mapping.cycles import ADHOC
from ztoq_luigi.mapping.run_steps import Unplaceable

NOT_EXECUTED = "Not Executed"
ADHOC_RUN_PREFIX = "ad-hoc"
_CASE_LINK = re.compile(r"/testcases/([^/?#]+)/versions/(\d+)")
_LOG_MARKER = re.compile(r"^Zephyr execution (\S+)$", re.MULTILINE)


@dataclass
class ExecutionContext:
    """Names behind Zephyr's links: statuses and environments by id, cycle keys by id, and the names of
    the extracted test cases by key (executions of any other case cannot be migrated)."""

    rules: object
    statuses: dict = field(default_factory=dict)
    environments: dict = field(default_factory=dict)
    cycles: dict = field(default_factory=dict)
    case_names: dict = field(default_factory=dict)


@dataclass
class MappedRun:
    """A run and its logs; `errors` are (execution key, why it is not migrated), `notices` (key, Notice)."""

    source_id: str
    payload: dict
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)


def execution_key(execution):
    """Zephyr's key (`key` is optional in the spec), else the numeric id."""
    return execution.get("key") or str(execution["id"])


def case_of(execution):
    """(test case key, version number) parsed from `testCase.self` (`.../testcases/SBX-T10/versions/2`)."""
    found = _CASE_LINK.search((execution.get("testCase") or {}).get("self") or "")
    return (found.group(1), int(found.group(2))) if found else (None, None)


def run_key(cycle_source_id, case_key):
    """The key a run carries in qTest: `SBX-R40/SBX-T10`, or `ad-hoc/SBX-T10`."""
    return f"{ADHOC_RUN_PREFIX if cycle_source_id == ADHOC else cycle_source_id}/{case_key}"


def run_cycle(key):
    """The cycle source id of a run key (the inverse of run_key's first half)."""
    cycle = key.rsplit("/", 1)[0]
    return ADHOC if cycle == ADHOC_RUN_PREFIX else cycle


def log_marker(note):
    """The execution key named in a log's note (the last marker line), or None."""
    found = _LOG_MARKER.findall(note or "")
    return found[-1] if found else None


def user_label(rules, account_id):
    """How an Atlassian account appears in qTest texts: the mapped qTest user when there is one."""
    if not account_id:
        return None
    mapped = rules.user(account_id)
    return f"{mapped} (Zephyr account {account_id})" if mapped else f"Zephyr account {account_id}"


def map_runs(executions, step_results, context):
    """Executions (any order, any pairs) to (one MappedRun per (cycle, case) pair, logs in time order,
    errors, notices) of the executions that belong to no run.

    `step_results` is {execution key: list of step results}. Errors are
    (execution key, message) for an execution that is not migrated; notices
    (execution key, Notice) tell of a detail, or an execution, that is lost.
    """
    runs = {}
    errors, notices = [], []
    for execution in executions:
        key = execution_key(execution)
        case_key, _ = case_of(execution)
        if case_key is None:
            errors.append((key, f"{key}: its test case link cannot be read; execution not migrated"))
            continue
        cycle_id = (execution.get("testCycle") or {}).get("id")
        cycle = ADHOC if cycle_id is None else context.cycles.get(cycle_id)
        if cycle is None:
            errors.append((key, f"{key}: test cycle id {cycle_id} is not in the project; execution not migrated"))
            continue
        if case_key not in context.case_names:
            notices.append((key, Notice(WarningKind.CASE_NOT_EXTRACTED, f"{key}: its test case {case_key} was not "
                                        "extracted (see the extract errors); execution not migrated",
                                        subject=case_key)))
            continue
        source_id = run_key(cycle, case_key)
        run = runs.get(source_id)
        if run is None:
            run = runs[source_id] = MappedRun(source_id, {
                "key": source_id, "cycle": cycle, "case": case_key, "name": context.case_names[case_key],
                "logs": []})
        log, log_errors, log_notices = map_log(execution, step_results.get(key) or [], context)
        run.errors.extend(log_errors)
        run.notices.extend(log_notices)
        if log is not None:
            run.payload["logs"].append(log)
    for run in runs.values():
        run.payload["logs"].sort(key=lambda log: (log["exe_end_date"], _key_number(log["execution"]),
                                                  log["execution"]))
    return sorted(runs.values(), key=lambda run: run.source_id), errors, notices


def may_log(execution, statuses):
    """Whether an execution can become a test log, whatever the mapping: it ran and it has an end date.

    `statuses` is {Zephyr status id: name}; an unknown status counts as
    run. Only such executions have step results or texts worth reading: a
    Not Executed one, or one without a readable end date, never makes a log
    (map_log), whichever mapping a later run uses.
    """
    status = statuses.get((execution.get("testExecutionStatus") or {}).get("id"))
    return status != NOT_EXECUTED and instant(execution.get("actualEndDate")) is not None


def map_log(execution, step_results, context):
    """(log payload or None, errors, notices) for one execution; no log for Not Executed and unmappable ones."""
    key = execution_key(execution)
    status_id = (execution.get("testExecutionStatus") or {}).get("id")
    status = context.statuses.get(status_id)
    if status is None:
        return None, [(key, f"{key}: execution status id {status_id} is not among the project's TEST_EXECUTION "
                            "statuses; execution not migrated")], []
    if status == NOT_EXECUTED:
        return None, [], []
    target = context.rules.execution_status(status)
    if target is None:
        return None, [(key, f"{key}: Zephyr execution status '{status}' has no qTest status in the mapping "
                            "(execution_statuses in --mapping); execution not migrated")], []
    end = instant(execution.get("actualEndDate"))
    if end is None:
        return None, [], [(key, Notice(WarningKind.EXECUTION_WITHOUT_DATE, f"{key}: '{status}' execution has no "
                                       "readable actualEndDate, and qTest needs an execution date; no test log",
                                       subject=status))]
    duration = execution.get("executionTime")
    start = end - timedelta(milliseconds=duration) if isinstance(duration, int) and duration > 0 else end
    steps, notices = _step_logs(key, step_results, context)
    return {
        "execution": key,
        "status": target,
        "exe_start_date": _text(start.replace(microsecond=0)),
        "exe_end_date": _text(end),
        "actual_exe_time": duration if isinstance(duration, int) and duration > 0 else None,
        "note": _note(execution, key, context),
        "steps": steps,
        "step_results": len(step_results),
    }, [], notices


def log_body(log, steps, status_ids):
    """The POST test-logs body: statuses by qTest id, each step result on the step run at its position.

    `steps` is the RunSteps of the migrated case (mapping/run_steps.py):
    called steps name their case and call step. Raises Unplaceable when the
    results do not pair up with those steps one for one, so that no result
    is ever left out or put on another step.
    """
    results = log["step_results"]
    if results and steps.problem:
        raise Unplaceable(steps.problem)
    if results and results != len(steps.slots):
        raise Unplaceable(f"{results} step results in Zephyr for {len(steps.slots)} steps in qTest, called steps "
                          "included")
    step_logs = [dict(steps.slots[step["order"] - 1].ids(), status={"id": int(status_ids[step["status"]])},
                      actual_result=step["actual_result"], order=step["order"]) for step in log["steps"]]
    body = {"status": {"id": int(status_ids[log["status"]])}, "exe_start_date": log["exe_start_date"],
            "exe_end_date": log["exe_end_date"], "note": log["note"], "test_case_version_id": int(steps.version_id),
            "test_step_logs": step_logs}
    if log.get("actual_exe_time"):
        body["actual_exe_time"] = log["actual_exe_time"]
    return body


def statuses_used(payload):
    """The qTest status names a run payload needs, logs and step logs alike."""
    return {log["status"] for log in payload["logs"]} | {
        step["status"] for log in payload["logs"] for step in log["steps"]}


def step_result_fields(result):
    """The fields of a Zephyr step result (status, actualResult), whether it ran an inline or a called step."""
    return (result or {}).get("inline") or (result or {}).get("testCase") or {}


def _step_logs(key, step_results, context):
    steps, notices = [], []
    for order, result in enumerate(step_results, start=1):
        inline = step_result_fields(result)
        status = context.statuses.get((inline.get("status") or {}).get("id"))
        target = context.rules.execution_status(status) if status else None
        if target is None:
            notices.append((key, Notice(WarningKind.STEP_STATUS, f"{key}: step {order} has status "
                                         f"'{status or 'unknown'}', which has no qTest status; its step log is left "
                                         "out", subject=status or "unknown")))
            continue
        steps.append({"order": order, "status": target, "actual_result": inline.get("actualResult") or ""})
    return steps, notices


def _note(execution, key, context):
    """The Zephyr comment as written, then the execution's context in labelled lines."""
    case_key, version = case_of(execution)
    environment_id = (execution.get("environment") or {}).get("id")
    details = [
        f"Zephyr execution {key}",
        ("Environment", context.environments.get(environment_id, f"id {environment_id}")
         if environment_id is not None else None),
        ("Executed by", user_label(context.rules, execution.get("executedById"))),
        ("Assigned to", user_label(context.rules, execution.get("assignedToId"))),
        ("Executed on", f"{case_key} version {version}"),
        ("Automated", "yes" if execution.get("automated") else None),
    ]
    lines = [details[0]] + [f"{label}: {value}" for label, value in details[1:] if value]
    comment = execution.get("comment")
    return (f"{comment}\n\n" if comment else "") + "\n".join(lines)


def instant(text):
    """The UTC moment an ISO 8601 text names (UTC when it names no offset), or None: spellings of one instant differ."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone.utc)


def _text(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _key_number(key):
    digits = re.search(r"(\d+)$", key)
    return int(digits.group(1)) if digits else 0
