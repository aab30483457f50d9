"""What a load would do, computed after extract and transform without writing anything to qTest.

It reads the state database for what is ready to load and what could not
be migrated, and reads (only reads) the target project's fields to find
what would have to be created and which mapped values do not exist.
"""


import peewee

from ztoq_luigi.db.entities import extracted, transformed
from ztoq_luigi.db.models import EntityMap, ErrorRecord, Event, TransformedEntity
from ztoq_luigi.kinds import LOADED, Entity
from ztoq_luigi.mapping.qtest_body import MappingProblem, field_changes
from ztoq_luigi.services.fields import missing_run_fields, test_case_fields, unmapped_execution_statuses

NOT_OBJECTS = (Entity.FIELD_PLAN, Entity.USER)


def migration_plan(ctx):
    project_key, rules, qtest = ctx.project_key, ctx.rules, ctx.qtest()
    catalog = test_case_fields(qtest, rules)
    changes = field_changes(list(transformed(project_key, Entity.FIELD_PLAN).values()), catalog)
    return {
        "project_key": project_key,
        "would_create": _would_create(project_key),
        "fields_to_create": changes.missing() + missing_run_fields(qtest, rules),
        "unmapped_values": (_unmapped_values(project_key, rules, catalog) + changes.problems
                            + [f"{problem}: name its option to tick under check_boxes in --mapping"
                               for problem in changes.unticked]
                            + unmapped_execution_statuses(project_key, rules, qtest.execution_statuses())),
        "cannot_migrate": _cannot_migrate(project_key),
        "migrated_with_changes": _changes(project_key),
    }


def _would_create(project_key):
    ready = dict(TransformedEntity.select(TransformedEntity.entity_type, peewee.fn.COUNT(TransformedEntity.id))
                 .where((TransformedEntity.project_key == project_key)
                        & TransformedEntity.entity_type.not_in(NOT_OBJECTS))
                 .group_by(TransformedEntity.entity_type).tuples())
    done = dict(EntityMap.select(EntityMap.source_type, peewee.fn.COUNT(EntityMap.id))
                .where((EntityMap.project_key == project_key) & EntityMap.state.in_(LOADED))
                .group_by(EntityMap.source_type).tuples())
    return {entity_type: {"ready": count, "already_in_qtest": done.get(entity_type, 0),
                          "to_create": count - done.get(entity_type, 0)}
            for entity_type, count in sorted(ready.items())}


def _unmapped_values(project_key, rules, catalog):
    wanted = [("Priority", p["name"], rules.priority(p["name"])) for p in extracted(project_key, Entity.PRIORITY).values()]
    wanted += [("Status", s["name"], rules.status(s["name"]))
               for s in extracted(project_key, Entity.TEST_CASE_STATUS).values()]
    problems = []
    for label, source, target in wanted:
        try:
            catalog.allowed_value_id(label, target)
        except MappingProblem as problem:
            problems.append(f"Zephyr {label.lower()} '{source}' maps to '{target}': {problem}")
    return problems


def _cannot_migrate(project_key):
    query = (ErrorRecord.select().where((ErrorRecord.project_key == project_key)
                                        & ErrorRecord.fatal_status.is_null())
             .order_by(ErrorRecord.id))
    return [{"entity_type": e.entity_type, "entity_key": e.entity_key, "reason": e.message} for e in query]


def _changes(project_key):
    query = (Event.select().where((Event.project_key == project_key) & (Event.level == "WARNING"))
             .order_by(Event.id))
    return [{"entity_key": e.entity_key, "change": e.message, "kind": e.kind, "subject": e.subject} for e in query]
