"""A report in JSON, HTML or text: one data dict, one template per human format."""

import json
import os

from jinja2 import Environment, PackageLoader, select_autoescape

from ztoq_luigi.reports import charts

FORMATS = ("json", "html", "text")
_templates = Environment(loader=PackageLoader("ztoq_luigi.reports", "templates"),
                         autoescape=select_autoescape(["html", "html.j2", "svg.j2"]), trim_blocks=True,
                         lstrip_blocks=True)
_templates.globals["duration"] = charts.duration


def format_for(path, requested=None):
    if requested:
        return requested
    extension = os.path.splitext(path or "")[1].lower().lstrip(".")
    return {"json": "json", "html": "html", "htm": "html"}.get(extension, "text")


def render(data, report_format):
    if report_format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if report_format == "html":
        figures = (charts.entities_chart(data["summary"]["migrated"]), charts.phases_chart(data["phases"]),
                   charts.throughput_chart(data["throughput"]))
        return _templates.get_template("report.html.j2").render(charts=[c for c in figures if c], **data)
    return _templates.get_template("report.txt.j2").render(**data)


def write(data, path, report_format):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(render(data, report_format))
    os.replace(temporary, path)
    return path
