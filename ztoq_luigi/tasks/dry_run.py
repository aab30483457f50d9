"""What a load would do, computed after extract and transform without writing anything to qTest.

It reads the state database for what is ready to load and what could not
be migrated, and reads (only reads) the target project's fields to find
what would have to be created and which mapped values do not exist.
"""

import json

import peewee

from ztoq_luigi.db.entities import extracted, transformed
from ztoq_luigi.db.models import EntityMap, ErrorRecord, Event, TransformedEntity
from ztoq_luigi.mapping.qtest_body import FieldCatalog, MappingProblem, field_changes
from ztoq_luigi.tasks import context
from ztoq_luigi.tasks.load_execution import find_run_key_field

LOADED = (EntityMap.CREATED, EntityMap.CONFIRMED)
NOT_OBJECTS = ("testcase-field", "user")
LIST_LIMIT = 200


def migration_plan(project_key):
    rules, qtest = context.rules(), context.qtest()
    catalog = FieldCatalog(qtest.fields("test-cases"))
    changes = field_changes(list(transformed(project_key, "testcase-field").values()), catalog)
    return {
        "project_key": project_key,
        "would_create": _would_create(project_key),
        "fields_to_create": changes.missing() + _run_fields_missing(rules, qtest),
        "unmapped_values": (_unmapped_values(project_key, rules, catalog) + changes.problems
                            + _unmapped_execution_statuses(project_key, rules, qtest)),
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
    wanted = [("Priority", p["name"], rules.priority(p["name"])) for p in extracted(project_key, "priority").values()]
    wanted += [("Status", s["name"], rules.status(s["name"]))
               for s in extracted(project_key, "status:TEST_CASE").values()]
    problems = []
    for label, source, target in wanted:
        try:
            catalog.allowed_value_id(label, target)
        except MappingProblem as problem:
            problems.append(f"Zephyr {label.lower()} '{source}' maps to '{target}': {problem}")
    return problems


def _run_fields_missing(rules, qtest):
    """The test-run field that carries each run's Zephyr key, when qTest does not have it yet."""
    if find_run_key_field(qtest, rules) is not None:
        return []
    return [f"test-run field '{rules.key_field}' (text)"]


def _unmapped_execution_statuses(project_key, rules, qtest):
    """Zephyr execution statuses whose mapped qTest status the target project does not have."""
    known = {status["name"] for status in qtest.execution_statuses()}
    problems = []
    for status in extracted(project_key, "status:TEST_EXECUTION").values():
        target = rules.execution_status(status["name"])
        if target is not None and target not in known:
            problems.append(f"Zephyr execution status '{status['name']}' maps to '{target}': qTest has no such "
                            f"execution status; expected one of {', '.join(sorted(known))}")
    return problems


def _cannot_migrate(project_key):
    query = (ErrorRecord.select().where((ErrorRecord.project_key == project_key)
                                        & ErrorRecord.fatal_status.is_null())
             .order_by(ErrorRecord.id).limit(LIST_LIMIT))
    return [{"entity_type": e.entity_type, "entity_key": e.entity_key, "reason": e.message} for e in query]


def _changes(project_key):
    query = (Event.select().where((Event.project_key == project_key) & (Event.level == "WARNING"))
             .order_by(Event.id).limit(LIST_LIMIT))
    return [{"entity_key": json.loads(e.context or "{}").get("entity_key"), "change": e.message} for e in query]
