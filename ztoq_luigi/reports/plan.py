"""The dry-run plan as text for people (JSON is the plan dict itself, every item listed).

What cannot be migrated is listed in full; what would change is grouped by
kind, as in the report, and the text says where the full list is.
"""

from ztoq_luigi.reports.names import display_name
from ztoq_luigi.reports.warnings import group_warnings


def render_plan(plan):
    lines = [f"Plan for {plan['project_key']} (nothing was written to qTest)", "", "Would create in qTest:"]
    for entity_type, counts in plan["would_create"].items():
        lines.append(f"  {counts['to_create']:>7} {display_name(entity_type)}{_besides(counts)}")
    if any(counts["to_adopt"] for counts in plan["would_create"].values()):
        lines += ["        (to adopt: qTest holds them but this state database does not know them;",
                  "         the load records them instead of creating them again)"]
    for change in plan["fields_to_create"]:
        lines.append(f"        + {change}")
    lines.append("")
    if plan["unmapped_values"]:
        lines.append(f"Unmapped values ({len(plan['unmapped_values'])}; the load would stop before creating anything):")
        lines += [f"  {problem}" for problem in plan["unmapped_values"]]
    else:
        lines.append("Unmapped values: none")
    lines.append(f"Cannot be migrated ({len(plan['cannot_migrate'])}):")
    lines += [f"  {item['entity_key'] or '-'}: {item['reason']}" for item in plan["cannot_migrate"]] or ["  nothing"]
    changes = plan["migrated_with_changes"]
    lines.append(f"Migrated with changes ({len(changes)}, by kind; every one: --format json):")
    for group in group_warnings((item["entity_key"], item["change"], item["kind"], item["subject"])
                                for item in changes):
        lines.append(f"  {group['count']:>7} x {group['title']}")
        examples = [f"{s['subject']} ({s['count']})" for s in group["subjects"][:3]] or [
            f"{e['entity_key'] or '-'}: {e['message']}" for e in group["examples"][:2]]
        lines += [f"            {example}" for example in examples]
    if not changes:
        lines.append("  none")
    return "\n".join(lines)


def _besides(counts):
    """What is not created, said after the count of what is: already there, to adopt, to update, unchanged."""
    parts = [f"{counts[name]} {label}" for name, label in (("already_in_qtest", "already in qTest"),
                                                           ("to_adopt", "to adopt"), ("to_update", "to update"),
                                                           ("unchanged", "unchanged")) if counts[name]]
    return f" ({', '.join(parts)})" if parts else ""
