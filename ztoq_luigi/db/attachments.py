"""Queries for embedded files: their listing and download records, and the test cases that own them.

An embedded file is one `embedded-file` row of the extracted entities, keyed
by the hash of its URL: the listing writes it with its owners, the download
completes the same row with the local path and checksum (or the reason it
could not be fetched), so a rerun sees at once what is already on disk.
"""

from ztoq_luigi.db.entities import extracted, save_extracted, stream_extracted, transformed_ids_in
from ztoq_luigi.db.models import EntityMap, source_id_in_byte_order
from ztoq_luigi.kinds import Entity

FILE = Entity.FILE


def save_files(project_key, records):
    """Store (url id, record, ordinal) triples; a record is {url, owners, and once fetched sha256 or error}."""
    save_extracted(project_key, FILE, records)


def files(project_key, ordinals=None):
    """{url id: record}, all of them or one batch (an ordinal range)."""
    return extracted(project_key, FILE, ordinals=ordinals)


def stream_files(project_key):
    """Every file record, read a page at a time: a survey of all of them keeps only what it looks for."""
    return stream_extracted(project_key, FILE)


def owners_of_downloads(project_key, entity_type):
    """The keys of the transformed entities of a type that embed a fetched file, sorted: an upload work list.

    Every upload batch asks for it to find its slice, eight batches at once:
    the file records are read a page at a time and only their owners kept,
    and only those owners are looked up among the transformed rows, so a
    batch holds keys rather than every record and transformed id of the project.
    """
    owners = {owner for record in stream_files(project_key) if record.get("sha256")
              for owner in record["owners"]}
    return sorted(transformed_ids_in(project_key, entity_type, owners))


def files_by_id(project_key, url_ids):
    """{url id: record} of the given files."""
    return extracted(project_key, FILE, source_ids=url_ids)


def uploads_of(project_key, source_type, prefix):
    """The entity-map rows of the uploads whose source id starts with `prefix` (one owner, one object).

    Asked as the range of source ids from the prefix to the prefix with its
    last character incremented, so that both backends answer from an index
    instead of scanning every upload, once per test case or log that embeds
    a file; the exact prefix is checked again here.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    source_id = source_id_in_byte_order()
    query = EntityMap.select().where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
                                     & (source_id >= prefix) & (source_id < upper))
    return [row for row in query if row.source_id.startswith(prefix)]
