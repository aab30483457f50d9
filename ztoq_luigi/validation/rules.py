"""Validation rules: a name, a severity, the entity types they judge, and a pure check that yields issues.

A rule never reads anything itself. The validate tasks read qTest (and, with
`--against source`, Zephyr) in bulk, build views of what should be and what
is, and hand each view to the rules that apply to its entity type and kind
of view. So a rule is a function of its view alone, testable with plain
dicts, and a user's own rule (an entry point in the group
`ztoq.validation_rules`, or a dotted path in the config) gets exactly what a
built-in one gets.

Views:
- Comparison: one entity, what should be (`expected`) against the one qTest
  object that carries its key (`actual`), with `source` (the Zephyr payload)
  and `context` (names and ids the comparison needs).
- Census: every entity of a type, expected keys against the qTest objects
  found per key, and keys found in qTest that nothing explains.
- Tree: a folder tree as paths, expected (by Zephyr folder) against found,
  and what else qTest holds under the migrated folders.
- Drift: one Zephyr entity as migrated against Zephyr as it is now.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, FrozenSet, Mapping, Optional

from ztoq_luigi.kinds import Entity, Name


class Severity(Name):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self):
        """Higher is worse: critical 3, error 2, warning 1, info 0."""
        return len(SEVERITIES) - 1 - SEVERITIES.index(self)


SEVERITIES = (Severity.CRITICAL, Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True)
class Issue:
    entity_key: str
    expected: Any
    actual: Any
    message: str


@dataclass(frozen=True)
class Comparison:
    entity_type: Entity
    key: str
    expected: Mapping
    actual: Mapping
    source: Optional[Mapping] = None
    context: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Census:
    """`expected` are the keys that must be in qTest once; `found` the qTest ids per key read back."""

    entity_type: Entity
    expected: FrozenSet[str]
    found: Mapping
    not_loaded: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class Tree:
    """`expected` maps each Zephyr folder id to its path, `found` to the path of its qTest object (absent when
    gone); `extra` lists the paths of qTest objects under the migrated ones that no folder explains."""

    entity_type: Entity
    expected: Mapping
    found: Mapping
    extra: tuple = ()


@dataclass(frozen=True)
class Drift:
    """One Zephyr entity as extracted for the migration (`migrated`) and as Zephyr holds it now (`current`)."""

    entity_type: Entity
    key: str
    migrated: Optional[Mapping]
    current: Optional[Mapping]


VIEWS = (Comparison, Census, Tree, Drift)


@dataclass(frozen=True)
class Rule:
    """`check(view)` yields Issues; it is called for views of `view` kind whose entity type is in `applies_to`."""

    name: str
    severity: Severity
    applies_to: FrozenSet[Entity]
    check: Callable
    view: type = Comparison
    description: str = ""

    def __post_init__(self):
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "applies_to", frozenset(Entity(kind) for kind in self.applies_to))
        if self.view not in VIEWS:
            raise TypeError(f"rule '{self.name}': view must be one of {', '.join(v.__name__ for v in VIEWS)}")


class RuleSet:
    """The rules chosen for a run, each with the severity the config gives it."""

    def __init__(self, rules):
        self.rules = tuple(rules)

    def names(self):
        return [rule.name for rule in self.rules]

    def severity_of(self, name):
        """The severity a chosen rule reports at, or None when the rule is not chosen."""
        return next((rule.severity.value for rule in self.rules if rule.name == name), None)

    def wants(self, entity_type, view):
        """Whether any rule judges views of this kind and type: what no rule asks for is not read."""
        return any(entity_type in rule.applies_to and rule.view is view for rule in self.rules)

    def check(self, view):
        """Issue rows {rule, severity, entity_type, entity_key, expected, actual, message} of the rules that apply."""
        rows = []
        for rule in self.rules:
            if rule.view is not type(view) or view.entity_type not in rule.applies_to:
                continue
            for issue in rule.check(view) or ():
                rows.append({"rule": rule.name, "severity": rule.severity.value,
                             "entity_type": view.entity_type.value, "entity_key": str(issue.entity_key),
                             "expected": _text(issue.expected), "actual": _text(issue.actual),
                             "message": issue.message})
        return rows


def at_or_above(threshold):
    """The severities as bad as `threshold` or worse."""
    return [severity.value for severity in SEVERITIES if severity.rank >= Severity(threshold).rank]


def _text(value):
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 500 else text[:497] + "..."
