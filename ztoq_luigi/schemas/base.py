"""What every payload schema shares: leniency towards new fields, and one-line problem messages."""

import functools

from marshmallow import EXCLUDE, Schema


class LenientSchema(Schema):
    """Checks the fields it declares and ignores the rest: real services add fields over time."""

    class Meta:
        unknown = EXCLUDE


def check(schema, payload):
    """Validate one payload against a schema class; returns the list of problems (empty when it is well formed)."""
    if not isinstance(payload, dict):
        return [f"expected a JSON object, got {type(payload).__name__}"]
    errors = _instance(schema).validate(payload)
    return [f"{field}: {_first(message)}" for field, message in sorted(_flatten(errors).items())]


@functools.cache
def _instance(schema):
    """One instance per schema class, shared by every thread.

    Building a schema (its fields, its nested schemas) costs more than
    checking a payload with it, and validating changes nothing in it.
    """
    return schema()


def first_problem(messages):
    """(dotted field name, message) of the first error in a marshmallow messages dict."""
    field, message = sorted(_flatten(messages).items())[0]
    return field, _first(message)


def _flatten(errors, prefix=""):
    flat = {}
    for key, value in errors.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat


def _first(message):
    return message[0] if isinstance(message, list) and message else message
