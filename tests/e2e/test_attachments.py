"""Files embedded in Zephyr rich text arrive as attachments of their qTest test case, and the texts follow.

Expectations come from the generated dataset and the simulators' state
alone: which files a case embeds is read from its texts with a plain regex,
which bytes they hold from the Zephyr host's and the Jira site's file stores.
"""

import base64
import hashlib
import json
import re
import threading
from urllib.parse import urlsplit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import _cli_values
from tests.e2e.oracle import qtest_cases_by_key
from ztoq_luigi.mapping.executions import NOT_EXECUTED, log_marker
from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import open_database
from ztoq_luigi.db.models import ErrorRecord, Event, Marker, WorkflowRun
from ztoq_luigi.sandbox import start_sandbox
from ztoq_luigi.sandbox.generator import describe, generate_project
from ztoq_luigi.sandbox.generator.files import png_bytes
from ztoq_luigi.sandbox.launch import JIRA_API_TOKEN, JIRA_EMAIL, QTEST_PROJECT_ID
from ztoq_luigi.sandbox.zephyr.store import JIRA_PLACEHOLDER, ROOT_PLACEHOLDER

REFERENCE = re.compile(r'((?:src|href)=")([^"]+)(")')
UPLOADS = "/api/v3/projects/{projectId}/{objectType}/{objectId}/blob-handles"
CASE_UPDATES = "/api/v3/projects/{projectId}/test-cases/{testCaseId}"
FOREIGN_IMAGE = png_bytes(2, 2, bytes(range(12)))


class ForeignHost:
    """Another web server (another host:port than Zephyr's) holding one image and noting who asked for it."""

    def __init__(self):
        seen = self.headers = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(dict(self.headers))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(FOREIGN_IMAGE)))
                self.end_headers()
                self.wfile.write(FOREIGN_IMAGE)

            def log_message(self, *args):
                pass

            def date_time_string(self, timestamp=None):
                """A fixed Date: formatting the time takes a C lock that a Luigi worker forked meanwhile would
                inherit held (see sandbox/http.py)."""
                return "Wed, 25 Nov 2026 00:00:00 GMT"

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/pictures/foreign.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def foreign():
    host = ForeignHost()
    yield host
    host.stop()


def sandbox_with_foreign_image(foreign, size="small", seed=3):
    """The sandbox project, with one case also embedding an image from a host other than Zephyr's."""
    dataset = generate_project(size=size, seed=seed)
    carrier = dataset.testcases[1]
    carrier["objective"] = (carrier["objective"] or "") + f'<p><img src="{foreign.url}"></p>'
    return start_sandbox(dataset=dataset)


def migrate(run_cli, sandbox, db_args, tmp_path, command="run"):
    return run_cli("workflow", command, *sandbox.workflow_args(tmp_path / "out"), *db_args,
                   environ=sandbox.environment())


def case_texts(case):
    """(field, text) of a Zephyr case as the Zephyr server shows it, placeholders resolved."""
    texts = [("objective", case["objective"]), ("precondition", case["precondition"])]
    for number, step in enumerate(case["steps"], start=1):
        for part, value in (step.get("inline") or {}).items():
            if part in ("description", "testData", "expectedResult"):
                texts.append((f"step {number} {part}", value))
    return [(field, text) for field, text in texts if text]


def resolve(sandbox, text):
    return text.replace(ROOT_PLACEHOLDER, sandbox.zephyr_server.root_url).replace(JIRA_PLACEHOLDER, sandbox.jira_url)


def execution_texts(execution):
    """(field, text) of a Zephyr execution that may embed files: its comment and its step results."""
    texts = [("comment", execution.get("comment"))]
    texts += [(f"step {number} actualResult", (result.get("inline") or {}).get("actualResult"))
              for number, result in enumerate(execution.get("stepResults") or [], start=1)]
    return [(field, text) for field, text in texts if text]


def embedded(sandbox, foreign, case, texts=case_texts, jira_credentials=True):
    """{URL: bytes or None} of the files a case embeds: None for a dead link, an unreachable host, or a Jira
    file fetched without the Jira credentials."""
    root = sandbox.zephyr_server.root_url
    found = {}
    for _, text in texts(case):
        for _, url, _ in REFERENCE.findall(resolve(sandbox, text)):
            if url.startswith(root + "/files/"):
                stored = sandbox.dataset.files.get(url[len(root):])
                found[url] = stored[1] if stored else None
            elif url.startswith(sandbox.jira_url + "/secure/attachment/"):
                found[url] = sandbox.dataset.jira_files[url[len(sandbox.jira_url):]][1] if jira_credentials else None
            elif "/secure/attachment/" in url:
                found[url] = None
            elif foreign is not None and url == foreign.url:
                found[url] = FOREIGN_IMAGE
    return found


def expected_text(sandbox, text, files, attachments, case_id, object_type="test-cases"):
    """The Zephyr text with each migrated file's URL pointing at the object's qTest attachment with its bytes."""
    by_checksum = {attachment["sha256"]: attachment["id"] for attachment in attachments}

    def link(match):
        content = files.get(match.group(2))
        if content is None:
            return match.group(0)
        attachment_id = by_checksum.get(hashlib.sha256(content).hexdigest(), "not-uploaded")
        return (f"{match.group(1)}{sandbox.qtest_url}/projects/{QTEST_PROJECT_ID}/{object_type}/{case_id}"
                f"/attachments/{attachment_id}{match.group(3)}")

    return REFERENCE.sub(link, resolve(sandbox, text or ""))


def check_attachments(owner, files, attachments, problems):
    """Note a problem unless the object holds exactly the fetchable files; returns how many it should hold."""
    want = sorted(hashlib.sha256(content).hexdigest() for content in set(files.values()) if content)
    if sorted(attachment["sha256"] for attachment in attachments) != want:
        problems.append(f"{owner}: attachments {[a['name'] for a in attachments]}, expected {len(want)} files")
    return len(want)


def test_embedded_files_become_attachments_of_their_test_case(run_cli, tmp_path, fresh_db_args, foreign):
    sandbox = sandbox_with_foreign_image(foreign)
    try:
        result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
        assert result.code == 0, result
        state, by_key = sandbox.qtest.state, qtest_cases_by_key(sandbox.qtest.state)
        problems, unfetchable, migrated = [], {}, 0
        for case in sandbox.dataset.testcases:
            files = embedded(sandbox, foreign, case)
            got = by_key[case["key"]][0]
            attachments = state.attachment_files("test-cases", got["id"])
            migrated += check_attachments(case["key"], files, attachments, problems)
            unfetchable.update({url: case["key"] for url, content in files.items() if content is None})
            steps = sorted(got["steps"], key=lambda step: step["order"])
            for field, text in case_texts(case):
                want_text = expected_text(sandbox, text, files, attachments, got["id"])
                if field == "objective" and got["description"] != want_text:
                    problems.append(f"{case['key']}: description {got['description']!r}, expected {want_text!r}")
                elif field == "precondition" and got["precondition"] != want_text:
                    problems.append(f"{case['key']}: precondition {got['precondition']!r}, expected {want_text!r}")
                elif field.startswith("step") and not any(want_text in (step["description"] + step["expected"])
                                                          for step in steps):
                    problems.append(f"{case['key']} {field}: {want_text!r} not in any qTest step")
        assert not problems, "\n".join(problems[:20])

        notable = {resolve(sandbox, ROOT_PLACEHOLDER + path) for path in describe(sandbox.dataset)["files"]["missing"]}
        assert migrated >= 10 and set(unfetchable) & notable
        assert any("/secure/attachment/" in url for url in unfetchable)
        warnings = warning_events(run_cli, tmp_path, fresh_db_args)
        for url, key in unfetchable.items():
            assert reported(warnings, url, key), f"{url} of {key} not reported"
        jira = [url for case in sandbox.dataset.testcases for url in embedded(sandbox, foreign, case)
                if url.startswith(sandbox.jira_url)]
        assert jira and not set(jira) & set(unfetchable), "the Jira files are fetched with the Jira credentials"

        assert len(foreign.headers) == 1, "the foreign image is downloaded once"
        assert "Authorization" not in foreign.headers[0], "the Zephyr token was sent to another host"
        file_gets = {route: count for (method, route), count in sandbox.zephyr.counters.snapshot().items()
                     if method == "GET" and route.startswith("/files/")}
        assert file_gets and set(file_gets.values()) == {1}, "each Zephyr file is downloaded once"
    finally:
        sandbox.stop()


def test_files_embedded_in_executions_become_attachments_of_their_test_log(run_cli, tmp_path, fresh_db_args, foreign):
    sandbox = sandbox_with_foreign_image(foreign)
    try:
        result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
        assert result.code == 0, result
        state = sandbox.qtest.state
        logs = {log_marker(log["note"]): log for log in state.logs()}
        problems, migrated = [], 0
        for execution in sandbox.dataset.testexecutions:
            files = embedded(sandbox, foreign, execution, texts=execution_texts)
            log = logs.get(execution["key"])
            if not files or log is None:
                continue
            attachments = state.attachment_files("test-logs", log["id"])
            migrated += check_attachments(execution["key"], files, attachments, problems)
            for field, text in execution_texts(execution):
                want_text = expected_text(sandbox, text, files, attachments, log["id"], "test-logs")
                if field == "comment" and not log["note"].startswith(want_text):
                    problems.append(f"{execution['key']}: note {log['note']!r}, expected it to open with {want_text!r}")
                elif field != "comment" and not any(step["actual_result"] == want_text for step in log["step_logs"]):
                    problems.append(f"{execution['key']} {field}: {want_text!r} is no step log's actual result")
        assert not problems, "\n".join(problems[:20])
        assert migrated >= 3

        result = run_cli("workflow", "validate", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args,
                         environ=sandbox.environment())
        assert result.code == 0, result
    finally:
        sandbox.stop()


def test_a_rerun_after_losing_the_batch_markers_uploads_and_downloads_nothing_again(
        run_cli, tmp_path, fresh_db_args, foreign):
    """As after a crash between the last upload and the batch's marker: the recorded files and uploads hold."""
    sandbox = sandbox_with_foreign_image(foreign, size="tiny", seed=5)
    try:
        assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
        before = sandbox.qtest.state.attachment_files()
        assert before and sandbox.qtest.counters.get("PUT", CASE_UPDATES)
        forget_markers(fresh_db_args, tmp_path, "extract/embedded-files/", "load/embedded-files/",
                       "group/extract/embedded-files", "group/load/embedded-files", "phase/")
        sandbox.qtest.counters.reset()
        sandbox.zephyr.counters.reset()

        assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
        assert sandbox.qtest.state.attachment_files() == before
        assert sandbox.qtest.counters.get("POST", UPLOADS) == 0
        assert sandbox.qtest.counters.get("PUT", CASE_UPDATES) == 0
        assert not [route for (_, route) in sandbox.zephyr.counters.snapshot() if route.startswith("/files/")]
        assert len(foreign.headers) == 1
    finally:
        sandbox.stop()


def test_an_upload_whose_answer_is_lost_is_found_in_qtest_not_repeated(run_cli, tmp_path, fresh_db_args, foreign):
    """qTest stores the file and then answers 502: the tool must look before it uploads again."""
    sandbox = sandbox_with_foreign_image(foreign, size="tiny", seed=5)
    try:
        sandbox.qtest.faults.inject("applied_502", method="POST", route=UPLOADS, times=3)
        sandbox.qtest.faults.inject("applied_502", method="PUT", route=CASE_UPDATES, times=1)
        result = migrate(run_cli, sandbox, fresh_db_args, tmp_path)
        assert result.code == 0, result
        attachments = sandbox.qtest.state.attachment_files()
        per_object = [(a["object_type"], a["object_id"], a["sha256"]) for a in attachments]
        assert attachments and len(per_object) == len(set(per_object)), "a file was attached twice to one object"
        assert sandbox.qtest.counters.get("POST", UPLOADS) == len(attachments), "an upload was sent again"
        assert report(run_cli, tmp_path, fresh_db_args)["validation"]["counts"].get("error", 0) == 0
    finally:
        sandbox.stop()


def test_validate_reports_an_attachment_whose_bytes_changed_in_qtest(run_cli, tmp_path, fresh_db_args, foreign):
    sandbox = sandbox_with_foreign_image(foreign, size="tiny", seed=5)
    try:
        assert migrate(run_cli, sandbox, fresh_db_args, tmp_path).code == 0
        state = sandbox.qtest.state
        victim = state.attachment_files("test-cases")[0]
        state.corrupt_attachment(victim["id"], b"not the screenshot")
        owner = next(case["properties"]["Zephyr Key"] for case in state.test_cases()
                     if case["id"] == victim["object_id"])

        assert migrate(run_cli, sandbox, fresh_db_args, tmp_path, command="validate").code == 6
        issues = report(run_cli, tmp_path, fresh_db_args)["validation"]["issues"]
        assert [(i["entity_key"], i["rule"], i["severity"]) for i in issues if "attachment" in i["rule"]] == [
            (owner, "attachment-checksums", "error")]
        assert victim["sha256"] in next(i["expected"] for i in issues if i["rule"] == "attachment-checksums")
    finally:
        sandbox.stop()


def journal(db_args, tmp_path):
    """Every event, error and stored run setting in the state database, as text."""
    database = open_database(load_settings(dict(_cli_values(db_args), output_dir=str(tmp_path / "out")), {}))
    try:
        return ([f"{event.message} {event.context} {event.subject}" for event in Event.select()]
                + [f"{error.message} {error.response_excerpt}" for error in ErrorRecord.select()]
                + [run.settings for run in WorkflowRun.select()])
    finally:
        database.close()


def reported(warnings, url, owner):
    """Whether one warning names the file's host, its path and its owner (failures are grouped by host)."""
    parts = urlsplit(url)
    return any(w["message"].startswith(f"{parts.netloc}: ") and f"{parts.path} in " in w["message"]
               and owner in w["message"].split(f"{parts.path} in ", 1)[1].split(";", 1)[0].split(", ")
               for w in warnings)


def forget_markers(db_args, tmp_path, *prefixes):
    """Delete the markers whose names start with one of `prefixes`, straight in the state database."""
    database = open_database(load_settings(dict(_cli_values(db_args), output_dir=str(tmp_path / "out")), {}))
    try:
        condition = Marker.name.startswith(prefixes[0])
        for prefix in prefixes[1:]:
            condition |= Marker.name.startswith(prefix)
        assert Marker.delete().where(condition).execute()
    finally:
        database.close()


def report(run_cli, tmp_path, db_args):
    result = run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"), *db_args,
                     "--report-format", "json")
    return json.loads(result.stdout)


def warning_events(run_cli, tmp_path, db_args):
    """Every warning recorded, one by one, as `ztoq workflow events` lists them (the report groups them)."""
    result = run_cli("workflow", "events", "--project-key", "SBX", "--output-dir", str(tmp_path / "out"), *db_args,
                     "--level", "warning", "--format", "json")
    return json.loads(result.stdout)["events"]


def file_groups(run_cli, tmp_path, db_args):
    """The report's group of files that could not be fetched, by host: {host: number of warnings}."""
    groups = {group["kind"]: group for group in report(run_cli, tmp_path, db_args)["warnings"]["groups"]}
    return {item["subject"]: item["count"] for item in groups.get("file-not-fetched", {}).get("subjects", [])}


def jira_files_by_owner(sandbox):
    """{owner key: [URL]} of the Jira files embedded in each test case and execution (those in cycle and plan
    descriptions keep their links, and an execution without a test log has nothing to attach them to, so its files
    are not fetched at all)."""
    names = {status["id"]: status["name"] for status in sandbox.dataset.statuses}
    logged = [execution for execution in sandbox.dataset.testexecutions
              if names.get(execution["statusId"]) != NOT_EXECUTED and execution.get("actualEndDate")]
    owners = {}
    for records, texts in ((sandbox.dataset.testcases, case_texts), (logged, execution_texts)):
        for record in records:
            urls = [url for url in embedded(sandbox, None, record, texts=texts) if url.startswith(sandbox.jira_url)]
            if urls:
                owners[record["key"]] = urls
    return owners


@pytest.mark.sandbox_size("small")
def test_without_jira_credentials_each_jira_file_is_reported_under_one_line_for_its_host(
        run_cli, tmp_path, fresh_db_args, sandbox):
    environment = {name: value for name, value in sandbox.environment().items() if not name.startswith("ZTOQ_JIRA")}
    result = run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *fresh_db_args, environ=environment)
    assert result.code == 0, result
    owners = jira_files_by_owner(sandbox)
    assert len({url for urls in owners.values() for url in urls}) >= 3

    jira_host = urlsplit(sandbox.jira_url).netloc
    about_jira = [w for w in warning_events(run_cli, tmp_path, fresh_db_args) if w["message"].startswith(jira_host)]
    assert len(about_jira) == 1, "one line for the host, not one per link"
    assert file_groups(run_cli, tmp_path, fresh_db_args)[jira_host] == 1, "the report groups it under its host"
    assert "HTTP 401" in about_jira[0]["message"] and "--jira-api-token" in about_jira[0]["message"]
    for owner, urls in owners.items():
        for url in urls:
            assert reported(about_jira, url, owner), f"{url} of {owner} not reported"
    uploaded = {attachment["sha256"] for attachment in sandbox.qtest.state.attachment_files()}
    assert not uploaded & {hashlib.sha256(content).hexdigest() for _, content in sandbox.dataset.jira_files.values()}
    assert len(uploaded) >= 10, "the files on the Zephyr host still migrate"
    assert sandbox.jira.counters.get("GET", "/file/{token}/binary") == 0


@pytest.mark.sandbox_size("small")
@pytest.mark.parametrize("token", [JIRA_API_TOKEN, "not-" + JIRA_API_TOKEN], ids=["right", "refused"])
def test_jira_credentials_never_appear_in_logs_events_reports_or_output(run_cli, tmp_path, fresh_db_args, sandbox,
                                                                         token):
    environment = dict(sandbox.environment(), ZTOQ_JIRA_API_TOKEN=token)
    secrets = {token, base64.b64encode(f"{JIRA_EMAIL}:{token}".encode()).decode()}
    out = tmp_path / "out"
    outputs = [run_cli("workflow", "run", *sandbox.workflow_args(out), *fresh_db_args, environ=environment)]
    assert outputs[0].code == 0, outputs[0]
    outputs.append(run_cli("workflow", "status", *sandbox.workflow_args(out), *fresh_db_args, environ=environment))
    for name in ("report.json", "report.html", "report.txt"):
        outputs.append(run_cli("workflow", "report", "--project-key", "SBX", "--output-dir", str(out), *fresh_db_args,
                               "--output-file", str(tmp_path / name)))
    texts = [result.stdout + result.stderr for result in outputs]
    texts += [path.read_text(encoding="utf-8", errors="replace") for path in sorted((out / "logs").glob("*.log"))]
    texts += [(tmp_path / name).read_text(encoding="utf-8") for name in ("report.json", "report.html", "report.txt")]
    texts += journal(fresh_db_args, tmp_path)
    assert len(texts) >= 20 and not [text for text in texts for secret in secrets if secret in text]

    refused = [w for w in warning_events(run_cli, tmp_path, fresh_db_args)
               if w["message"].startswith(urlsplit(sandbox.jira_url).netloc)]
    owners = jira_files_by_owner(sandbox)
    jira_files = {url for urls in owners.values() for url in urls}
    uploaded = {attachment["sha256"] for attachment in sandbox.qtest.state.attachment_files()}
    jira_sums = {hashlib.sha256(content).hexdigest() for _, content in sandbox.dataset.jira_files.values()}
    if token == JIRA_API_TOKEN:
        holders = {case["key"] for case in sandbox.dataset.testcases}
        holders |= {log_marker(log["note"]) for log in sandbox.qtest.state.logs()}
        attached = {hashlib.sha256(sandbox.dataset.jira_files[urlsplit(url).path][1]).hexdigest()
                    for owner, urls in owners.items() if owner in holders for url in urls}
        assert not refused and len(attached) >= 3 and attached <= uploaded
        assert sandbox.jira.counters.get("GET", "/file/{token}/binary") == len(jira_files)
    else:
        assert len(refused) == 1 and "HTTP 401: the email and API token configured for it were refused" in refused[0]["message"]
        assert not jira_sums & uploaded
