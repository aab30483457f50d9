"""The one line a report opens with: can the team switch to qTest, and if not, what is in the way."""

import enum

from ztoq_luigi.config import PHASES


class Verdict(enum.Enum):
    COMPLETE = "complete"
    NOT_VALIDATED = "not-validated"
    VALIDATION_FAILED = "validation-failed"
    PROBLEMS = "problems"
    INCOMPLETE = "incomplete"
    STOPPED = "stopped"
    RUNNING = "running"
    NOT_STARTED = "not-started"


GOOD = (Verdict.COMPLETE,)


def verdict(summary, latest_run):
    """{status, good, headline}: the most important thing first; a run in progress wins over stale figures."""
    status, headline = _assess(summary, latest_run)
    return {"status": status.value, "good": status in GOOD, "headline": headline}


def _assess(summary, latest_run):
    if latest_run is None:
        return Verdict.NOT_STARTED, "No migration has been run for this project yet."
    if latest_run.status == "running":
        return Verdict.RUNNING, f"Run #{latest_run.id} is in progress; figures will change."
    failed = sum(counts.failed for counts in summary.entities.values())
    problems = summary.validation.get("error", 0)
    missing = [phase for phase in PHASES[:3] if phase not in summary.phases_done]
    unfinished = f"the {' and '.join(missing)} phase{'s' if len(missing) > 1 else ''}"
    if latest_run.status != "succeeded" and missing:
        reason = f": {latest_run.message}" if latest_run.message else ""
        return Verdict.STOPPED, (f"The last run ({latest_run.status}) stopped before {unfinished} finished{reason}. "
                                 "Fix the cause and run 'ztoq workflow resume'.")
    if missing:
        return Verdict.INCOMPLETE, f"Not finished: {unfinished} did not run to the end; run 'ztoq workflow resume'."
    if failed:
        return Verdict.PROBLEMS, (f"{failed} entities could not be migrated; see 'Could not be migrated', fix the "
                                  "cause and run 'ztoq workflow resume' to retry exactly those.")
    if problems:
        return Verdict.VALIDATION_FAILED, (f"Validation found {problems} problems in qTest; see 'Validation'.")
    if "validate" not in summary.phases_done:
        return Verdict.NOT_VALIDATED, ("Everything was migrated, but not validated yet: run "
                                       "'ztoq workflow validate' before switching to qTest.")
    return Verdict.COMPLETE, "Complete: everything was migrated to qTest and validated against Zephyr."
