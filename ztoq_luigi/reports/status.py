"""The `status` screen: a compact text view of a ProjectSummary, or JSON for scripts."""

import json
import textwrap

from ztoq_luigi.config import PHASES
from ztoq_luigi.reports.names import display_name, in_display_order, is_reference
from ztoq_luigi.reports.rounds import round_lines, rounds_view

ZEPHYR_COLUMNS = (("Extracted", "extracted"),)
QTEST_COLUMNS = (("Ready", "transformed"), ("In qTest", "loaded"), ("Adopted", "adopted"), ("Validated", "confirmed"),
                 ("Pending", "pending"), ("Failed", "failed"))
OPTIONAL_COLUMNS = ("Adopted", "Pending")  # shown only when some row has them


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
    if summary.hosts:
        lines.append("Hosts on the run: " + ", ".join(f"{host.host} pid {host.pid} (since {_time(host.joined_at)})"
                                                      for host in summary.hosts))
    if len(summary.batches_by_host) > 1:
        lines.append(f"Batches by host in run #{run.id}: "
                     + ", ".join(f"{host} {count}" for host, count in summary.batches_by_host.items()))
    if summary.entities:
        lines += _entity_tables(summary.entities)
    if summary.markers:
        done = ", ".join(f"{phase} {count}" for phase, count in sorted(summary.markers.items()))
        lines.append(f"\nCompleted tasks: {done}")
        finished = [phase for phase in PHASES if phase in summary.phases_done]
        lines.append(f"Finished phases: {', '.join(finished) if finished else 'none'}")
    if len(summary.rounds) > 1:
        lines += ["\nSync rounds (what each did in qTest):", *round_lines(summary.rounds)]
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
        lines.append(f"\nRecent events (all of them: ztoq workflow events --project-key {summary.project_key}):")
        for event in summary.recent_events:
            lines.append(f"  {_time(event.time)} {event.level:<7} {event.phase or '-':<9} {event.message}")
    return "\n".join(lines)


def _entity_tables(entities):
    """What was read from Zephyr, what is in qTest, and the reference data in a sentence."""
    names = [name for name in in_display_order(entities) if not is_reference(name)]
    lines = []
    for title, all_columns in (("Read from Zephyr", ZEPHYR_COLUMNS), ("Written to qTest", QTEST_COLUMNS)):
        rows = [name for name in names if any(getattr(entities[name], column) for _, column in all_columns)]
        columns = [(header, column) for header, column in all_columns
                   if header not in OPTIONAL_COLUMNS or any(getattr(entities[name], column) for name in rows)]
        if rows:
            lines += ["", *_table(title, [(display_name(name), entities[name]) for name in rows], columns)]
    reference = [f"{entities[name].extracted} {display_name(name).lower()}" for name in in_display_order(entities)
                 if is_reference(name) and entities[name].extracted]
    if reference:
        lines += textwrap.wrap(f"Reference data: {', '.join(reference)}", width=80, subsequent_indent="  ")
    return lines


def _table(title, rows, columns):
    width = max(len(title), *(len(label) for label, _ in rows))
    widths = [len(header) + 2 for header, _ in columns]
    lines = [f"{title:<{width}}" + "".join(f"{header:>{w}}" for (header, _), w in zip(columns, widths))]
    for label, counts in rows:
        lines.append(f"{label:<{width}}" + "".join(f"{getattr(counts, attribute):>{w}}"
                                                   for (_, attribute), w in zip(columns, widths)))
    return lines


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
        "entities": {name: {"name": display_name(name), "extracted": c.extracted, "transformed": c.transformed,
                            "loaded": c.loaded, "adopted": c.adopted,
                            "pending": c.pending, "confirmed": c.confirmed, "failed": c.failed}
                     for name, c in summary.entities.items()},
        "adopted": {name: c.adopted for name, c in summary.entities.items() if c.adopted},
        "finished_phases": [phase for phase in PHASES if phase in summary.phases_done],
        "completed_tasks": summary.markers,
        "timings": summary.timings,
        "errors": summary.error_count,
        "recent_errors": [{"phase": e.phase, "entity_type": e.entity_type, "entity_key": e.entity_key,
                           "message": e.message} for e in summary.recent_errors],
        "validation": summary.validation,
        "hosts": [{"host": host.host, "pid": host.pid, "since": _time(host.joined_at)} for host in summary.hosts],
        "batches_by_host": summary.batches_by_host,
        "sync_rounds": rounds_view(summary.rounds),
    }, indent=2, ensure_ascii=False)


def _time(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"
