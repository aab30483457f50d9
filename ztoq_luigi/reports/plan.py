"""The dry-run plan as text for people (JSON is the plan dict itself)."""


def render_plan(plan):
    lines = [f"Plan for {plan['project_key']} (nothing was written to qTest)", "", "Would create in qTest:"]
    for entity_type, counts in plan["would_create"].items():
        already = f" ({counts['already_in_qtest']} already there)" if counts["already_in_qtest"] else ""
        lines.append(f"  {counts['to_create']:>7} {entity_type}{already}")
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
    lines.append(f"Migrated with changes ({len(plan['migrated_with_changes'])}):")
    lines += [f"  {item['entity_key'] or '-'}: {item['change']}" for item in plan["migrated_with_changes"]] or ["  none"]
    return "\n".join(lines)
