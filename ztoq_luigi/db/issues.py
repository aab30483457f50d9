"""Validation issues: the findings of the latest validation, each task's replaced as a whole.

A validate task supersedes what it found the previous time (`found_by` is
its marker name), so fixed problems disappear instead of piling up beside
new ones; a new validation starts with none (forget_issues).
"""

from ztoq_luigi.db import journal
from ztoq_luigi.db.chunked import chunks, insert_chunked
from ztoq_luigi.db.models import EntityMap, ValidationIssue, utcnow
from ztoq_luigi.kinds import WriteState


def replace_issues(project_key, found_by, issues):
    """issues: dicts {entity_type, rule, severity, entity_key, expected, actual, message}."""
    ValidationIssue.delete().where((ValidationIssue.project_key == project_key)
                                   & (ValidationIssue.found_by == found_by)).execute()
    run_id = journal.current_run_id(project_key)
    now = utcnow()
    rows = [dict(issue, entity_type=str(issue["entity_type"]), project_key=project_key, run=run_id, created_at=now,
                 found_by=found_by) for issue in issues]
    insert_chunked(ValidationIssue, rows)


def forget_issues(project_key):
    ValidationIssue.delete().where(ValidationIssue.project_key == project_key).execute()


def confirm(project_key, source_type, source_ids):
    for chunk in chunks([str(source_id) for source_id in source_ids]):
        (EntityMap.update(state=WriteState.CONFIRMED, updated_at=utcnow())
         .where((EntityMap.project_key == project_key) & (EntityMap.source_type == source_type)
                & EntityMap.source_id.in_(chunk)).execute())
