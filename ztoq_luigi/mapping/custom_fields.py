"""Zephyr test-case custom fields, labels and the attributes qTest has no field for, as qTest fields.

Zephyr has no endpoint that describes its custom fields: a case only holds
`{name: value}`. Each field's type is therefore inferred from every value of
the project, in one streaming pass (FieldSurvey) before any case is
transformed. The result, the field plan, names the qTest field each one
becomes, its kind, and the choices a select field needs; values are then
converted case by case (field_value), still by label: ids are the load
phase's business. Everything here is pure.
"""

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ztoq_luigi.kinds import Notice, WarningKind

TEXT, TEXT_AREA, NUMBER, CHECK_BOX, DATE, SELECT, MULTI_SELECT, USER = (
    "text", "text area", "number", "check box", "date", "combo box", "multi-select", "user")
KINDS = (TEXT, TEXT_AREA, NUMBER, CHECK_BOX, DATE, SELECT, MULTI_SELECT, USER)

ESTIMATE_FIELD = "Estimated Time (minutes)"
COMPONENT_FIELD = "Jira Component ID"
ISSUE_LINKS_FIELD = "Jira Issue Links"
WEB_LINKS_FIELD = "Web Links"
ASSIGNED_TO = "Assigned To"
RENAMED = "{} (Zephyr)"

# A string field is a combo box only if its values look like a short list of options:
# few, repeated, short, and never blank or marked up (free text is all of these now and then).
MAX_OPTIONS = 50
MAX_OPTION_LENGTH = 80
MAX_DISTINCT = 1000
_STRING = "string"
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ACCOUNT = re.compile(r"^([0-9a-z]{24}|(\d+:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")


def value_kind(value):
    """The kind one Zephyr value suggests, or None for an empty value (null, blank, no items)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return CHECK_BOX
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, list):
        return MULTI_SELECT if any(_option(item) for item in value) else None
    if not isinstance(value, str):
        return TEXT
    if not value.strip():
        return None
    if _DATE.match(value):
        return DATE
    if "\n" in value or _BREAK.search(value):
        return TEXT_AREA
    return _STRING


class _Seen:
    """What one field's values have shown so far; bounded however many cases there are."""

    def __init__(self, name, mapped_accounts):
        self.name = name
        self.mapped_accounts = mapped_accounts
        self.used_accounts = {}
        self.kinds = set()
        self.count = 0
        self.distinct = {}
        self.overflow = False
        self.free_text = False
        self.accounts = True

    def add(self, value):
        kind = value_kind(value)
        if isinstance(value, str) and not value.strip():
            self.free_text = True
        if kind is None:
            return
        self.kinds.add(kind)
        self.count += 1
        if kind == MULTI_SELECT:
            self._remember(_option(item) for item in value)
        elif kind == _STRING:
            self.free_text |= len(value) > MAX_OPTION_LENGTH or "<" in value or value != value.strip()
            self.accounts &= bool(_ACCOUNT.match(value))
            if value in self.mapped_accounts:
                self.used_accounts[value] = None
            self._remember([value])

    def _remember(self, values):
        for value in values:
            if value and value not in self.distinct:
                if len(self.distinct) >= MAX_DISTINCT:
                    self.overflow = True
                    return
                self.distinct[value] = None


class FieldSurvey:
    """Feed it every extracted test case (add), then ask for the field plan (plan)."""

    def __init__(self, rules):
        self._rules = rules
        self._fields = {}
        self._labels = {}
        self._owners = set()
        self._attributes = set()

    def add(self, case):
        for name, value in (case.get("customFields") or {}).items():
            self._fields.setdefault(name, _Seen(name, self._rules.users)).add(value)
        for label in case.get("labels") or []:
            if _option(label):
                self._labels.setdefault(_option(label), None)
        owner = (case.get("owner") or {}).get("accountId")
        if owner:
            self._owners.add(owner)
        links = case.get("links") or {}
        present = {ESTIMATE_FIELD: case.get("estimatedTime") is not None,
                   COMPONENT_FIELD: (case.get("component") or {}).get("id") is not None,
                   ISSUE_LINKS_FIELD: bool(links.get("issues")), WEB_LINKS_FIELD: bool(links.get("webLinks"))}
        self._attributes.update(label for label, there in present.items() if there)

    def plan(self):
        """(entries, notes): one entry per qTest field the cases will fill, and why a field became text.

        The `values` of an entry are the choices of a select field, and the
        mapped accountIds a user field will hold (the users to look up).
        """
        rules = self._rules
        entries = [_entry(rules.key_field, TEXT, "key")]
        if self._labels:
            entries.append(_entry(rules.labels_field, MULTI_SELECT, "labels", list(self._labels)))
        owners = sorted(owner for owner in self._owners if rules.user(owner))
        if owners:
            entries.append(_entry(ASSIGNED_TO, USER, "owner", owners))
        reserved = {entry["label"].casefold() for entry in entries} | {
            label.casefold() for label in (rules.key_field, rules.labels_field, ASSIGNED_TO, "Priority", "Status",
                                           ESTIMATE_FIELD, COMPONENT_FIELD, ISSUE_LINKS_FIELD, WEB_LINKS_FIELD)}
        notes = []
        known = self._owners | set(rules.users)
        for seen in self._fields.values():
            kind, problem = self._kind(seen, known)
            label = seen.name
            if label.strip().casefold() in reserved:
                label = RENAMED.format(seen.name)
                notes.append((seen.name, Notice(WarningKind.FIELD_RENAMED, f"custom field '{seen.name}' has the name of "
                                                f"a field the migration fills itself; migrated as '{label}'",
                                                subject=seen.name)))
            if problem:
                notes.append((seen.name, Notice(WarningKind.FIELD_AS_TEXT, f"custom field '{seen.name}' {problem}; "
                                                f"migrated as a {TEXT} field", subject=seen.name)))
            values = {SELECT: seen.distinct, MULTI_SELECT: seen.distinct, USER: seen.used_accounts}.get(kind, ())
            entries.append(dict(_entry(label, kind, "custom", values), zephyr_name=seen.name))
        attributes = {ESTIMATE_FIELD: NUMBER, COMPONENT_FIELD: TEXT, ISSUE_LINKS_FIELD: TEXT_AREA,
                      WEB_LINKS_FIELD: TEXT_AREA}
        entries += [_entry(label, kind, "attribute") for label, kind in attributes.items()
                    if label in self._attributes]
        return entries, notes

    @staticmethod
    def _kind(seen, known):
        """(kind, problem): the kind that holds every value seen, and why it had to fall back to text."""
        kinds = seen.kinds
        if not kinds:
            return TEXT, None
        if kinds <= {_STRING, TEXT_AREA} and TEXT_AREA in kinds:
            return TEXT_AREA, None
        if len(kinds) > 1:
            shown = ", ".join(sorted(TEXT if kind == _STRING else kind for kind in kinds))
            return TEXT, f"holds values of different types across the project ({shown})"
        kind = next(iter(kinds))
        if kind == MULTI_SELECT and seen.overflow:
            return TEXT, f"has more than {MAX_DISTINCT} distinct choices"
        if kind != _STRING:
            return kind, None
        if seen.accounts and not seen.overflow and known.intersection(seen.distinct):
            return USER, None
        options = len(seen.distinct)
        if not seen.free_text and not seen.overflow and options <= MAX_OPTIONS and seen.count >= 2 * options:
            return SELECT, None
        return TEXT, None


def _entry(label, kind, origin, values=()):
    return {"label": label, "kind": kind, "origin": origin, "values": list(values)}


def _option(item):
    """A choice label: items of multi-select values and labels are names, never blank."""
    text = item if isinstance(item, str) else "" if item is None else str(item)
    return text.strip()


class Unfit(ValueError):
    """A value that the kind inferred for its field cannot hold (the data changed after the survey)."""


def field_value(kind, value):
    """The qTest value (still by label) of a Zephyr value for a field of `kind`; None leaves it empty.

    Users are resolved elsewhere (mapping/users.py): here a user value is the
    accountId. A check box is True when ticked; an unticked one is empty,
    since a qTest check box holds the options ticked and `false` is none.
    Raises Unfit for a value that does not match the kind.
    """
    if value_kind(value) is None:
        return None
    if kind == TEXT:
        return _text(value)
    if kind == TEXT_AREA:
        return html.unescape(_BREAK.sub("\n", _text(value)))
    expected = {NUMBER: (NUMBER,), CHECK_BOX: (CHECK_BOX,), DATE: (DATE,), SELECT: (_STRING,),
                MULTI_SELECT: (MULTI_SELECT,), USER: (_STRING,)}[kind]
    if value_kind(value) not in expected:
        raise Unfit(f"{_text(value)!r} is not a {kind} value")
    if kind == NUMBER:
        return number_text(value)
    if kind == CHECK_BOX:
        return True if value else None
    if kind == DATE:
        return f"{value}T00:00:00+00:00"
    if kind == MULTI_SELECT:
        return list(dict.fromkeys(option for option in map(_option, value) if option))
    return value


@dataclass(frozen=True)
class CheckBoxOptions:
    """Which option of a qTest check box stands for a ticked Zephyr checkbox.

    A qTest check box is a picklist: ticking it means choosing one of its
    allowed values, so a Zephyr `true` needs an option to become. `created`
    labels the single option of the check boxes the migration creates;
    `named` maps a qTest field label to the option that means ticked, for
    check boxes that already exist with several options.
    """

    created: str = "Yes"
    named: dict = field(default_factory=dict)

    def for_new(self, label):
        """The option label a new (or option-less) check box gets."""
        return self.named.get(label, self.created)

    def preferred(self):
        """Option labels that mean ticked, best first, for a check box the mapping names no option of."""
        return list(dict.fromkeys([self.created, "Yes", "True"]))


def number_text(number):
    """A number as qTest's number fields take it: plain decimal notation, no exponent, no trailing zeros."""
    if isinstance(number, int):
        return str(number)
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value if _text(item))
    return str(value)
