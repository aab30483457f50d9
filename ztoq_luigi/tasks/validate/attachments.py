"""Validate embedded files: every uploaded file read back from qTest, byte for byte, by checksum.

The texts that point at the files are checked with their test case
(ValidateTestCases expects the rewritten texts); this checks the files
themselves: an attachment missing in qTest, or whose bytes differ from what
was downloaded from Zephyr, is one validation issue on the object that
embeds it. A file that matches confirms its entity-map row.
"""


import luigi

from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.db.attachments import files
from ztoq_luigi.db.entities import mapped
from ztoq_luigi.db.issues import ERROR, confirm, replace_issues
from ztoq_luigi.kinds import LOADED, Entity, Phase
from ztoq_luigi.mapping.attachments import file_name
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.uploads import attachment_checksum
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.load.attachments import LoadEmbeddedFiles


class ValidateEmbeddedFiles(PipelineTask):
    phase = Phase.VALIDATE
    retryable = True  # a rerun checks again what was found wrong
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return self.clone(LoadEmbeddedFiles)

    def marker_name(self):
        return "validate/embedded-files"

    def work(self, ctx):
        key = self.project_key
        records = files(key)
        uploads = [row for row in mapped(key, Entity.FILE).values() if row.state in LOADED]
        results = map_in_threads(lambda row: self._check(ctx.qtest(), row, records), uploads, ctx.settings.max_workers)
        issues = [issue for issue in results if issue is not None]
        matching = [row.source_id for row, issue in zip(uploads, results) if issue is None]
        owners = {row.source_id.split("|", 1)[0] for row in uploads}
        with self.atomic():
            replace_issues(key, Entity.FILE, sorted(owners), issues)
            confirm(key, Entity.FILE, matching)
            self.mark_done(item_count=len(matching), failed_count=len(issues), entity_type=Entity.FILE)

    @staticmethod
    def _check(qtest, row, records):
        """None when qTest serves the file's bytes unchanged, else the issue to record."""
        owner, target, file_id = row.source_id.split("|")
        object_type, object_id = target.rsplit("/", 1)
        record = records.get(file_id) or {}
        name = file_name(record.get("url", ""), record.get("content_type"))
        where = f"{object_type}/{object_id} attachment {row.target_id}"
        try:
            actual = attachment_checksum(qtest, object_type, object_id, row.target_id)
        except NotFoundError:
            return validation_issue("attachment-missing", owner, where, "not found",
                          f"{name} ({record.get('url')}) is no longer attached in qTest")
        if actual != record.get("sha256"):
            return validation_issue("attachment-checksum", owner, f"sha256 {record.get('sha256')}", f"sha256 {actual}",
                          f"{name} in qTest ({where}) differs from the file downloaded from Zephyr")
        return None


def validation_issue(rule, entity_key, expected, actual, message):
    return {"rule": rule, "severity": ERROR, "entity_key": entity_key, "expected": expected, "actual": actual,
            "message": message}
