"""State the field plan and the user directory need: streamed reads, stale plan rows, matched users.

The field survey looks at every test case of the project; loading them all
at once would make its memory grow with the project. Keyset pages on the
(project, type, ordinal) index keep it bounded on both backends (a
PostgreSQL client cursor would otherwise fetch the whole result at once).
"""

import json

from ztoq_luigi.db.entities import mapped, mark_created, mark_pending
from ztoq_luigi.db.models import EntityMap, ExtractedEntity, TransformedEntity
from ztoq_luigi.kinds import Entity, WriteState


PAGE = 500


def stream_extracted(project_key, entity_type, page=PAGE):
    """Yield the payloads of one entity type by ordinal, `page` rows per query."""
    after = -1
    while True:
        rows = list(ExtractedEntity.select(ExtractedEntity.ordinal, ExtractedEntity.payload)
                    .where((ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)
                           & (ExtractedEntity.ordinal > after))
                    .order_by(ExtractedEntity.ordinal).limit(page).tuples())
        for _, payload in rows:
            yield json.loads(payload)
        if len(rows) < page:
            return
        after = rows[-1][0]


def keep_only_transformed(project_key, entity_type, source_ids):
    """Delete the transformed rows of a type that a new plan no longer has (a field renamed in Zephyr)."""
    TransformedEntity.delete().where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)
        & TransformedEntity.source_id.not_in([str(source_id) for source_id in source_ids])).execute()


def save_user_directory(project_key, directory):
    """Record {accountId: qTest user id} as confirmed entity-map rows, replacing an older directory.

    An accountId does become a qTest user, one that already exists: the
    entity map is where every such correspondence lives, and `status` then
    shows how many users the migration matched.
    """
    EntityMap.delete().where((EntityMap.project_key == project_key) & (EntityMap.source_type == Entity.USER)
                             & EntityMap.source_id.not_in(list(directory))).execute()
    mark_pending(project_key, Entity.USER, Entity.USER, list(directory))
    for account_id, user_id in directory.items():
        mark_created(project_key, Entity.USER, account_id, user_id, state=WriteState.CONFIRMED)


def user_directory(project_key):
    """{accountId: qTest user id as a string}."""
    return {source_id: row.target_id for source_id, row in mapped(project_key, Entity.USER).items()}
