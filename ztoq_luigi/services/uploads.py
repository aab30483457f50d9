"""Files attached to qTest objects exactly once, and the links that point at them.

Every upload follows the exactly-once protocol (services/writes.py): an
entity-map row per owner, qTest object and file, pending before the upload
and created after; a pending row is resolved by looking among the object's
attachments for one with the same name and checksum. The same file embedded
twice in one object is uploaded once; a file embedded in two objects is
uploaded to each, since qTest attachments belong to one object. Test cases
and test logs both use it.
"""

import os
import tempfile

from ztoq_luigi.db.attachments import files_by_id, uploads_of
from ztoq_luigi.kinds import LOADED, Entity
from ztoq_luigi.mapping.attachments import file_name, payload_files, rewrite_payload, url_id
from ztoq_luigi.services.writes import create_once


def attachment_link(qtest, object_type, object_id, attachment_id):
    """The API address of a qTest attachment: what qTest itself gives as the attachment's web_url.

    Built from ids rather than kept from the upload's answer, so that
    validation and a resumed load compute the very same text.
    """
    return f"{qtest.base_url}/projects/{qtest.project_id}/{object_type}/{object_id}/attachments/{attachment_id}"


def attachment_checksum(qtest, object_type, object_id, attachment_id):
    """The sha256 of an attachment as qTest serves it (streamed to a temporary file, then removed)."""
    with tempfile.TemporaryDirectory() as directory:
        sha256, _, _ = qtest.download_attachment(object_type, object_id, attachment_id,
                                                 os.path.join(directory, "attachment"))
    return sha256


def upload_files(qtest, project_key, object_type, object_id, owner_key, urls):
    """Attach the fetched files among `urls` to one qTest object, each exactly once; returns {URL: qTest link}.

    URLs that were not fetched (dead links, unreachable hosts) are left out,
    so a text rewritten with the result keeps their original link.
    """
    records = files_by_id(project_key, [url_id(url) for url in urls])
    prefix = _upload_prefix(owner_key, object_type, object_id)
    rows = {row.source_id: row for row in uploads_of(project_key, Entity.FILE, prefix)}
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
            project_key, Entity.FILE, "attachment", source_id, existing,
            create=lambda: qtest.upload_attachment(object_type, object_id, name, record["content_type"],
                                                   record["path"])["id"],
            find=lambda: _find_uploaded(qtest, object_type, object_id, name, record["sha256"], others))
        taken.add(str(attachment_id))
        links[url] = attachment_link(qtest, object_type, object_id, attachment_id)
    return links


def planned_uploads(project_key, owner_key, object_type, object_id, urls):
    """[(entity-map source id, file name, sha256)] of the fetched files among `urls` that go to one qTest object.

    What upload_files would attach, for a survey that looks for them among
    the object's attachments before anything is uploaded.
    """
    records = files_by_id(project_key, [url_id(url) for url in urls])
    prefix = _upload_prefix(owner_key, object_type, object_id)
    planned = {}
    for url in urls:
        record = records.get(url_id(url))
        if record and record.get("sha256"):
            planned[prefix + url_id(url)] = (file_name(url, record["content_type"]), record["sha256"])
    return [(source_id, name, sha256) for source_id, (name, sha256) in planned.items()]


def uploaded_links(qtest, project_key, owner_key, object_type, object_id):
    """{Zephyr URL: qTest link} of the files uploaded to one qTest object for one owner, from the state database.

    What the load phase pointed the texts at, so validation can expect the
    very texts that were sent.
    """
    rows = [row for row in uploads_of(project_key, Entity.FILE, _upload_prefix(owner_key, object_type, object_id))
            if row.state in LOADED]
    records = files_by_id(project_key, [row.source_id.rsplit("|", 1)[1] for row in rows])
    return {records[row.source_id.rsplit("|", 1)[1]]["url"]: attachment_link(qtest, object_type, object_id, row.target_id)
            for row in rows if row.source_id.rsplit("|", 1)[1] in records}


def with_uploaded_files(qtest, project_key, case_key, case_id, payload, zephyr_base_url):
    """A transformed test case with its texts pointing at the files uploaded to qTest case `case_id`.

    Most cases embed no file: the state database is asked only for those that do.
    """
    if not payload_files(payload, zephyr_base_url):
        return payload
    links = uploaded_links(qtest, project_key, case_key, "test-cases", case_id)
    return rewrite_payload(payload, links, zephyr_base_url)


def _upload_prefix(owner_key, object_type, object_id):
    """An upload's entity-map source id is this prefix (who embeds it, which qTest object holds it) + the URL's id."""
    return f"{owner_key}|{object_type}/{object_id}|"


def _find_uploaded(qtest, object_type, object_id, name, sha256, taken):
    """The id of an attachment of the object with this name and these bytes, not already another file's."""
    for attachment in qtest.attachments(object_type, object_id):
        if (attachment["name"] == name and str(attachment["id"]) not in taken
                and attachment_checksum(qtest, object_type, object_id, attachment["id"]) == sha256):
            return attachment["id"]
    return None
