"""Extract embedded files: list every file the test cases' and executions' rich text embeds, then download each once.

The listing reads only the state database (the texts are already
extracted) and gives every distinct URL an ordinal, so the downloads are
batches that Luigi's workers run in parallel. Each file is recorded as soon
as it is on disk, with its sha256, so neither a rerun nor a resumed batch
downloads it again. A file on the Zephyr host is fetched with the Zephyr
token, a file on a host with configured credentials (the Jira site, where
Zephyr Scale Cloud keeps them) with that host's, and any other without
credentials. A file that cannot be fetched leaves its owners' texts with the
original link; once every batch is done, the failures are reported grouped
by host and cause (HTTP status or transport failure), one warning naming
each file and the test cases or executions that embed it, so a host that is
down or refuses us is one line, not one per link.
"""

import os
from collections import defaultdict
from urllib.parse import urlsplit

import luigi

from ztoq_luigi.clients.errors import ApiError
from ztoq_luigi.clients.files import Hosts, reason
from ztoq_luigi.credentials import credentials_by_host, host_of
from ztoq_luigi.db.attachments import FILE, files, save_files, stream_files
from ztoq_luigi.db.entities import count_extracted, extracted
from ztoq_luigi.kinds import Entity, Notice, Phase, WarningKind
from ztoq_luigi.mapping.attachments import case_texts, execution_texts, file_name, find_files, url_id
from ztoq_luigi.mapping.executions import may_log
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.extract.design import ExtractTestDesign
from ztoq_luigi.tasks.extract.execution import ExtractTestExecution, unit_count

READ_CHUNK = 100  # test cases whose texts the listing holds at once, with their steps and scripts
DISK_NAME_CHARS = 100


def case_rich_texts(project_key):
    """(owner key, rich text) for every extracted test case, read a chunk of cases at a time."""
    for start in range(0, count_extracted(project_key, Entity.TEST_CASE), READ_CHUNK):
        cases = extracted(project_key, Entity.TEST_CASE, ordinals=(start, start + READ_CHUNK))
        steps = extracted(project_key, Entity.TEST_STEPS, source_ids=cases)
        scripts = extracted(project_key, Entity.TEST_SCRIPT, source_ids=cases)
        for key, case in cases.items():
            for text in case_texts(case, steps.get(key), scripts.get(key)):
                yield key, text


def execution_rich_texts(project_key):
    """(execution key, rich text) for every execution that can become a test log, read one unit (cycle) at a time.

    The texts of the others reach no qTest object, so their files are not fetched.
    """
    statuses = {s["id"]: s["name"] for s in extracted(project_key, Entity.status("TEST_EXECUTION")).values()}
    for unit in range(unit_count(project_key)):
        executions = extracted(project_key, Entity.EXECUTION, ordinals=(unit, unit + 1))
        results = extracted(project_key, Entity.EXECUTION_STEPS, source_ids=executions)
        for key, execution in executions.items():
            if not may_log(execution, statuses):
                continue
            for text in execution_texts(execution, results.get(key)):
                yield key, text


TEXT_SOURCES = (case_rich_texts, execution_rich_texts)


class ListEmbeddedFiles(PipelineTask):
    """Every distinct file URL embedded in the extracted texts, with the keys of the objects embedding it."""

    phase = Phase.EXTRACT
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return [self.clone(ExtractTestDesign), self.clone(ExtractTestExecution)]

    def marker_name(self):
        return "extract/embedded-files"

    def work(self, ctx):
        base = ctx.settings.zephyr_base_url
        owners = {}
        for source in TEXT_SOURCES:
            for owner, text in source(self.project_key):
                for url in find_files(text, base):
                    keys = owners.setdefault(url, [])
                    if owner not in keys:
                        keys.append(owner)
        known = files(self.project_key)
        records = []
        for ordinal, (url, keys) in enumerate(owners.items()):
            record = dict(known.get(url_id(url), {}), url=url, owners=keys)
            records.append((url_id(url), record, ordinal))
        with self.atomic():
            save_files(self.project_key, records)
            self.mark_done(item_count=len(records), entity_type=Entity.FILE)
        embedding = len({owner for keys in owners.values() for owner in keys})
        self.event(f"found {len(records)} distinct embedded files in {embedding} objects")


class DownloadEmbeddedFiles(BatchTask):
    """One batch of the listing: each file fetched to attachments_dir/<KEY>/ unless already there.

    Not retryable: a dead link stays dead, and a rerun would fetch it again
    every time (the object still migrates, keeping the original link).
    """

    phase = Phase.EXTRACT
    retryable = False

    def marker_name(self):
        return f"extract/embedded-files/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key = self.project_key
        directory = os.path.abspath(os.path.join(ctx.settings.attachments_dir, key))
        os.makedirs(directory, exist_ok=True)
        hosts = Hosts(ctx.zephyr(), credentials_by_host(ctx.settings))
        fetched = failed = 0
        for ordinal, (file_id, record) in enumerate(files(key, ordinals=self.ordinals).items(),
                                                    start=self.ordinals[0]):
            on_disk = record.get("sha256") and os.path.exists(record["path"])
            if not (on_disk or record.get("error")):
                record = _download(hosts, record, os.path.join(
                    directory, f"{file_id[:16]}-{file_name(record['url'])[-DISK_NAME_CHARS:]}"))
                record["fetched_in_round"] = ctx.sync_round()
                with self.atomic():
                    save_files(key, [(file_id, record, ordinal)])
            if record.get("error"):
                failed += 1
            else:
                fetched += 1
        with self.atomic():
            self.mark_done(item_count=fetched, failed_count=failed, entity_type=Entity.FILE,
                           batch_no=self.batch_no)


class ExtractEmbeddedFiles(Group):
    """The files embedded in test cases, their steps, execution comments and step results, listed and downloaded."""

    phase = Phase.EXTRACT
    area = "embedded-files"

    def first(self):
        return [self.clone(ListEmbeddedFiles)]

    def then(self):
        return self.cut(DownloadEmbeddedFiles, "extract/embedded-files", count_extracted(self.project_key, FILE))

    def finish(self, ctx):
        """One warning per host and cause for the files that could not be fetched, naming each file's owners."""
        refusals = {host: "the email and API token configured for it were refused"
                    for host in credentials_by_host(ctx.settings)}
        refusals[host_of(ctx.settings.zephyr_base_url)] = "the Zephyr API token was refused"
        tried = (record for record in stream_files(self.project_key)
                 if record.get("fetched_in_round", 1) == ctx.sync_round())  # earlier failures were said then
        for (host, status), records in sorted(_failures(tried).items(), key=str):
            notice = Notice(WarningKind.FILE_NOT_FETCHED, _failure_message(host, status, records, refusals.get(host)),
                            subject=host)
            self.warn(notice, host=host, http_status=status,
                      entity_keys=sorted({owner for record in records for owner in record["owners"]}),
                      urls=[record["url"] for record in records])


def _download(hosts, record, path):
    """The record completed with the file's path and checksum, or with why it could not be fetched."""
    try:
        sha256, content_type, size = hosts.download(record["url"], path)
    except ApiError as error:
        return dict(record, error=reason(error), http_status=error.status)
    return dict(record, path=path, sha256=sha256, content_type=content_type, size=size)


def _failures(records):
    """{(host, HTTP status or None for a transport failure): [record]} of the files that could not be fetched."""
    grouped = defaultdict(list)
    for record in records:
        if record.get("error"):
            grouped[(host_of(record["url"]), record.get("http_status"))].append(record)
    return grouped


def _failure_message(host, status, records, refusal):
    """One line for every file a host failed to give for one cause, each with the keys of its owners.

    `refusal` says which credentials a 401 or 403 refused, None when the host was sent none.
    """
    if status is None:
        cause = f"not reachable: {_root_reason(records[0]['error'])}"
    elif status in (401, 403) and refusal:
        cause = f"HTTP {status}: {refusal}"
    elif status in (401, 403):
        cause = (f"HTTP {status}: no credentials are configured for {host}; give them in attachments.hosts, "
                 "or as --jira-base-url, --jira-email and --jira-api-token")
    else:
        cause = f"HTTP {status}"
    listed = "; ".join(f"{urlsplit(record['url']).path} in {', '.join(record['owners'])}" for record in records)
    count = f"{len(records)} embedded file{'s' if len(records) > 1 else ''}"
    return f"{host}: {count} could not be fetched ({cause}); the texts keep the original links: {listed}"


def _root_reason(error):
    """What a transport failure came down to, without the request that met it."""
    return error.split(" failed: ", 1)[-1].split(" already failed in this batch (", 1)[-1].rstrip(")")
