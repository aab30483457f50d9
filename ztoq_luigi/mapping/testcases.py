"""A Zephyr test case (with its steps or script) as the qTest test case it becomes.

The result still speaks in names, not qTest ids: properties by field label
and value label, modules and called cases by Zephyr id or key. Ids exist only
once the load phase has talked to qTest (see mapping/qtest_body.py), which
keeps this step pure and testable without a server. The one exception is
users: qTest user ids come from the user directory the transform resolved
(mapping/users.py), since an accountId has no name qTest could look up.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from ztoq_luigi.kinds import Notice, WarningKind
from ztoq_luigi.mapping.custom_fields import (
    ASSIGNED_TO, COMPONENT_FIELD, ESTIMATE_FIELD, ISSUE_LINKS_FIELD, MULTI_SELECT, USER, WEB_LINKS_FIELD, Unfit,
    field_value,
)
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.users import unmapped_warning

EMPTY_STEP = "(empty step in Zephyr)"


@dataclass
class CaseContext:
    """Reference data the mapping needs: names behind Zephyr's `{id, self}` links, the field plan, users.

    `fields` maps each Zephyr custom-field name to its field-plan entry (the
    qTest label and kind); `users` maps accountIds to qTest user ids.
    """

    rules: object
    priorities: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


@dataclass
class MappedCase:
    payload: dict
    depends_on: list
    warnings: list


def map_test_case(case, steps, script, context):
    warnings = []
    key = case["key"]
    properties = {context.rules.key_field: key}
    _name_property(properties, "Priority", case.get("priority"), context.priorities, context.rules.priority,
                   warnings, key)
    _name_property(properties, "Status", case.get("status"), context.statuses, context.rules.status,
                   warnings, key)
    properties.update(_attributes(case, context, warnings))
    mapped_steps, calls = _map_steps(key, steps or [], warnings) if not script else (_map_script(script), [])
    folder = (case.get("folder") or {}).get("id")
    payload = {
        "name": case["name"],
        "module": str(folder) if folder is not None else UNFILED,
        "description": case.get("objective") or "",
        "precondition": case.get("precondition") or "",
        "properties": properties,
        "steps": mapped_steps,
    }
    return MappedCase(payload=payload, depends_on=calls, warnings=warnings)


def _name_property(properties, label, link, names, translate, warnings, key):
    source_id = (link or {}).get("id")
    if source_id is None:
        return
    name = names.get(source_id)
    if name is None:
        warnings.append(Notice(WarningKind.UNKNOWN_VALUE, f"{key}: {label.lower()} id {source_id} is not among the "
                               f"project's {label.lower()} values; {label} left empty", subject=label))
        return
    properties[label] = translate(name)


def _attributes(case, context, warnings):
    """Owner, labels, custom fields, estimate, component and links, as {qTest label: value}."""
    key, found = case["key"], {}
    owner = (case.get("owner") or {}).get("accountId")
    if owner:
        _put(found, ASSIGNED_TO, _user(key, owner, "owner", context, warnings))
    _put(found, context.rules.labels_field, field_value(MULTI_SELECT, case.get("labels") or []))
    for name, value in (case.get("customFields") or {}).items():
        entry = context.fields.get(name)
        if entry is None:
            warnings.append(Notice(WarningKind.FIELD_VALUE, f"{key}: custom field '{name}' is not in the field plan; "
                                   "left out", subject=name))
            continue
        try:
            converted = field_value(entry["kind"], value)
        except Unfit as problem:
            warnings.append(Notice(WarningKind.FIELD_VALUE, f"{key}: custom field '{name}': {problem}, unlike its other "
                                   "values; left empty", subject=name))
            continue
        if entry["kind"] == USER and converted is not None:
            converted = _user(key, converted, f"custom field '{name}'", context, warnings)
        _put(found, entry["label"], converted)
    if case.get("estimatedTime") is not None:
        _put(found, ESTIMATE_FIELD, _minutes(case["estimatedTime"]))
    component = (case.get("component") or {}).get("id")
    if component is not None:
        _put(found, COMPONENT_FIELD, str(component))
    links = case.get("links") or {}
    _put(found, ISSUE_LINKS_FIELD, "\n".join(
        f"Jira issue {link['issueId']}" + (f" ({link['type']})" if link.get("type") else "")
        for link in links.get("issues") or []))
    _put(found, WEB_LINKS_FIELD, "\n".join(
        f"{link['description']}: {link['url']}" if link.get("description") else link["url"]
        for link in links.get("webLinks") or []))
    return found


def _put(properties, label, value):
    if value not in (None, "", []):
        properties[label] = value


def _user(key, account_id, where, context, warnings):
    user_id = context.users.get(account_id)
    if user_id is None:
        warnings.append(unmapped_warning(key, account_id, where))
    return user_id


def _minutes(milliseconds):
    """Zephyr's estimate (ms) in minutes, to the hundredth: 138000 -> '2.3'."""
    minutes = (Decimal(milliseconds) / 60000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format(minutes.normalize(), "f")


def _map_steps(key, steps, warnings):
    mapped, calls = [], []
    for number, step in enumerate(steps, start=1):
        if step.get("testCase"):
            call = step["testCase"]
            callee = call["testCaseKey"]
            if callee == key:
                warnings.append(Notice(WarningKind.CALL_AS_TEXT, f"{key}: step {number} calls the case itself; kept "
                                       "as text", subject=key))
                callee = None
            elif callee not in calls:
                calls.append(callee)
            mapped.append({"description": _call_description(call), "expected": "", "called": callee})
        else:
            mapped.append(_inline_step(key, number, step.get("inline") or {}, warnings))
    return mapped, calls


def _inline_step(key, number, inline, warnings):
    parts = [inline.get("description") or ""]
    if inline.get("testData"):
        parts.append(f"<b>Test data:</b> {inline['testData']}")
    for name, value in sorted((inline.get("customFields") or {}).items()):
        if value not in (None, "", []):
            parts.append(f"<b>{escape(name, quote=False)}:</b> {_text(value)}")
    description = "<br>".join(part for part in parts if part)
    if not description:
        warnings.append(Notice(WarningKind.EMPTY_STEP, f"{key}: step {number} has no description in Zephyr; qTest "
                               f"requires one, so it reads '{EMPTY_STEP}'"))
        description = EMPTY_STEP
    return {"description": description, "expected": inline.get("expectedResult") or "", "called": None}


def _call_description(call):
    text = f"Call to test {call['testCaseKey']}"
    parameters = call.get("parameters") or []
    if parameters:
        rendered = "; ".join(f"{escape(p['name'], quote=False)} = {escape(_text(p.get('value')), quote=False)}"
                             f" ({(p.get('type') or 'DEFAULT_VALUE').lower().replace('_', ' ')})" for p in parameters)
        text += f"<br><b>Parameters:</b> {rendered}"
    return text


def _map_script(script):
    text = script.get("text") or ""
    if not text:
        return []
    return [{"description": text, "expected": "", "called": None}]


def _text(value):
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
