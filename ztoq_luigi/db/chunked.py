"""Statements over many rows or ids, CHUNK to a statement.

SQLite caps the parameters of one statement, so a long id list or a
batch of rows cannot go in one; one statement a row, on the other hand,
cost a medium migration thousands of writes. Every such list in the
state database is cut here, so both backends see the same statements.
"""

from itertools import islice

CHUNK = 200


def chunks(items, size=CHUNK):
    """`items` (any iterable, a stream included) in lists of at most `size`."""
    items = iter(items)
    chunk = list(islice(items, size))
    while chunk:
        yield chunk
        chunk = list(islice(items, size))


def for_ids(query, column, ids):
    """The rows of `query` whose `column` is one of `ids`, asked CHUNK ids a statement."""
    for chunk in chunks([str(i) for i in ids]):
        yield from query.where(column.in_(chunk))


def insert_chunked(model, rows, **on_conflict):
    """Insert the dicts `rows` into `model`, CHUNK a statement.

    `on_conflict` takes peewee's arguments of the same name (conflict_target
    with preserve or update for an upsert, action="IGNORE" to keep the
    existing row); without any, the insert is a plain one.
    """
    for chunk in chunks(rows):
        model.insert_many(chunk).on_conflict(**on_conflict).execute()
