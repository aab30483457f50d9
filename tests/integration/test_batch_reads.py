"""What batch tasks read of project-wide data, read without holding the project: the same answers, from indexes."""

from ztoq_luigi.db.attachments import files, owners_of_downloads, save_files
from ztoq_luigi.db.entities import extracted, save_extracted, save_transformed
from ztoq_luigi.db.executions import cycle_units
from ztoq_luigi.kinds import Entity

KEY = "PRJ"


def _record(n):
    """A file record as the listing and the downloads leave it: fetched, failed, or not tried yet."""
    owners = [f"{KEY}-T{n % 700}", f"{KEY}-T{(n * 7) % 900}"]
    if n % 5 == 0:
        return {"url": f"https://h/{n}", "owners": owners, "error": "HTTP 404"}
    if n % 11 == 0:
        return {"url": f"https://h/{n}", "owners": owners}
    return {"url": f"https://h/{n}", "owners": owners, "sha256": f"s{n}", "path": f"/f/{n}"}


def test_the_upload_work_list_is_the_sorted_owners_of_fetched_files_that_were_transformed(database):
    """The batches of the upload are slices of this list: it must be what it was when whole records were read."""
    save_files(KEY, [(f"u{n}", _record(n), n) for n in range(1300)])  # more than a page of records
    save_transformed(KEY, Entity.TEST_CASE, [(f"{KEY}-T{n}", {}, "h", [], n) for n in range(0, 1000, 3)])
    save_transformed("OTHER", Entity.TEST_CASE, [(f"{KEY}-T{n}", {}, "h", [], n) for n in range(1000)])
    owners = {owner for record in files(KEY).values() if record.get("sha256") for owner in record["owners"]}
    expected = sorted(owners & {f"{KEY}-T{n}" for n in range(0, 1000, 3)})
    assert owners_of_downloads(KEY, Entity.TEST_CASE) == expected
    assert len(expected) > 200 and owners_of_downloads(KEY, Entity.TEST_STEPS) == []


def test_a_run_batch_knows_every_cycle_by_id_and_its_unit_as_the_listing_ordered_them(database):
    cycles = [(f"{KEY}-R{n}", {"id": 5000 + n, "key": f"{KEY}-R{n}", "description": "x" * 50}, 799 - n)
              for n in range(800)]
    save_extracted(KEY, Entity.TEST_CYCLE, cycles)
    listed = list(extracted(KEY, Entity.TEST_CYCLE).values())
    assert cycle_units(KEY) == ({cycle["id"]: cycle["key"] for cycle in listed},
                                {cycle["key"]: n for n, cycle in enumerate(listed)})
    assert cycle_units(KEY)[1][f"{KEY}-R799"] == 0 and cycle_units("OTHER") == ({}, {})
