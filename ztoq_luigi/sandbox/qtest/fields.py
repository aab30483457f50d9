"""Field settings of the simulated project and the one place property values are checked.

Every object with `properties` (test cases, runs, suites, releases, logs) goes
through `FieldCatalog.validate`, so the rules a client must respect are the
same everywhere: a known field id of the right object type, select and user
values given as the *string id* of an allowed value (a label is refused),
multi-valued fields as "[id,id]", numbers and dates that parse. A check box
is a multiple picklist, not a boolean: its value is the list of its ticked
options, "[id]", and "true"/"false" are refused.
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.ids import parse_instant, stamp
from ztoq_luigi.sandbox.qtest.stock import (
    CHECK_BOX, DATE, DATE_TIME, EXECUTION_STATUSES, FIELD_OBJECT_TYPES, MULTI_SELECT, MULTIPLE_REQUIRED_TYPES,
    NUMBER, PICKLIST_TYPES, STOCK_FIELDS, USER_LIST,
)

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ID_LIST = re.compile(r"^\[\s*(\d+(\s*,\s*\d+)*)?\s*\]$")


@dataclass
class AllowedValue:
    value: int
    label: str
    order: int
    is_default: bool = False
    is_active: bool = True
    color: Optional[str] = None


@dataclass
class Field:
    id: int
    label: str
    data_type: int
    order: int
    multiple: bool = False
    required: bool = False
    system_field: bool = False
    is_active: bool = True
    searchable: bool = True
    allowed: List[AllowedValue] = field(default_factory=list)
    original_name: str = ""

    @property
    def default_value(self):
        """The default as a property value: a multiple picklist's defaults as "[id,id]"."""
        defaults = [str(value.value) for value in self.allowed if value.is_default and value.is_active]
        if not defaults:
            return None
        return "[" + ",".join(defaults) + "]" if self.data_type in MULTIPLE_REQUIRED_TYPES else defaults[0]

    def allowed_by_id(self, value_id):
        for value in self.allowed:
            if value.value == value_id:
                return value
        return None


class FieldCatalog:
    """Field definitions per object type, users for user-list fields, and value checks."""

    def __init__(self, ids, users):
        self._ids = ids
        self.users = users
        self.by_type = {object_type: [] for object_type in FIELD_OBJECT_TYPES}
        self._seed()

    def _seed(self):
        for object_type, specs in STOCK_FIELDS.items():
            for spec in specs:
                if spec.get("statuses"):
                    allowed = [
                        AllowedValue(s["id"], s["name"], n, s["is_default"], True, s["color"])
                        for n, s in enumerate(EXECUTION_STATUSES, start=1)
                    ]
                else:
                    allowed = [
                        AllowedValue(self._ids.next_id("allowed-value"), label, n, label == spec.get("default"))
                        for n, label in enumerate(spec.get("values", ()), start=1)
                    ]
                self._add(object_type, spec["label"], spec["data_type"], spec.get("multiple", False),
                          system_field=True, allowed=allowed)

    def _add(self, object_type, label, data_type, multiple, system_field=False, required=False, allowed=()):
        fields = self.by_type[object_type]
        created = Field(self._ids.next_id("field"), label, data_type, len(fields) + 1, multiple, required,
                        system_field, allowed=list(allowed), original_name=label)
        fields.append(created)
        return created

    def check_object_type(self, object_type):
        if object_type not in self.by_type:
            raise HttpError(400, f"Invalid object type '{object_type}'. Valid values are: {', '.join(FIELD_OBJECT_TYPES)}")

    def fields(self, object_type, include_inactive=False):
        self.check_object_type(object_type)
        return [f for f in self.by_type[object_type] if include_inactive or f.is_active]

    def get(self, object_type, field_id):
        self.check_object_type(object_type)
        for candidate in self.by_type[object_type]:
            if candidate.id == field_id:
                return candidate
        raise HttpError(404, f"Field with id {field_id} does not exist in {object_type} field settings")

    def find(self, object_type, label):
        """The field with this label (case-insensitive), or None."""
        wanted = label.strip().lower()
        for candidate in self.by_type.get(object_type, ()):
            if candidate.label.lower() == wanted:
                return candidate
        return None

    def status_field(self):
        return self.find("test-runs", "Status")

    def allowed_values(self, fld):
        """Allowed values as clients see them; user lists offer the project's users."""
        if fld.data_type == USER_LIST:
            return [AllowedValue(uid, user_label(user), n) for n, (uid, user) in enumerate(sorted(self.users.items()), 1)]
        return fld.allowed

    def create_field(self, object_type, label, data_type, multiple, required, allowed_specs, is_active=True):
        self.check_object_type(object_type)
        if self.find(object_type, label) is not None:
            raise HttpError(400, f"Field label '{label}' already exists in {object_type} field settings")
        created = self._add(object_type, label, data_type, multiple, required=required)
        created.is_active = is_active
        if allowed_specs:
            self.add_allowed_values(created, allowed_specs)
        return created

    def update_field(self, object_type, fld, changes):
        """Apply a FieldInputResource: data_type stays, an allowed value left out of `allowed_values` is deleted."""
        if changes.get("data_type", fld.data_type) != fld.data_type:
            raise HttpError(400, f"The data type of field '{fld.label}' cannot be updated")
        if "label" in changes:
            clash = self.find(object_type, changes["label"])
            if clash is not None and clash is not fld:
                raise HttpError(400, f"Field label '{changes['label']}' already exists in {object_type} field settings")
        if "allowed_values" in changes:
            self._replace_allowed_values(fld, changes["allowed_values"])
        for key in ("label", "required", "is_active"):
            if key in changes:
                setattr(fld, key, changes[key])

    def _replace_allowed_values(self, fld, specs):
        """The field's values become `specs`, in order: those with a `value` keep their id. All or nothing."""
        if not specs and fld.data_type not in PICKLIST_TYPES:
            return
        _check_picklist(fld)
        by_id = {v.value: v for v in fld.allowed}
        unknown = [spec["value"] for spec in specs if spec.get("value") is not None and spec["value"] not in by_id]
        if unknown:
            raise HttpError(400, f"Allowed value {unknown[0]} does not exist in field '{fld.label}'")
        folded = [spec["label"].lower() for spec in specs]
        clash = next((spec["label"] for spec, label in zip(specs, folded) if folded.count(label) > 1), None)
        if clash is not None:
            raise HttpError(400, f"Allowed value '{clash}' is given more than once for field '{fld.label}'")
        replaced = []
        for order, spec in enumerate(specs, start=1):
            value = by_id.get(spec.get("value")) or AllowedValue(self._ids.next_id("allowed-value"), spec["label"],
                                                                  order)
            value.label, value.order = spec["label"], spec.get("order", order)
            for key in ("is_default", "is_active", "color"):
                if key in spec:
                    setattr(value, key, spec[key])
            replaced.append(value)
        fld.allowed = replaced

    def update_allowed_value(self, fld, value_id, changes):
        """Change an allowed value's label, order, default, active flag or colour; the id stays."""
        _check_picklist(fld)
        value = fld.allowed_by_id(value_id)
        if value is None:
            raise HttpError(404, f"Allowed value {value_id} does not exist in field '{fld.label}'")
        label = changes.get("label", value.label)
        if any(v.label.lower() == label.lower() for v in fld.allowed if v is not value):
            raise HttpError(400, f"Allowed value '{label}' already exists in field '{fld.label}'")
        value.label = label
        for key in ("order", "is_default", "is_active", "color"):
            if key in changes:
                setattr(value, key, changes[key])
        return value

    def delete_allowed_value(self, fld, value_id):
        _check_picklist(fld)
        value = fld.allowed_by_id(value_id)
        if value is None:
            raise HttpError(404, f"Allowed value {value_id} does not exist in field '{fld.label}'")
        fld.allowed.remove(value)

    def add_allowed_values(self, fld, specs):
        """Append allowed values `[{label, is_default, is_active, color}]` to a picklist field."""
        _check_picklist(fld)
        taken = {v.label.lower() for v in fld.allowed}
        created = []
        for spec in specs:
            if spec["label"].lower() in taken:
                raise HttpError(400, f"Allowed value '{spec['label']}' already exists in field '{fld.label}'")
            taken.add(spec["label"].lower())
            created.append(AllowedValue(self._ids.next_id("allowed-value"), spec["label"], len(fld.allowed) + len(created) + 1,
                                        spec.get("is_default", False), spec.get("is_active", True), spec.get("color")))
        fld.allowed.extend(created)
        return created

    def delete_field(self, object_type, fld):
        self.by_type[object_type].remove(fld)

    def validate(self, object_type, properties, current=None):
        """Check request properties and return the resulting {field_id: value} map.

        `current` holds the values being updated; when it is None the object is
        being created, so defaults are applied and required fields enforced.
        """
        values = dict(current) if current is not None else {}
        seen = set()
        for prop in properties:
            field_id = prop["field_id"]
            if field_id in seen:
                raise HttpError(400, f"Field {field_id} is given more than once in properties")
            seen.add(field_id)
            fld = self._active_field(object_type, field_id)
            values[field_id] = self._check_value(fld, prop["field_value"])
        if current is None:
            for fld in self.fields(object_type):
                if fld.id not in values and fld.default_value is not None:
                    values[fld.id] = fld.default_value
                if fld.required and not values.get(fld.id):
                    raise HttpError(400, f"Field '{fld.label}' is required")
        return values

    def _active_field(self, object_type, field_id):
        for candidate in self.by_type[object_type]:
            if candidate.id == field_id and candidate.is_active:
                return candidate
        raise HttpError(400, f"Field with id {field_id} does not exist or is inactive for {object_type}")

    def _check_value(self, fld, raw):
        if isinstance(raw, (dict, list)) or raw is None:
            raise HttpError(400, f"Value of field '{fld.label}' must be a string")
        text = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if text == "":
            if fld.required:
                raise HttpError(400, f"Field '{fld.label}' is required")
            return ""
        if is_choice(fld):
            return self._check_choice(fld, text)
        if fld.data_type == NUMBER and not _NUMBER.match(text):
            raise HttpError(400, f"Value '{text}' of field '{fld.label}' is not a number")
        if fld.data_type in (DATE, DATE_TIME):
            parsed = parse_instant(text)
            if parsed is None:
                raise HttpError(400, f"Value '{text}' of field '{fld.label}' is not an ISO 8601 date-time with offset")
            return stamp(parsed)
        return text

    def _check_choice(self, fld, text):
        match = _ID_LIST.match(text)
        if fld.data_type == CHECK_BOX and not match:
            raise HttpError(400, f"Value of field '{fld.label}' '{text}' is not a valid id list: a check box takes "
                                 "the ids of its ticked allowed values, e.g. '[801]'")
        if match and not (fld.multiple or fld.data_type == MULTI_SELECT):
            raise HttpError(400, f"Field '{fld.label}' accepts a single value, got '{text}'")
        ids_text = re.findall(r"\d+", text) if match else [text]
        valid = {v.value for v in self.allowed_values(fld) if v.is_active}
        chosen = []
        for item in ids_text:
            if not item.isdigit() or int(item) not in valid:
                raise HttpError(400, f"Invalid value '{item}' for field '{fld.label}': expected the id of an allowed value")
            chosen.append(int(item))
        if match or fld.data_type == MULTI_SELECT:
            return "[" + ",".join(str(v) for v in chosen) + "]"
        return str(chosen[0])

    def value_label(self, fld, value):
        """The display text of a stored value: labels for choices, the value itself otherwise."""
        if not value or not is_choice(fld):
            return value
        labels = {v.value: v.label for v in self.allowed_values(fld)}
        ids = [int(v) for v in re.findall(r"\d+", value)]
        return ", ".join(labels.get(v, "") for v in ids)

    def render(self, object_type, values, only_set=False):
        """PropertyResource list: every active field (empty when unset) or only the set ones."""
        rendered = []
        for fld in self.fields(object_type):
            if only_set and fld.id not in values:
                continue
            value = values.get(fld.id, "")
            prop = {"field_id": fld.id, "field_name": fld.label, "field_value": value}
            if is_choice(fld):
                prop["field_value_name"] = self.value_label(fld, value)
            rendered.append(prop)
        return rendered

    def labelled(self, object_type, values):
        """{label: display text} of the set values, for read-back in tests."""
        by_id = {f.id: f for f in self.by_type.get(object_type, ())}
        return {by_id[fid].label: self.value_label(by_id[fid], v) for fid, v in values.items() if fid in by_id}


def user_label(user):
    return f"{user['first_name']} {user['last_name']}"


def _check_picklist(fld):
    """Only combo boxes, multi-selects and check boxes have allowed values to manage."""
    if fld.data_type not in PICKLIST_TYPES:
        raise HttpError(400, f"Field '{fld.label}' does not accept allowed values: only combo box, multi-select "
                             "and check box fields have them")


def is_choice(fld):
    return fld.data_type in PICKLIST_TYPES or fld.data_type == USER_LIST

