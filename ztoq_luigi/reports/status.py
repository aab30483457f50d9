"""The `status` screen: a compact text view of a ProjectSummary, or JSON for scripts."""

import json

from ztoq_luigi.config import PHASES


def render_status(summary):
    lines = [f"Project {summary.project_key}"]
    run = summary.latest_run
    if run is not None:
        finished = f", finished {_time(run.finished_at)}" if run.finished_at else ""
        lines.append(
            f"Last run #{run.id} ({run.command}: {run.phases}): {run.status}, "
            f"started {_time(run.started_at)}{finished}; {summary.run_count} run(s) in all"
        )
        if run.message:
            lines.append(f"  {run.message}")
    if summary.entities:
        lines.append("")
        header = ("Entity", "Extracted", "Transformed", "Loaded", "Pending", "Failed")
        rows = [
            (name, c.extracted, c.transformed, c.loaded, c.pending, c.failed) for name, c in summary.entities.items()
        ]
        width = max(len(header[0]), *(len(row[0]) for row in rows))
        lines.append(f"{header[0]:<{width}}  " + "  ".join(f"{h:>11}" for h in header[1:]))
        for row in rows:
            lines.append(f"{row[0]:<{width}}  " + "  ".join(f"{value:>11}" for value in row[1:]))
    if summary.markers:
        done = ", ".join(f"{phase} {count}" for phase, count in sorted(summary.markers.items()))
        lines.append(f"\nCompleted tasks: {done}")
        finished = [phase for phase in PHASES if phase in summary.phases_done]
        lines.append(f"Finished phases: {', '.join(finished) if finished else 'none'}")
    lines.append(f"\nErrors: {summary.error_count}")
    for error in summary.recent_errors:
        where = f"{error.entity_type} {error.entity_key}" if error.entity_key else error.phase
        lines.append(f"  [{error.phase}] {where}: {error.message}")
    if summary.validation:
        issues = ", ".join(f"{count} {severity}" for severity, count in summary.validation.items())
        lines.append(f"Validation issues: {issues}")
    else:
        lines.append("Validation issues: none recorded")
    if summary.recent_events:
        lines.append("\nRecent events:")
        for event in summary.recent_events:
            lines.append(f"  {_time(event.time)} {event.level:<7} {event.phase or '-':<9} {event.message}")
    return "\n".join(lines)


def resume_plan(summary, phases):
    """One line: which run is being resumed, what is finished and what remains."""
    run = summary.latest_run
    last = f"run #{run.id} ({run.command}) {run.status}" + (f": {run.message}" if run.message else "")
    finished = [phase for phase in phases if phase in summary.phases_done]
    remaining = [
        phase + (f" ({summary.markers[phase]} tasks already done)" if summary.markers.get(phase) else "")
        for phase in phases if phase not in summary.phases_done]
    return (f"resuming {summary.project_key} after {last}; finished: {', '.join(finished) or 'nothing'}; "
            f"remaining: {', '.join(remaining) or 'nothing (a rerun re-checks and retries failed batches)'}")


def status_json(summary):
    run = summary.latest_run
    return json.dumps({
        "project_key": summary.project_key,
        "latest_run": None if run is None else {
            "id": run.id, "command": run.command, "phases": run.phases.split(), "status": run.status,
            "started_at": _time(run.started_at), "finished_at": _time(run.finished_at), "message": run.message},
        "runs": summary.run_count,
        "entities": {name: {"extracted": c.extracted, "transformed": c.transformed, "loaded": c.loaded,
                            "pending": c.pending, "confirmed": c.confirmed, "failed": c.failed}
                     for name, c in summary.entities.items()},
        "finished_phases": [phase for phase in PHASES if phase in summary.phases_done],
        "completed_tasks": summary.markers,
        "timings": summary.timings,
        "errors": summary.error_count,
        "recent_errors": [{"phase": e.phase, "entity_type": e.entity_type, "entity_key": e.entity_key,
                           "message": e.message} for e in summary.recent_errors],
        "validation": summary.validation,
    }, indent=2, ensure_ascii=False)


def _time(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"
