"""A string that never shows itself by accident.

Tokens and passwords travel through configuration, logs, exceptions and
Luigi's scheduler UI. Wrapping them means every accidental `str()`, `repr()`,
f-string or JSON dump prints `***`; only `reveal()` gives the value, and only
the HTTP clients and the database factory call it.
"""

MASK = "***"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value):
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = value

    def reveal(self):
        return self._value

    def __bool__(self):
        return bool(self._value)

    def __eq__(self, other):
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self):
        return hash(self._value)

    def __repr__(self):
        return f"Secret({MASK})"

    def __str__(self):
        return MASK

    def __format__(self, spec):
        return MASK

    def __reduce__(self):
        # Pickling is how Luigi ships tasks to worker processes; the value
        # must survive that trip even though it never prints.
        return (Secret, (self._value,))


def mask(text, secrets):
    """Replace every occurrence of each secret's value in `text` with the mask."""
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value:
            text = text.replace(value, MASK)
    return text
