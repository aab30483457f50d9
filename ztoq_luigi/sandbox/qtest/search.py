"""qTest Data Query for `POST /search`: parse a query and find the matching objects.

Object types as search_api (2023.6) lists them: test cases, runs, logs,
releases, cycles and suites are searched; requirements, builds and defects
are never populated here, so they always find nothing. Supported, as the
qTest docs describe it: `field op value` conditions with
spaces around the operator, `=` (case-insensitive equality), `~` (contains),
`!~` (does not contain), `is 'empty'` / `is 'not empty'`, combined with
`and`/`or` and parentheses. Fields are `Name`, `Id`, `PID` or a field label
(single-quoted when it has spaces); values are single- or double-quoted text
or a bare word. Select and user fields match a value by id or by label.
An unknown field or a malformed query is a 400, never an empty result.
"""

import re

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.fields import is_choice

SEARCHABLE = {"test-cases": "test-case", "test-runs": "test-run", "test-logs": "test-log", "releases": "release",
              "test-cycles": "test-cycle", "test-suites": "test-suite"}
INDEXED = ("test-case", "test-run")
NEVER_POPULATED = ("requirements", "builds", "defects")
_TOKEN = re.compile(r"\s*(?:(\()|(\))|('(?:[^'])*')|(\"(?:[^\"])*\")|(!~|~|=)|([^\s()'\"=~!]+))")


def search(state, object_type, query):
    """Matching records of `object_type`, ordered by id; requirements and defects are never populated here."""
    if object_type in NEVER_POPULATED:
        return []
    if object_type not in SEARCHABLE:
        valid = ", ".join(sorted(set(SEARCHABLE) | set(NEVER_POPULATED)))
        raise HttpError(400, f"Invalid object_type '{object_type}'. Valid values: {valid}")
    source = _Source(state, object_type)
    tree = _Parser(query).parse() if query and query.strip() else None
    ids = source.all_ids() if tree is None else source.evaluate(tree)
    return [source.objects[i] for i in sorted(ids)]


class _Parser:
    def __init__(self, text):
        self.tokens = _tokenize(text)
        self.position = 0

    def parse(self):
        tree = self._or()
        if self.position != len(self.tokens):
            raise HttpError(400, f"Invalid query: unexpected '{self.tokens[self.position][1]}'")
        return tree

    def _peek_word(self):
        if self.position < len(self.tokens) and self.tokens[self.position][0] == "word":
            return self.tokens[self.position][1].lower()
        return None

    def _take(self, expected_kind=None):
        if self.position >= len(self.tokens):
            raise HttpError(400, "Invalid query: unexpected end of query")
        token = self.tokens[self.position]
        if expected_kind and token[0] != expected_kind:
            raise HttpError(400, f"Invalid query: expected {expected_kind} near '{token[1]}'")
        self.position += 1
        return token

    def _or(self):
        node = self._and()
        while self._peek_word() == "or":
            self.position += 1
            node = ("or", node, self._and())
        return node

    def _and(self):
        node = self._factor()
        while self._peek_word() == "and":
            self.position += 1
            node = ("and", node, self._factor())
        return node

    def _factor(self):
        kind, text = self._take()
        if kind == "open":
            node = self._or()
            self._take("close")
            return node
        if kind not in ("word", "squote"):
            raise HttpError(400, f"Invalid query: expected a field name near '{text}'")
        operator = self._take()
        if operator[0] == "word" and operator[1].lower() == "is":
            value = self._value()
            if value.lower() not in ("empty", "not empty"):
                raise HttpError(400, f"Invalid query: 'is' takes 'empty' or 'not empty', got '{value}'")
            return ("is", text, value.lower())
        if operator[0] != "op":
            raise HttpError(400, f"Invalid query: expected an operator after '{text}', got '{operator[1]}'")
        return (operator[1], text, self._value())

    def _value(self):
        kind, text = self._take()
        if kind not in ("word", "squote", "dquote"):
            raise HttpError(400, f"Invalid query: expected a value near '{text}'")
        return text


def _tokenize(text):
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            raise HttpError(400, f"Invalid query near '{text[position:position + 20]}'")
        opened, closed, squoted, dquoted, operator, word = match.groups()
        if operator:
            start, end = match.start(5), match.end(5)
            if start == 0 or not text[start - 1].isspace() or end >= len(text) or not text[end].isspace():
                raise HttpError(400, f"Invalid query: operator '{operator}' must have spaces around it")
            tokens.append(("op", operator))
        elif opened or closed:
            tokens.append(("open" if opened else "close", opened or closed))
        elif squoted or dquoted:
            tokens.append(("squote" if squoted else "dquote", (squoted or dquoted)[1:-1]))
        else:
            tokens.append(("word", word))
        position = match.end()
    return tokens


class _Source:
    """The objects of one type and how each query field reads from them."""

    def __init__(self, state, object_type):
        self.state = state
        self.object_type = object_type
        self.kind = SEARCHABLE[object_type]
        stores = {"test-case": state.design.cases, "test-run": state.execution.runs, "test-log": state.execution.logs}
        self.objects = stores[self.kind] if self.kind in stores else state.execution.containers[self.kind]

    def all_ids(self):
        return set(self.objects)

    def evaluate(self, node):
        if node[0] == "and":
            return self.evaluate(node[1]) & self.evaluate(node[2])
        if node[0] == "or":
            return self.evaluate(node[1]) | self.evaluate(node[2])
        operator, name, value = node
        reader, index_key, fld = self._field(name)
        if operator == "=" and index_key is not None and self.kind in INDEXED:
            wanted = self.choice_id(fld, value) if fld is not None and is_choice(fld) else value
            if fld is None or not fld.multiple:
                return self.state.index.lookup(self.kind, index_key, wanted)
        return {i for i, obj in self.objects.items() if _matches(operator, reader(obj), value, fld, self)}

    def _field(self, name):
        """(reader(obj) -> stored text, index key or None, Field or None) for a query field name."""
        lowered = name.lower()
        if lowered == "name":
            return self._props_or_name(lambda props, obj: props["name"]), "name", None
        if lowered == "id":
            return (lambda obj: str(obj.id)), None, None
        if lowered == "pid":
            return (lambda obj: getattr(obj, "pid", "")), None, None
        fld = self.state.fields.find(self._field_type(), name)
        if fld is None or not fld.is_active:
            raise HttpError(400, f"Invalid query: unknown field '{name}' for {self.object_type}")
        return self._props_or_name(lambda props, obj: props.get(fld.id, "")), fld.id, fld

    def _field_type(self):
        """Logs carry test-run fields; cycles have no fields at all."""
        return "test-runs" if self.kind == "test-log" else self.object_type

    def _props_or_name(self, pick):
        if self.kind == "test-case":
            return lambda case: pick({"name": case.latest.name, **case.latest.properties}, case)
        if self.kind == "test-log":
            return lambda log: pick({"name": self.state.execution.runs[log.run_id].name, **log.properties}, log)
        return lambda item: pick({"name": item.name, **item.properties}, item)

    def choice_id(self, fld, value):
        for allowed in self.state.fields.allowed_values(fld):
            if value == str(allowed.value) or value.lower() == allowed.label.lower():
                return str(allowed.value)
        return value

    def label_of(self, fld, stored):
        return self.state.fields.value_label(fld, stored)


def _matches(operator, stored, value, fld, source):
    stored = stored or ""
    if operator == "is":
        return (stored == "") == (value == "empty")
    if fld is not None and is_choice(fld):
        wanted = source.choice_id(fld, value)
        ids = re.findall(r"\d+", stored)
        if operator == "=":
            return wanted in ids
        text = source.label_of(fld, stored).lower()
    else:
        if operator == "=":
            return stored.lower() == value.lower()
        text = stored.lower()
    contains = value.lower() in text
    return contains if operator == "~" else not contains
