"""What a load would do, computed after extract and transform without writing anything to qTest.

It reads the state database for what is ready to load and what could not
be migrated, and reads (only reads) the target project's fields to find
what would have to be created and which mapped values do not exist.

It also runs the load's surveys (services/adoption.py) to count what qTest
already holds that this state database does not know, but records none of
it: the surveys only read qTest, and the run surveys again right before it
loads, when what qTest holds may have changed. Recording adoptions here
would also be the only write of `plan` to the load's state.
"""

from ztoq_luigi.db.entities import content_hash, extracted, mapped, stream_transformed_with_map, transformed
from ztoq_luigi.db.models import ErrorRecord, Event
from ztoq_luigi.kinds import LOADED, Entity
from ztoq_luigi.mapping.qtest_body import MappingProblem, field_changes
from ztoq_luigi.services.adoption import find_test_design, find_test_execution
from ztoq_luigi.services.fields import missing_run_fields, test_case_fields, unmapped_execution_statuses

OBJECTS = (Entity.MODULE, Entity.TEST_CASE, Entity.RELEASE, Entity.CYCLE, Entity.TEST_RUN)
LOG_PAGE = 500  # logs whose map rows one look-up reads (in CHUNKs)


def migration_plan(ctx):
    project_key, rules, qtest = ctx.project_key, ctx.rules, ctx.qtest()
    catalog = test_case_fields(qtest, rules)
    changes = field_changes(list(transformed(project_key, Entity.FIELD_PLAN).values()), catalog)
    found = {**find_test_design(qtest, project_key, rules.key_field),
             **find_test_execution(qtest, project_key, rules.key_field)}
    return {
        "project_key": project_key,
        "would_create": _would_create(project_key, {entity: len(ids) for entity, ids in found.items()}),
        "fields_to_create": changes.missing() + missing_run_fields(qtest, rules),
        "unmapped_values": (_unmapped_values(project_key, rules, catalog) + changes.problems
                            + [f"{problem}: name its option to tick under check_boxes in --mapping"
                               for problem in changes.unticked]
                            + unmapped_execution_statuses(project_key, rules, qtest.execution_statuses())),
        "cannot_migrate": _cannot_migrate(project_key),
        "migrated_with_changes": _changes(project_key),
    }


def _would_create(project_key, to_adopt):
    """{entity type: counts} of every object type in load order, test logs (held in their runs' payloads) included.

    `to_adopt`: {entity type: how many qTest holds that the state database
    does not know}. An object whose map row has no content hash (an
    adopted one) is neither to update nor unchanged: the sync compares it
    with qTest itself.
    """
    counts = {entity: _tally() for entity in OBJECTS + (Entity.TEST_LOG,)}
    logs = {}
    for entity_type, source_id, payload, state, loaded_hash in stream_transformed_with_map(project_key, OBJECTS):
        _count(counts[entity_type], state, loaded_hash, content_hash(payload))
        if entity_type == Entity.TEST_RUN:
            logs.update({log["execution"]: content_hash(log) for log in payload["logs"]})
        if len(logs) >= LOG_PAGE:
            _count_logs(project_key, counts[Entity.TEST_LOG], logs)
            logs = {}
    _count_logs(project_key, counts[Entity.TEST_LOG], logs)
    for entity, tally in counts.items():
        tally["to_adopt"] = to_adopt.get(entity, 0)
        tally["to_create"] = tally["ready"] - tally["already_in_qtest"] - tally["to_adopt"]
    return {str(entity): tally for entity, tally in counts.items() if tally["ready"]}


def _tally():
    return {"ready": 0, "already_in_qtest": 0, "to_adopt": 0, "to_create": 0, "to_update": 0, "unchanged": 0}


def _count(tally, state, loaded_hash, new_hash):
    tally["ready"] += 1
    if state in LOADED:
        tally["already_in_qtest"] += 1
        if loaded_hash is not None:
            tally["unchanged" if loaded_hash == new_hash else "to_update"] += 1


def _count_logs(project_key, tally, logs):
    """Count {execution key: log hash}, a page of logs, against their map rows."""
    rows = mapped(project_key, Entity.TEST_LOG, logs)
    for execution, log_hash in logs.items():
        row = rows.get(execution)
        _count(tally, row and row.state, row and row.content_hash, log_hash)


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
