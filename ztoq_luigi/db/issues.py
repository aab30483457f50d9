"""Validation issues: the findings of the latest validation of each entity, replaced as a whole.

A validation run supersedes the previous one for the entities it checks,
so fixed problems disappear instead of piling up beside new ones.
"""

from ztoq_luigi.db import journal
from ztoq_luigi.db.models import EntityMap, ValidationIssue, utcnow
from ztoq_luigi.kinds import WriteState

ERROR, WARNING = "error", "warning"


def replace_issues(project_key, entity_type, entity_keys, issues):
    """issues: dicts {rule, severity, entity_key, expected, actual, message}."""
    keys = [str(key) for key in entity_keys]
    for start in range(0, len(keys), 200):
        ValidationIssue.delete().where(
            (ValidationIssue.project_key == project_key) & (ValidationIssue.entity_type == entity_type)
            & ValidationIssue.entity_key.in_(keys[start:start + 200])).execute()
    run_id = journal.current_run_id(project_key)
    now = utcnow()
    rows = [dict(issue, project_key=project_key, entity_type=entity_type, run=run_id, created_at=now)
            for issue in issues]
    for start in range(0, len(rows), 200):
        ValidationIssue.insert_many(rows[start:start + 200]).execute()


def confirm(project_key, source_type, source_ids):
    ids = [str(source_id) for source_id in source_ids]
    for start in range(0, len(ids), 200):
        (EntityMap.update(state=WriteState.CONFIRMED, updated_at=utcnow())
         .where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
                & EntityMap.source_id.in_(ids[start:start + 200])).execute())

