"""Load embedded files: each test case's files uploaded to it, then its texts pointed at them by one PUT.

A file can only be attached to an object that exists, so this runs after
the test cases are loaded. Every upload follows the exactly-once protocol
(tasks/exactly_once.py): an entity-map row per owner, qTest object and file,
pending before the upload and created after; a pending row is resolved by
looking among the object's attachments for one with the same name and
checksum. The PUT that rewrites a case's texts makes qTest version 0.2; it
is recorded too, and a pending one is checked against qTest before it is
sent again. The same file embedded twice in one case is uploaded once; a
file embedded in two cases is uploaded to each, since qTest attachments
belong to one object.

`upload_files` is the same service for any attachable object: the load of
executions uses it for the files that test logs embed.
"""

import os
import tempfile

import luigi

from ztoq_luigi.clients.errors import AmbiguousWriteError, NotFoundError, RequestRejectedError
from ztoq_luigi.db.attachments import files_by_id, owners_of_downloads, transformed_by_key, uploads_of
from ztoq_luigi.db.entities import mapped, mark_created, mark_pending
from ztoq_luigi.db.models import EntityMap
from ztoq_luigi.mapping.attachments import file_name, payload_files, rewrite_payload, url_id
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.exactly_once import WRITE_ATTEMPTS, create_once
from ztoq_luigi.tasks.load import LoadTestDesign, test_case_fields
from ztoq_luigi.validation.compare import compare_test_case

UPLOAD = "embedded-file"
REWRITE = "embedded-file-texts"
LOADED = (EntityMap.CREATED, EntityMap.CONFIRMED)


def attachment_link(object_type, object_id, attachment_id):
    """The API address of a qTest attachment: what qTest itself gives as the attachment's web_url.

    Built from ids rather than kept from the upload's answer, so that
    validation and a resumed load compute the very same text.
    """
    qtest = context.qtest()
    return f"{qtest.base_url}/projects/{qtest.project_id}/{object_type}/{object_id}/attachments/{attachment_id}"


def attachment_checksum(object_type, object_id, attachment_id):
    """The sha256 of an attachment as qTest serves it (streamed to a temporary file, then removed)."""
    qtest = context.qtest()
    with tempfile.TemporaryDirectory() as directory:
        sha256, _, _ = qtest.download_to(
            f"/projects/{qtest.project_id}/{object_type}/{object_id}/attachments/{attachment_id}",
            os.path.join(directory, "attachment"))
    return sha256


def upload_files(project_key, object_type, object_id, owner_key, urls):
    """Attach the fetched files among `urls` to one qTest object, each exactly once; returns {URL: qTest link}.

    URLs that were not fetched (dead links, unreachable hosts) are left out,
    so a text rewritten with the result keeps their original link.
    """
    qtest = context.qtest()
    records = files_by_id(project_key, [url_id(url) for url in urls])
    prefix = _upload_prefix(owner_key, object_type, object_id)
    rows = {row.source_id: row for row in uploads_of(project_key, UPLOAD, prefix)}
    taken = {row.target_id for row in rows.values() if row.target_id}
    links = {}
    for url in urls:
        record = records.get(url_id(url))
        if not record or not record.get("sha256"):
            continue
        source_id = prefix + url_id(url)
        existing = rows.get(source_id)
        name = file_name(url, record["content_type"])
        others = taken - {existing.target_id if existing else None}
        attachment_id = create_once(
            project_key, UPLOAD, "attachment", source_id, existing,
            create=lambda: qtest.upload_attachment(object_type, object_id, name, record["content_type"],
                                                   record["path"])["id"],
            find=lambda: _find_uploaded(object_type, object_id, name, record["sha256"], others))
        taken.add(str(attachment_id))
        links[url] = attachment_link(object_type, object_id, attachment_id)
    return links


def uploaded_links(project_key, owner_key, object_type, object_id):
    """{Zephyr URL: qTest link} of the files uploaded to one qTest object for one owner, from the state database.

    What the load phase pointed the texts at, so validation can expect the
    very texts that were sent.
    """
    rows = [row for row in uploads_of(project_key, UPLOAD, _upload_prefix(owner_key, object_type, object_id))
            if row.state in LOADED]
    records = files_by_id(project_key, [row.source_id.rsplit("|", 1)[1] for row in rows])
    return {records[row.source_id.rsplit("|", 1)[1]]["url"]: attachment_link(object_type, object_id, row.target_id)
            for row in rows if row.source_id.rsplit("|", 1)[1] in records}


def with_uploaded_files(project_key, case_key, case_id, payload):
    """A transformed test case with its texts pointing at the files uploaded to qTest case `case_id`."""
    links = uploaded_links(project_key, case_key, "test-cases", case_id)
    return rewrite_payload(payload, links, context.settings().zephyr_base_url)


class UploadEmbeddedFiles(BatchTask):
    """One batch of the test cases that embed fetched files: upload them, then rewrite the case's texts."""

    phase = "load"

    def marker_name(self):
        return f"load/embedded-files/b{self.batch_size}/{self.batch_no}"

    def run(self):
        key, base = self.project_key, context.settings().zephyr_base_url
        owners = owners_of_downloads(key, "testcase")[self.ordinals[0]:self.ordinals[1]]
        cases = mapped(key, "testcase", owners)
        payloads = transformed_by_key(key, "testcase", owners)
        rewritten = mapped(key, REWRITE, owners)
        self._catalog = self._modules = None
        uploaded = failed = 0
        for case_key in owners:
            row, payload = cases.get(case_key), payloads[case_key]
            if row is None or row.state not in LOADED:
                failed += 1  # its own load error is recorded; a resume that loads it reopens this batch
                continue
            try:
                links = upload_files(key, "test-cases", row.target_id, case_key, payload_files(payload, base))
                uploaded += len(links)
                new_payload = rewrite_payload(payload, links, base)
                if new_payload != payload:
                    self._rewrite(case_key, row.target_id, payload, new_payload, rewritten.get(case_key))
            except (MappingProblem, NotFoundError, RequestRejectedError) as problem:
                failed += 1
                self.error(f"embedded files not attached to the test case: {problem}", entity_type="testcase",
                           entity_key=case_key, http_status=getattr(problem, "status", None),
                           excerpt=getattr(problem, "excerpt", None))
        with self.atomic():
            self.mark_done(item_count=uploaded, failed_count=failed, entity_type=UPLOAD, batch_no=self.batch_no)

    def _rewrite(self, case_key, case_id, payload, new_payload, existing):
        """PUT the case with its new texts once: pending is recorded first, and a pending PUT is checked first.

        The steps are sent only when their texts changed: a PUT with steps
        replaces them, and test runs refer to steps by id. A PUT whose
        answer is lost is simply sent again: it sets the same texts.
        """
        if existing is not None and existing.state in LOADED:
            return
        qtest = context.qtest()
        body = self._body(new_payload)
        if existing is None:
            mark_pending(self.project_key, REWRITE, "test-case", [case_key])
        elif not compare_test_case(body, qtest.test_case(case_id)):
            mark_created(self.project_key, REWRITE, case_key, case_id)
            return
        if new_payload["steps"] == payload["steps"]:
            body.pop("test_steps")
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                qtest.update_test_case(case_id, body)
                break
            except AmbiguousWriteError:
                if attempt == WRITE_ATTEMPTS:
                    raise
        mark_created(self.project_key, REWRITE, case_key, case_id)

    def _body(self, payload):
        """The case's full qTest body, built exactly as the load built it (modules, calls, field ids)."""
        key, qtest = self.project_key, context.qtest()
        if self._catalog is None:
            self._catalog = test_case_fields(qtest)
            self._modules = {sid: row.target_id for sid, row in mapped(key, "module").items() if row.target_id}
        called = {step["called"] for step in payload["steps"] if step.get("called")}
        callee_ids = {sid: row.target_id for sid, row in mapped(key, "testcase", called).items() if row.target_id}
        payload, _ = unlink_calls(payload, callee_ids)
        module_id = self._modules.get(payload["module"])
        if module_id is None:
            raise MappingProblem(f"its module (Zephyr folder {payload['module']}) is not in qTest")
        return create_case_body(payload, self._catalog, module_id, callee_ids)


class LoadEmbeddedFiles(PipelineTask):
    """The embedded files of every loaded test case, attached to it, and its texts rewritten to match."""

    phase = "load"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return LoadTestDesign(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "group/load/embedded-files"

    def run(self):
        key = self.project_key
        total = len(owners_of_downloads(key, "testcase"))
        size, count = batches(key, "load/embedded-files", total, self.batch_size)
        yield [UploadEmbeddedFiles(project_key=key, batch_size=size, batch_no=n) for n in range(count)]
        with self.atomic():
            self.mark_done(item_count=total)


def _upload_prefix(owner_key, object_type, object_id):
    """An upload's entity-map source id is this prefix (who embeds it, which qTest object holds it) + the URL's id."""
    return f"{owner_key}|{object_type}/{object_id}|"


def _find_uploaded(object_type, object_id, name, sha256, taken):
    """The id of an attachment of the object with this name and these bytes, not already another file's."""
    for attachment in context.qtest().attachments(object_type, object_id):
        if (attachment["name"] == name and str(attachment["id"]) not in taken
                and attachment_checksum(object_type, object_id, attachment["id"]) == sha256):
            return attachment["id"]
    return None
