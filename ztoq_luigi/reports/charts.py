"""The geometry of the report's charts: plain shapes that templates/charts.svg.j2 draws as inline SVG.

Computing coordinates here keeps the template free of arithmetic and lets
the shapes be checked without a browser; drawing them inline keeps the
report one file that loads nothing from anywhere.
"""

import math
from dataclasses import dataclass, field

WIDTH = 720
LABEL_WIDTH = 210
ROW_HEIGHT = 24
BAR_HEIGHT = 16
TOP = 28
VALUE_ROOM = 130
NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)
COLUMNS = 30
PLOT_HEIGHT = 160

OUTCOMES = (("migrated", "Migrated"), ("failed", "Failed"), ("skipped", "Skipped"))
PHASE_SERIES = ("extract", "transform", "load", "validate")


@dataclass
class Chart:
    title: str
    description: str
    width: int = WIDTH
    height: int = 0
    rects: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    legend: list = field(default_factory=list)


def entities_chart(migrated_rows):
    """One stacked bar per qTest type: migrated, failed, skipped."""
    chart = Chart("Entities per type", "Migrated, failed and skipped entities of each type")
    chart.legend = [(key, label) for key, label in OUTCOMES]
    totals = [sum(row[key] or 0 for key, _ in OUTCOMES) for row in migrated_rows]
    scale = (WIDTH - LABEL_WIDTH - VALUE_ROOM) / max(totals + [1])
    for index, row in enumerate(migrated_rows):
        y = TOP + index * ROW_HEIGHT
        chart.texts.append(_text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 3, row["name"], "end"))
        x = LABEL_WIDTH
        for key, label in OUTCOMES:
            value = row[key] or 0
            if value:
                width = max(1.0, value * scale)
                chart.rects.append(_rect(x, y, width, BAR_HEIGHT, key, f"{row['name']}: {value} {label.lower()}"))
                x += width
        chart.texts.append(_text(x + 6, y + BAR_HEIGHT - 3, _counts(row), "start"))
    chart.height = TOP + len(migrated_rows) * ROW_HEIGHT + 8
    return chart


def phases_chart(phases):
    """One bar per phase: how long it took from its first task's start to its last task's end."""
    chart = Chart("Phase durations", "Elapsed time of each phase")
    scale = (WIDTH - LABEL_WIDTH - VALUE_ROOM) / max([phase["elapsed_seconds"] for phase in phases] + [0.001])
    for index, phase in enumerate(phases):
        y = TOP + index * ROW_HEIGHT
        chart.texts.append(_text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 3, phase["name"], "end"))
        width = phase["elapsed_seconds"] * scale
        if width:
            chart.rects.append(_rect(LABEL_WIDTH, y, max(1.0, width), BAR_HEIGHT, phase["phase"],
                                     f"{phase['name']}: {duration(phase['elapsed_seconds'])}"))
        label = duration(phase["elapsed_seconds"]) if phase["tasks"] else "not run"
        chart.texts.append(_text(LABEL_WIDTH + width + 6, y + BAR_HEIGHT - 3, label, "start"))
    chart.height = TOP + len(phases) * ROW_HEIGHT + 8
    return chart


def throughput_chart(throughput):
    """Entities finished per minute over the latest run, a column per interval, stacked by phase."""
    batches = throughput["batches"]
    chart = Chart("Throughput over time", f"Entities finished per minute during run #{throughput['run_id']}")
    if not batches:
        return None
    span = max(batch["seconds"] for batch in batches)
    step = next((nice for nice in NICE_STEPS if nice * COLUMNS >= span), NICE_STEPS[-1])
    buckets = [dict.fromkeys(PHASE_SERIES, 0) for _ in range(min(COLUMNS, int(span // step) + 1))]
    for batch in batches:
        index = min(len(buckets) - 1, int(batch["seconds"] // step))
        if batch["phase"] in buckets[index]:
            buckets[index][batch["phase"]] += batch["items"]
    rates = [{phase: items * 60 / step for phase, items in bucket.items()} for bucket in buckets]
    peak = _nice_ceiling(max(sum(rate.values()) for rate in rates))
    left, bottom, plot_width = 60, TOP + PLOT_HEIGHT, WIDTH - 80
    column = plot_width / len(buckets)
    for index, rate in enumerate(rates):
        y = bottom
        for phase in PHASE_SERIES:
            height = rate[phase] * PLOT_HEIGHT / peak
            if height:
                y -= height
                chart.rects.append(_rect(left + index * column + 1, y, max(1.0, column - 2), height, phase,
                                         f"{duration(index * step)}: {rate[phase]:.0f}/min ({phase})"))
    chart.lines += [(left, bottom, left + plot_width, bottom), (left, TOP, left, bottom)]
    for fraction in (0, 0.5, 1):
        chart.texts.append(_text(left - 6, bottom - fraction * PLOT_HEIGHT + 4, f"{peak * fraction:.0f}", "end"))
    for index in (0, len(buckets) // 2, len(buckets)):
        chart.texts.append(_text(left + index * column, bottom + 16, duration(index * step), "middle"))
    chart.legend = [(phase, phase.capitalize()) for phase in PHASE_SERIES
                    if any(rate[phase] for rate in rates)]
    chart.height = bottom + 28
    return chart


def duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _counts(row):
    parts = [f"{row['migrated']}"]
    parts += [f"{row[key]} {key}" for key in ("failed", "skipped") if row[key]]
    return ", ".join(parts)


def _nice_ceiling(value):
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(nice * magnitude for nice in (1, 2, 2.5, 5, 10) if nice * magnitude >= value)


def _rect(x, y, width, height, series, title):
    return {"x": round(x, 1), "y": round(y, 1), "width": round(width, 1), "height": round(height, 1),
            "series": series, "title": title}


def _text(x, y, text, anchor):
    return {"x": round(x, 1), "y": round(y, 1), "text": text, "anchor": anchor}
