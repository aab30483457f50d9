"""Name-based payloads to qTest request bodies, given the ids the target project uses.

qTest wants every select value as the *string* id of an allowed value and
every field by id; ids differ per site, so they are resolved here from the
field catalog read from the target, never assumed. How a value is written
depends on the target field's data type (a multi-select takes "[801,802]",
a user list a user id, a check box the id of its ticked option as "[801]"),
so that a field which already exists in qTest is filled the way it expects.
"""

from dataclasses import dataclass, field as dataclass_field

from ztoq_luigi.mapping.custom_fields import (
    CHECK_BOX, DATE, MULTI_SELECT, NUMBER, SELECT, TEXT, TEXT_AREA, USER, CheckBoxOptions,
)

TEXT_BOX, TEXT_AREA_TYPE, COMBO_BOX, DATE_PICKER, USER_LIST, RICH_TEXT, NUMBER_TYPE, CHECK_BOX_TYPE, DATE_TIME, \
    URL, MULTI_SELECT_TYPE = 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 17
CREATED_AS = {TEXT: TEXT_BOX, TEXT_AREA: TEXT_AREA_TYPE, NUMBER: NUMBER_TYPE, CHECK_BOX: CHECK_BOX_TYPE,
              DATE: DATE_PICKER, SELECT: COMBO_BOX, MULTI_SELECT: MULTI_SELECT_TYPE, USER: USER_LIST}
TEXTS = (TEXT_BOX, TEXT_AREA_TYPE, RICH_TEXT)
ACCEPTED_BY = {TEXT: TEXTS, TEXT_AREA: TEXTS, NUMBER: (NUMBER_TYPE,) + TEXTS, CHECK_BOX: (CHECK_BOX_TYPE,),
               DATE: (DATE_PICKER, DATE_TIME), SELECT: (COMBO_BOX, MULTI_SELECT_TYPE),
               MULTI_SELECT: (MULTI_SELECT_TYPE,), USER: (USER_LIST,)}
TYPE_NAMES = {TEXT_BOX: "text box", TEXT_AREA_TYPE: "text area", COMBO_BOX: "combo box", DATE_PICKER: "date picker",
              USER_LIST: "user list", RICH_TEXT: "rich text", NUMBER_TYPE: "number", CHECK_BOX_TYPE: "check box",
              DATE_TIME: "date-time", URL: "URL", MULTI_SELECT_TYPE: "multi-select"}
ID_LISTS = (CHECK_BOX_TYPE, MULTI_SELECT_TYPE)  # the types whose values are written "[id,id]"


class MappingProblem(Exception):
    """A value that has no counterpart in the target qTest project."""


class FieldCatalog:
    """The target's test-case fields by label, and how a value is written into each.

    `check_boxes` (the mapping's CheckBoxOptions) says which option of a
    check box a ticked Zephyr checkbox becomes.
    """

    def __init__(self, fields, check_boxes=None):
        self._by_label = {field["label"]: field for field in fields}
        self.check_boxes = check_boxes or CheckBoxOptions()

    def __contains__(self, label):
        return label in self._by_label

    def field(self, label):
        try:
            return self._by_label[label]
        except KeyError:
            raise MappingProblem(f"qTest has no test-case field '{label}'")

    def allowed_value_id(self, label, value_label):
        field = self.field(label)
        values = [v for v in field.get("allowed_values") or [] if v.get("is_active", True) is not False]
        match = next((v for v in values if v["label"] == value_label), None) or next(
            (v for v in values if v["label"].casefold() == value_label.casefold()), None)
        if match is not None:
            return str(match["value"])
        known = ", ".join(v["label"] for v in values) or "none"
        raise MappingProblem(f"qTest field '{label}' has no value '{value_label}' (it has: {known})")

    def ticked_option(self, label):
        """The string id of the check-box option that means ticked; MappingProblem when none can be chosen.

        The option the mapping names for this field, else the only one, else
        the first labelled like the mapping's check_box_option, Yes or True.
        """
        values = [v for v in self.field(label).get("allowed_values") or [] if v.get("is_active", True) is not False]
        named = self.check_boxes.named.get(label)
        if named is not None:
            try:
                return self.allowed_value_id(label, named)
            except MappingProblem:
                shown = ", ".join(repr(v["label"]) for v in values) or "none"
                raise MappingProblem(f"check_boxes names the option '{named}' of the qTest check box '{label}', "
                                     f"which has no such active option (it has: {shown})")
        if len(values) == 1:
            return str(values[0]["value"])
        by_label = {v["label"].casefold(): v for v in reversed(values)}
        for wanted in self.check_boxes.preferred():
            if wanted.casefold() in by_label:
                return str(by_label[wanted.casefold()]["value"])
        shown = f"the options {', '.join(repr(v['label']) for v in values)}" if values else "no active option"
        raise MappingProblem(f"the qTest check box '{label}' has {shown}, none of them "
                             + " or ".join(repr(wanted) for wanted in self.check_boxes.preferred()))

    def property(self, label, value):
        """{field_id, field_value}: choices as allowed-value ids, several as "[id,id]", the rest as text."""
        field = self.field(label)
        data_type = field.get("data_type")
        if data_type == CHECK_BOX_TYPE:
            if value is not True:
                raise MappingProblem(f"{value!r} is not a value of the qTest check box '{label}'")
            return {"field_id": field["id"], "field_value": f"[{self.ticked_option(label)}]"}
        if data_type == MULTI_SELECT_TYPE:
            chosen = value if isinstance(value, list) else [value]
            ids = dict.fromkeys(self.allowed_value_id(label, item) for item in chosen)
            return {"field_id": field["id"], "field_value": "[" + ",".join(ids) + "]"}
        if data_type == USER_LIST:
            return {"field_id": field["id"], "field_value": str(value)}
        if data_type == COMBO_BOX or (data_type is None and field.get("allowed_values")):
            return {"field_id": field["id"], "field_value": self.allowed_value_id(label, value)}
        if isinstance(value, list):
            value = ", ".join(value)
        return {"field_id": field["id"], "field_value": str(value)}

    def labels(self):
        return list(self._by_label)

    def id_list_fields(self):
        """The ids of the fields whose values are lists of option ids (check boxes, multi-selects)."""
        return {field["id"] for field in self._by_label.values() if field.get("data_type") in ID_LISTS}


def with_unticked(body, catalog, check_boxes):
    """The body with every check box (by label) that it leaves out listed as empty: what qTest must hold.

    An unticked Zephyr checkbox is sent as nothing, so without this a box
    ticked in qTest afterwards (or by a default) would go unnoticed.
    """
    sent = {prop["field_id"] for prop in body["properties"]}
    ids = [catalog.field(label)["id"] for label in check_boxes if label in catalog]
    return dict(body, properties=body["properties"] + [{"field_id": field_id, "field_value": ""}
                                                        for field_id in ids if field_id not in sent])


def create_case_body(payload, catalog, module_id, called_ids):
    """The POST /test-cases body; raises MappingProblem for a value the target cannot hold."""
    steps = []
    for order, step in enumerate(payload["steps"], start=1):
        body = {"description": step["description"], "expected": step["expected"], "order": order}
        if step.get("called"):
            called = called_ids.get(step["called"])
            if called is None:
                raise MappingProblem(f"called test case {step['called']} has not been loaded into qTest")
            body["called_test_case_id"] = int(called)
        steps.append(body)
    return {
        "name": payload["name"],
        "parent_id": int(module_id),
        "description": payload["description"],
        "precondition": payload["precondition"],
        "properties": [catalog.property(label, value) for label, value in payload["properties"].items()],
        "test_steps": steps,
    }


def unlink_calls(payload, callee_ids):
    """Turn calls to cases that are not in qTest into plain steps, returning (payload, unlinked keys).

    The step keeps its 'Call to test KEY' text, so nothing the tester wrote
    is lost; only the live link is.
    """
    unlinked = [step["called"] for step in payload["steps"] if step.get("called") and step["called"] not in callee_ids]
    if not unlinked:
        return payload, []
    steps = [dict(step, called=None) if step.get("called") in unlinked else step for step in payload["steps"]]
    return dict(payload, steps=steps), list(dict.fromkeys(unlinked))


@dataclass
class FieldChanges:
    """What the target needs before the field plan's values fit: new fields, new choices, and conflicts.

    `unticked` lists the existing check boxes with no option the mapping
    lets the migration choose for a ticked Zephyr checkbox.
    """

    create: list = dataclass_field(default_factory=list)
    add_values: dict = dataclass_field(default_factory=dict)
    problems: list = dataclass_field(default_factory=list)
    unticked: list = dataclass_field(default_factory=list)

    def missing(self):
        """The missing fields and choices, one phrase each, for a user who may not create them."""
        found = [f"field '{entry['label']}' ({entry['kind']})" for entry in self.create]
        found += [f"values {', '.join(repr(value) for value in values)} of field '{label}'"
                  for label, values in self.add_values.items()]
        return found


def field_changes(entries, catalog):
    """Compare the field plan with the target's test-case fields (pure: the caller applies the changes).

    A field that exists must be able to hold the kind of value planned for
    it; a label that differs from an existing one only in case is a conflict
    too, since qTest refuses to create it.
    """
    changes = FieldChanges()
    folded = {label.casefold(): label for label in catalog.labels()}
    for entry in entries:
        label, kind = entry["label"], entry["kind"]
        if label not in catalog:
            if label.casefold() in folded:
                changes.problems.append(f"the field '{label}' would clash with the qTest field "
                                        f"'{folded[label.casefold()]}' (labels differ only in case)")
            elif kind == CHECK_BOX:
                changes.create.append(dict(entry, values=[catalog.check_boxes.for_new(label)]))
            else:
                changes.create.append(entry)
            continue
        field = catalog.field(label)
        data_type = field.get("data_type")
        if data_type is not None and data_type not in ACCEPTED_BY[kind]:
            changes.problems.append(f"the qTest field '{label}' is a {TYPE_NAMES.get(data_type, data_type)} "
                                    f"field, which cannot hold the {kind} values planned for it")
        elif kind == CHECK_BOX:
            _check_box_changes(changes, label, field, catalog)
        elif kind in (SELECT, MULTI_SELECT):
            _missing_values(changes, label, field, entry["values"])
    return changes


def _check_box_changes(changes, label, field, catalog):
    """An existing check box gets an option when it has none; otherwise one of its options must mean ticked."""
    if any(v.get("is_active", True) is not False for v in field.get("allowed_values") or []):
        try:
            catalog.ticked_option(label)
        except MappingProblem as problem:
            changes.unticked.append(str(problem))
    else:
        _missing_values(changes, label, field, [catalog.check_boxes.for_new(label)])


def _missing_values(changes, label, field, values):
    all_values = field.get("allowed_values") or []
    inactive = {v["label"].casefold() for v in all_values if v.get("is_active", True) is False}
    active = {v["label"].casefold() for v in all_values} - inactive
    missing = {}
    for value in values:
        if value.casefold() in inactive and value.casefold() not in active:
            changes.problems.append(f"the value '{value}' of qTest field '{label}' is inactive")
        elif value.casefold() not in active:
            missing.setdefault(value.casefold(), value)
    if missing:
        changes.add_values[label] = list(missing.values())


def field_body(entry):
    """The POST /settings/test-cases/fields body for a field-plan entry, choices (a check box's option) included.

    Check boxes and multi-selects are multiple picklists: qTest wants
    `multiple: true` for them.
    """
    data_type = CREATED_AS[entry["kind"]]
    body = {"label": entry["label"], "data_type": data_type, "required": False, "multiple": data_type in ID_LISTS}
    if data_type in (COMBO_BOX,) + ID_LISTS:
        folded = {}
        for value in entry["values"]:
            folded.setdefault(value.casefold(), value)
        body["allowed_values"] = [{"label": value} for value in folded.values()]
    return body
