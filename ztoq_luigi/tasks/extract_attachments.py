"""Extract embedded files: list every file the test cases' and executions' rich text embeds, then download each once.

The listing reads only the state database (the texts are already
extracted) and gives every distinct URL an ordinal, so the downloads are
batches that Luigi's workers run in parallel. Each file is recorded as soon
as it is on disk, with its sha256, so neither a rerun nor a resumed batch
downloads it again. A file that cannot be fetched is a warning on every
object that embeds it: the object still migrates, and its text keeps the
original link.
"""

import os
from urllib.parse import urlsplit

import luigi

from ztoq_luigi.clients.errors import ApiError, TransportError
from ztoq_luigi.clients.http import HttpClient, RetryPolicy
from ztoq_luigi.db.attachments import FILE, files, save_files
from ztoq_luigi.db.entities import count_extracted, extracted
from ztoq_luigi.mapping.attachments import case_texts, execution_texts, file_name, find_files, url_id
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.base import BatchTask, PipelineTask, batches
from ztoq_luigi.tasks.extract import ExtractTestDesign
from ztoq_luigi.tasks.extract_execution import ExtractTestExecution, unit_count

READ_CHUNK = 500
DISK_NAME_CHARS = 100


def case_rich_texts(project_key):
    """(owner key, rich text) for every extracted test case, read a chunk of cases at a time."""
    for start in range(0, count_extracted(project_key, "testcase"), READ_CHUNK):
        cases = extracted(project_key, "testcase", ordinals=(start, start + READ_CHUNK))
        steps = extracted(project_key, "teststeps", source_ids=cases)
        scripts = extracted(project_key, "testscript", source_ids=cases)
        for key, case in cases.items():
            for text in case_texts(case, steps.get(key), scripts.get(key)):
                yield key, text


def execution_rich_texts(project_key):
    """(execution key, rich text) for every extracted execution, read one unit (cycle) at a time."""
    for unit in range(unit_count(project_key)):
        executions = extracted(project_key, "execution", ordinals=(unit, unit + 1))
        results = extracted(project_key, "executionsteps", ordinals=(unit, unit + 1))
        for key, execution in executions.items():
            for text in execution_texts(execution, results.get(key)):
                yield key, text


TEXT_SOURCES = (case_rich_texts, execution_rich_texts)


class ExternalHost(HttpClient):
    """A host other than Zephyr's that a link points at: it gets no credentials and little patience.

    It holds no token at all, so none can leak to it; and two attempts are
    enough for a host that is down or does not resolve, which would
    otherwise cost the full retry budget for every link to it. Once a host has failed that way, its other links in the same batch
    fail at once with the same reason. Every URL it fetches is absolute, so
    its base URL is never used.
    """

    service = "external host"

    def __init__(self):
        super().__init__("http://external.invalid", retry=RetryPolicy(attempts=2, initial_backoff=0.5))
        self._unreachable = {}

    def download_to(self, url, destination, authenticated=False):
        host = urlsplit(url).netloc
        if host in self._unreachable:
            raise TransportError(f"{self.service} GET {url} not tried: {host} already failed in this batch "
                                 f"({self._unreachable[host]})", service=self.service, method="GET", path=url)
        try:
            return super().download_to(url, destination, authenticated=False)
        except TransportError as error:
            self._unreachable[host] = _reason(error)
            raise

    def reachable_address(self, path):
        return urlsplit(path).netloc or path


class ListEmbeddedFiles(PipelineTask):
    """Every distinct file URL embedded in the extracted texts, with the keys of the objects embedding it."""

    phase = "extract"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        key, size = self.project_key, self.batch_size
        return [ExtractTestDesign(project_key=key, batch_size=size), ExtractTestExecution(project_key=key, batch_size=size)]

    def marker_name(self):
        return "extract/embedded-files"

    def run(self):
        base = context.settings().zephyr_base_url
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
            self.mark_done(item_count=len(records), entity_type="embedded-file")
        embedding = len({owner for keys in owners.values() for owner in keys})
        self.event(f"found {len(records)} distinct embedded files in {embedding} objects")


class DownloadEmbeddedFiles(BatchTask):
    """One batch of the listing: each file fetched to attachments_dir/<KEY>/ unless already there."""

    phase = "extract"

    def marker_name(self):
        return f"extract/embedded-files/b{self.batch_size}/{self.batch_no}"

    def run(self):
        key = self.project_key
        directory = os.path.abspath(os.path.join(context.settings().attachments_dir, key))
        os.makedirs(directory, exist_ok=True)
        zephyr, external = context.zephyr(), ExternalHost()
        fetched = failed = 0
        for ordinal, (file_id, record) in enumerate(files(key, ordinals=self.ordinals).items(),
                                                    start=self.ordinals[0]):
            on_disk = record.get("sha256") and os.path.exists(record["path"])
            if not (on_disk or record.get("error")):
                record = self._download(zephyr, external, record, os.path.join(
                    directory, f"{file_id[:16]}-{file_name(record['url'])[-DISK_NAME_CHARS:]}"))
                with self.atomic():
                    save_files(key, [(file_id, record, ordinal)])
            if record.get("error"):
                failed += 1
            else:
                fetched += 1
        with self.atomic():
            self.mark_done(item_count=fetched, failed_count=failed, entity_type="embedded-file",
                           batch_no=self.batch_no)

    def _download(self, zephyr, external, record, path):
        """The record completed with the file's path and checksum, or with why it could not be fetched.

        Files on the Zephyr host go through its client, which sends the
        token; a file on any other host goes through a client that has none.
        """
        url = record["url"]
        try:
            if urlsplit(url).netloc == urlsplit(zephyr.base_url).netloc:
                sha256, content_type, size = zephyr.download(url, path)
            else:
                sha256, content_type, size = external.download_to(url, path, authenticated=False)
        except ApiError as error:
            reason = _reason(error)
            for owner in record["owners"]:
                self.event(f"{owner}: embedded file {url} could not be fetched ({reason}); the text keeps the "
                           "original link", level="WARNING", batch_no=self.batch_no, entity_key=owner, url=url,
                           http_status=error.status)
            return dict(record, error=reason, http_status=error.status)
        return dict(record, path=path, sha256=sha256, content_type=content_type, size=size)


class ExtractEmbeddedFiles(PipelineTask):
    """The files embedded in test cases, their steps, execution comments and step results, listed and downloaded."""

    phase = "extract"
    batch_size = luigi.IntParameter(description="entities per batch")

    def requires(self):
        return ListEmbeddedFiles(project_key=self.project_key, batch_size=self.batch_size)

    def marker_name(self):
        return "group/extract/embedded-files"

    def run(self):
        key = self.project_key
        total = count_extracted(key, FILE)
        size, count = batches(key, "extract/embedded-files", total, self.batch_size)
        yield [DownloadEmbeddedFiles(project_key=key, batch_size=size, batch_no=n) for n in range(count)]
        with self.atomic():
            self.mark_done(item_count=total, entity_type="embedded-file")


def _reason(error):
    """The first line of an API error, without the 'expected ... to be reachable' advice meant for the API."""
    return str(error).strip().splitlines()[0].split("; expected ")[0]
