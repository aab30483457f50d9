"""Choosing, re-grading and adding rules through the config, dotted paths and entry points."""

import os
import sys
from importlib import metadata

import pytest

from ztoq_luigi.config import load_settings
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.kinds import Entity
from ztoq_luigi.validation import registry
from ztoq_luigi.validation.builtin import BUILTIN_RULES
from ztoq_luigi.validation.rules import Comparison, Rule, Severity, at_or_above

CONFIG_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "config")


def settings(tmp_path, text):
    path = tmp_path / "ztoq.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings({}, {}, config_path=str(path))


def test_by_default_every_built_in_rule_runs_at_its_own_severity(tmp_path):
    rules = registry.rule_set(settings(tmp_path, ""))
    assert rules.names() == [rule.name for rule in BUILTIN_RULES]
    assert rules.severity_of("exactly-once") == "critical" and rules.severity_of("strays") == "warning"


def test_the_config_chooses_and_re_grades_rules(tmp_path):
    rules = registry.rule_set(settings(tmp_path, "validation:\n  rules: [strays, trees]\n"
                                                 "  severity: {strays: critical}\n"))
    assert rules.names() == ["strays", "trees"]
    assert (rules.severity_of("strays"), rules.severity_of("trees"), rules.severity_of("counts")) == (
        "critical", "error", None)


@pytest.mark.parametrize("text, expected", [
    ("validation:\n  rules: [nope]\n", "names the rule 'nope', which does not exist; expected one of: counts"),
    ("validation:\n  severity: {nope: info}\n", "names the rule 'nope'"),
    ("validation:\n  plugins: ['no_such_module:RULES']\n",
     "'validation.plugins' entry 'no_such_module:RULES' cannot be loaded (ModuleNotFoundError"),
    ("validation:\n  plugins: ['os:sep']\n", "'validation.plugins' entry 'os:sep' gives a str; expected a "
                                             "ztoq_luigi.validation.rules.Rule or a list of them"),
])
def test_a_bad_rule_name_or_plugin_is_one_line(tmp_path, text, expected):
    with pytest.raises(ConfigError) as caught:
        registry.rule_set(settings(tmp_path, text))
    assert expected in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text, flag", [("validation:\n  severity: {strays: fatal}\n", "validation.severity"),
                                        ("validation:\n  fail_on: bad\n", "validation.fail_on"),
                                        ("validation:\n  against: target\n", "validation.against")])
def test_a_bad_severity_or_mode_is_refused_by_the_settings(tmp_path, text, flag):
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, text)
    assert f"'{flag}'" in str(caught.value)


def test_the_example_rule_loads_by_dotted_path_and_finds_an_empty_step(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(os.path.abspath(CONFIG_DIR))
    rules = registry.rule_set(settings(tmp_path, "validation:\n  plugins: ['validation_rules_example:RULES']\n"
                                                 "  rules: [no-empty-steps]\n"))
    actual = {"test_steps": [{"order": 1, "description": "Open"}, {"order": 2, "description": "<p>&nbsp;</p>"}]}
    rows = rules.check(Comparison(Entity.TEST_CASE, "SBX-T1", {}, actual))
    assert [(row["rule"], row["severity"], row["message"]) for row in rows] == [
        ("no-empty-steps", "warning", "step 2 is empty in qTest")]
    sys.modules.pop("validation_rules_example", None)


def test_an_entry_point_rule_joins_and_may_not_reuse_a_name(tmp_path, monkeypatch):
    mine = Rule("mine", Severity.INFO, {Entity.TEST_CASE}, lambda view: [])
    point = metadata.EntryPoint("mine", "somewhere:RULE", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_entry_points", lambda: [point])
    monkeypatch.setattr(metadata.EntryPoint, "load", lambda self: mine)
    assert registry.rule_set(settings(tmp_path, "")).names()[-1] == "mine"
    clash = Rule("counts", Severity.INFO, {Entity.TEST_CASE}, lambda view: [])
    monkeypatch.setattr(metadata.EntryPoint, "load", lambda self: clash)
    with pytest.raises(ConfigError) as caught:
        registry.rule_set(settings(tmp_path, ""))
    assert "a rule named 'counts' is already defined (built-in)" in str(caught.value)


def test_severities_at_or_above_a_threshold():
    assert at_or_above("error") == ["critical", "error"]
    assert at_or_above("info") == ["critical", "error", "warning", "info"]
