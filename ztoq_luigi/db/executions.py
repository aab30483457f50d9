"""Queries the test execution tasks need beyond db/entities.py: ordinal ranges of shared ordinals.

Executions are stored with the ordinal of their *unit* (the cycle they were
listed under, or an ad-hoc bucket), so several rows share one ordinal and a
batch of units is an ordinal range, for extracted and transformed rows alike.
"""

import json

import peewee

from ztoq_luigi.db.entities import stream_extracted
from ztoq_luigi.db.models import ExtractedEntity, Marker, TransformedEntity
from ztoq_luigi.db.markers import in_round
from ztoq_luigi.kinds import Entity, MarkerKind


def count_extracted_in(project_key, entity_type, ordinals):
    """How many extracted rows of a type fall in the ordinal range [start, stop)."""
    return ExtractedEntity.select().where(
        (ExtractedEntity.project_key == project_key) & (ExtractedEntity.entity_type == entity_type)
        & ExtractedEntity.ordinal.between(ordinals[0], ordinals[1] - 1)).count()


def extracted_per_unit(project_key, entity_type, ordinals):
    """{ordinal: extracted rows} of one type in the range [start, stop): what a batch's windows are cut from."""
    return _rows_per_ordinal(ExtractedEntity, project_key, entity_type, ordinals)


def transformed_per_unit(project_key, entity_type, ordinals):
    """{ordinal: transformed rows} of one type in the range [start, stop)."""
    return _rows_per_ordinal(TransformedEntity, project_key, entity_type, ordinals)


def _rows_per_ordinal(model, project_key, entity_type, ordinals):
    query = (model.select(model.ordinal, peewee.fn.COUNT(model.id))
             .where((model.project_key == project_key) & (model.entity_type == entity_type)
                    & model.ordinal.between(ordinals[0], ordinals[1] - 1))
             .group_by(model.ordinal).tuples())
    return dict(query)


def cycle_units(project_key):
    """({cycle id: cycle key}, {cycle key: its unit}) of the extracted test cycles, in listing order.

    Every run batch needs them to name its runs' cycles and units, eight
    batches at once: the cycles are decoded a page at a time and only their
    id and key kept, instead of each batch holding every cycle's payload.
    """
    keys, units = {}, {}
    for unit, cycle in enumerate(stream_extracted(project_key, Entity.TEST_CYCLE)):
        keys[cycle["id"]] = cycle["key"]
        units[cycle["key"]] = unit
    return keys, units


def transformed_in(project_key, entity_type, ordinals=None):
    """{source_id: payload} of the transformed rows in an ordinal range (all when None), by source id."""
    query = TransformedEntity.select(TransformedEntity.source_id, TransformedEntity.payload).where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type))
    if ordinals is not None:
        query = query.where(TransformedEntity.ordinal.between(ordinals[0], ordinals[1] - 1))
    return {row.source_id: json.loads(row.payload) for row in query.order_by(TransformedEntity.source_id)}


def delete_transformed_in(project_key, entity_type, ordinals):
    """Forget a batch's earlier output, so a re-transformed batch holds only what it maps now."""
    TransformedEntity.delete().where(
        (TransformedEntity.project_key == project_key) & (TransformedEntity.entity_type == entity_type)
        & TransformedEntity.ordinal.between(ordinals[0], ordinals[1] - 1)).execute()


def batch_total(project_key, phase, entity_type):
    """The sum of item_count over one phase's batch markers of one entity type (what the batches counted)."""
    total = (Marker.select(peewee.fn.SUM(Marker.item_count))
             .where(in_round(project_key) & (Marker.kind == MarkerKind.BATCH.value)
                    & (Marker.phase == str(phase)) & (Marker.entity_type == str(entity_type))).scalar())
    return int(total or 0)
