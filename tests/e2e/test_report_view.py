"""The report as a QA lead opens it: a verdict and a summary first, grouped warnings, charts, nothing loaded
from outside, in a real browser (headless Chromium, Debian package `chromium`, installed by .ci/run)."""

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import jsonschema
import pytest

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "report.schema.json")
SECTIONS = ("verdict", "summary", "charts", "phases", "validation", "errors", "warnings", "runs", "entities",
            "not-migrated")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


@pytest.fixture
def reports(run_cli, sandbox, tmp_path):
    """A finished migration of the sandbox project and its JSON and HTML reports."""
    out = tmp_path / "out"
    result = run_cli("workflow", "run", *sandbox.workflow_args(out), environ=sandbox.environment())
    assert result.code == 0, result
    paths = {}
    for extension in ("json", "html"):
        paths[extension] = tmp_path / f"report.{extension}"
        assert run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(out),
                       "--output-file", str(paths[extension])).code == 0
    return paths


def test_json_report_follows_its_published_schema(reports, sandbox):
    report = json.loads(reports["json"].read_text(encoding="utf-8"))
    with open(SCHEMA, encoding="utf-8") as handle:
        jsonschema.validate(report, json.load(handle))
    assert report["schema_version"] == 1
    assert report["verdict"] == {"status": "complete", "good": True,
                                 "headline": "Complete: everything was migrated to qTest and validated against Zephyr."}
    cases = next(row for row in report["summary"]["migrated"] if row["entity_type"] == "testcase")
    assert cases == {"entity_type": "testcase", "name": "Test cases", "from": "Test cases",
                     "zephyr": len(sandbox.dataset.testcases), "migrated": len(sandbox.dataset.testcases),
                     "validated": len(sandbox.dataset.testcases), "failed": 0, "skipped": 0}
    logs = next(row for row in report["summary"]["migrated"] if row["entity_type"] == "testlog")
    assert logs["zephyr"] == len(sandbox.dataset.testexecutions) == logs["migrated"] + logs["skipped"]
    assert report["throughput"]["batches"] and report["summary"]["throughput_per_minute"] > 0


def test_warnings_are_grouped_by_kind_without_repeating_the_key(reports):
    report = json.loads(reports["json"].read_text(encoding="utf-8"))
    groups = {group["kind"]: group for group in report["warnings"]["groups"]}
    users = groups["unmapped-user"]
    assert users["count"] > users["subject_count"] > 0, "one group per unmapped user, not one row per case"
    assert sum(subject["count"] for subject in users["subjects"]) == users["count"]
    assert report["warnings"]["total"] == sum(group["count"] for group in groups.values())
    for group in groups.values():
        for example in group["examples"]:
            assert not example["message"].startswith(f"{example['entity_key']}:"), example
    html = reports["html"].read_text(encoding="utf-8")
    assert not re.search(r"(SBX-[TE]\d+)</td><td>\1:", html)
    assert "Users not in the user mapping: the field is left empty" in html


class _Resources(HTMLParser):
    """Every address the page would load: src and href of any element, and url() in styles."""

    def __init__(self):
        super().__init__()
        self.addresses, self.ids, self.svgs, self.csp = [], set(), 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.addresses += [attrs[name] for name in ("src", "href", "srcset", "data", "poster") if attrs.get(name)]
        self.ids.add(attrs.get("id"))
        self.svgs += tag == "svg"
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = attrs.get("content")

    def handle_data(self, data):
        self.addresses += re.findall(r"url\(([^)]*)\)", data)


def _chromium(*args, tmp_path):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "headless Chromium is needed: apt-get install -y chromium (as .ci/run does)"
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    result = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_html_report_in_a_browser_has_its_sections_loads_nothing_and_looks_right(reports, tmp_path):
    page = reports["html"].as_uri()
    dom = _chromium("--dump-dom", page, tmp_path=tmp_path)
    seen = _Resources()
    seen.feed(dom)
    assert set(SECTIONS) <= seen.ids, set(SECTIONS) - seen.ids
    assert seen.svgs == 3, "entities per type, phase durations, throughput over time"
    assert "default-src 'none'" in seen.csp
    assert all(address.startswith("#") for address in seen.addresses), seen.addresses
    verdict = re.search(r'id="verdict">([^<]*)<', dom).group(1)
    assert verdict.startswith("Complete:")
    assert dom.index('id="verdict"') < dom.index('id="summary"') < dom.index('id="warnings"')

    screenshot = tmp_path / "report.png"
    _chromium(f"--screenshot={screenshot}", "--window-size=1200,2400", "--hide-scrollbars", page, tmp_path=tmp_path)
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")) == (1200, 2400)
    print(f"screenshot of the report: {screenshot}")
