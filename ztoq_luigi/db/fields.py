"""State the field plan and the user directory need: stale plan rows, matched users."""

from ztoq_luigi.db.entities import mapped, mark_created, mark_pending
from ztoq_luigi.db.models import EntityMap, TransformedEntity
from ztoq_luigi.kinds import Entity, WriteState



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
