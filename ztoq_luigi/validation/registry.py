"""Which rules a validation runs, and how severe each one's issues are: built-ins, plug-ins, the config.

Rules come from three places: the built-ins (validation/builtin.py), every
entry point of the group `ztoq.validation_rules` of an installed package,
and each dotted path in `validation.plugins` (`package.module:NAME` or
`package.module.NAME`). An entry or path names a Rule or an iterable of
Rules. `validation.rules` chooses among them by name (all when absent) and
`validation.severity` re-grades any by name. Every problem is one
ConfigError line naming the rule or path and what was expected.
"""

import importlib
from importlib import metadata

from ztoq_luigi.errors import ConfigError
from ztoq_luigi.validation.builtin import BUILTIN_RULES
from ztoq_luigi.validation.rules import Rule, RuleSet, Severity

ENTRY_POINT_GROUP = "ztoq.validation_rules"


def rule_set(settings):
    """The RuleSet the settings ask for (validation.rules, validation.severity, validation.plugins)."""
    available = {}
    for origin, rules in _sources(settings.validation_plugins or ()):
        for rule in rules:
            if rule.name in available:
                raise ConfigError(f"{origin}: a rule named '{rule.name}' is already defined "
                                  f"({available[rule.name][0]}); expected unique rule names")
            available[rule.name] = (origin, rule)
    chosen = list(settings.validation_rules) if settings.validation_rules else list(available)
    unknown = [name for name in list(chosen) + list(settings.validation_severity or {}) if name not in available]
    if unknown:
        raise ConfigError(f"'validation' in the config names the rule '{unknown[0]}', which does not exist; "
                          f"expected one of: {', '.join(available)}")
    regraded = dict(settings.validation_severity or {})
    return RuleSet(_with_severity(available[name][1], regraded.get(name)) for name in dict.fromkeys(chosen))


def _with_severity(rule, severity):
    if severity is None:
        return rule
    return Rule(rule.name, Severity(severity), rule.applies_to, rule.check, rule.view, rule.description)


def _sources(plugins):
    yield "built-in", BUILTIN_RULES
    for entry in _entry_points():
        origin = f"entry point '{entry.name}' of {ENTRY_POINT_GROUP}"
        try:
            loaded = entry.load()
        except Exception as error:
            raise ConfigError(f"{origin} ({entry.value}) cannot be loaded ({type(error).__name__}: {error}); "
                              "expected an importable Rule or list of Rules")
        yield origin, _rules(loaded, origin)
    for path in plugins:
        origin = f"'validation.plugins' entry '{path}'"
        yield origin, _rules(_import(path, origin), origin)


def _entry_points():
    found = metadata.entry_points()
    if hasattr(found, "select"):
        return sorted(found.select(group=ENTRY_POINT_GROUP), key=lambda entry: entry.name)
    return sorted(found.get(ENTRY_POINT_GROUP, ()), key=lambda entry: entry.name)


def _import(path, origin):
    module_name, _, attribute = path.partition(":") if ":" in path else path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise ConfigError(f"{origin} cannot be loaded ({type(error).__name__}: {error}); expected "
                          "'package.module:NAME' naming a Rule or a list of Rules on the Python path")


def _rules(loaded, origin):
    rules = [loaded] if isinstance(loaded, Rule) else list(loaded) if isinstance(loaded, (list, tuple)) else None
    if not rules or not all(isinstance(rule, Rule) for rule in rules):
        raise ConfigError(f"{origin} gives a {type(loaded).__name__}; expected a "
                          "ztoq_luigi.validation.rules.Rule or a list of them")
    return rules

