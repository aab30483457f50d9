"""Validate embedded files: every uploaded file downloaded back from qTest and judged by its checksum.

The texts that point at the files are checked with their test case or log;
this checks the files themselves (rule attachment-checksums): an attachment
missing in qTest, or whose bytes differ from what was downloaded from
Zephyr, is an issue on the object that embeds it. The bytes can only be had
one download per file, which is the one request per entity validation
makes. A file that matches confirms its entity-map row.
"""

import luigi

from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.db.attachments import files_by_id
from ztoq_luigi.db.entities import target_ids
from ztoq_luigi.db.issues import confirm, replace_issues
from ztoq_luigi.kinds import Entity, Phase
from ztoq_luigi.mapping.attachments import file_name
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.uploads import attachment_checksum
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.load.attachments import LoadEmbeddedFiles
from ztoq_luigi.validation.rules import Comparison, at_or_above


class ValidateEmbeddedFiles(PipelineTask):
    phase = Phase.VALIDATE
    retryable = True  # a rerun checks again what was found wrong
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return self.clone(LoadEmbeddedFiles)

    def marker_name(self):
        return "validate/embedded-files"

    def work(self, ctx):
        key, rules = self.project_key, ctx.validation()
        uploads = list(target_ids(key, Entity.FILE, loaded=True).items())  # ids, not map rows: one per upload
        if not rules.wants(Entity.FILE, Comparison):
            uploads = []
        records = files_by_id(key, {_file_id(source_id) for source_id, _ in uploads})
        views = map_in_threads(lambda upload: _view(ctx.qtest(), *upload, records), uploads,
                               ctx.settings.max_workers, ctx.helpers)
        issues, matching = [], []
        for (source_id, _), view in zip(uploads, views):
            found = rules.check(view)
            issues += found
            if not [issue for issue in found if issue["severity"] in at_or_above(ctx.settings.fail_on)]:
                matching.append(source_id)
        with self.atomic():
            replace_issues(key, self.marker_name(), issues)
            confirm(key, Entity.FILE, matching)
            self.mark_done(item_count=len(matching), failed_count=len(uploads) - len(matching),
                           entity_type=Entity.FILE)


def _file_id(source_id):
    """The embedded file an upload's source id names (owner|object|file)."""
    return source_id.rsplit("|", 1)[1]


def _view(qtest, source_id, attachment_id, records):
    """The Comparison of one upload: the checksum downloaded from Zephyr against the one qTest serves (None: gone)."""
    owner, target, file_id = source_id.split("|")
    object_type, object_id = target.rsplit("/", 1)
    record = records.get(file_id) or {}
    try:
        actual = attachment_checksum(qtest, object_type, object_id, attachment_id)
    except NotFoundError:
        actual = None
    return Comparison(Entity.FILE, owner, {"sha256": record.get("sha256")}, {"sha256": actual}, source=record,
                      context={"where": f"{object_type}/{object_id} attachment {attachment_id}",
                               "name": file_name(record.get("url", ""), record.get("content_type")),
                               "url": record.get("url")})
