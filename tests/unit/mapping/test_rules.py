"""Mapping rules: defaults for a stock qTest project, overridable by a YAML file, with one-line errors."""

import os

import pytest

from ztoq_luigi.errors import ConfigError, ExitStatus
from ztoq_luigi.mapping.custom_fields import CheckBoxOptions
from ztoq_luigi.mapping.rules import DEFAULT_PRIORITIES, DEFAULT_STATUSES, MappingRules, load_rules


def write(tmp_path, text, name="mapping.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def config_error(path):
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert "\n" not in message, "errors are printed as a single line"
    assert message.startswith("--mapping: ")
    assert caught.value.exit_status == ExitStatus.USAGE_ERROR
    return message


def test_defaults_fit_a_stock_qtest_project():
    rules = MappingRules()
    assert rules.priority("Normal") == "Medium" and rules.priority("High") == "High" and rules.priority("Low") == "Low"
    assert rules.status("Draft") == "New" and rules.status("Approved") == "Approved"
    assert rules.status("Deprecated") == "Obsolete"
    assert rules.key_field == "Zephyr Key" and rules.unfiled_module == "Zephyr import"


def test_unmapped_names_pass_through_unchanged():
    rules = MappingRules()
    assert rules.priority("Blocker 🔥") == "Blocker 🔥" and rules.status("In Review") == "In Review"


@pytest.mark.parametrize("path", [None, ""])
def test_no_file_gives_the_defaults(path):
    assert load_rules(path) == MappingRules()


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_gives_the_defaults(tmp_path, text):
    assert load_rules(write(tmp_path, text)) == MappingRules()


def test_a_file_overrides_only_what_it_names(tmp_path):
    path = write(tmp_path, """
priorities:
  Normal: P2
  Blocker: P0
statuses:
  Draft: Draft
  Needs Review: 审核中
fields:
  key: Legacy ID
modules:
  unfiled: From Zephyr 🚚
""")
    rules = load_rules(path)
    assert rules.priority("Normal") == "P2" and rules.priority("Blocker") == "P0"
    assert rules.priority("High") == "High", "defaults not named in the file stay"
    assert rules.status("Draft") == "Draft" and rules.status("Needs Review") == "审核中"
    assert rules.status("Deprecated") == "Obsolete"
    assert rules.key_field == "Legacy ID"
    assert rules.unfiled_module == "From Zephyr 🚚"


def test_check_box_options_come_from_the_file(tmp_path):
    rules = load_rules(write(tmp_path, "check_box_option: 'Done'\ncheck_boxes:\n  Implemented: Erledigt ✓\n"))
    assert rules.check_boxes == CheckBoxOptions(created="Done", named={"Implemented": "Erledigt ✓"})
    assert MappingRules().check_boxes == CheckBoxOptions(created="Yes", named={})


@pytest.mark.parametrize("text, key", [
    ("check_box_option: Yes\n", "check_box_option"),
    ("check_boxes:\n  Implemented: on\n", "check_boxes.Implemented"),
])
def test_a_bare_yaml_boolean_as_option_label_asks_for_quotes(tmp_path, text, key):
    message = config_error(write(tmp_path, text))
    assert f"'{key}" in message and "write the label in quotes, e.g. 'Yes'" in message


def test_loading_a_file_does_not_change_the_module_defaults(tmp_path):
    load_rules(write(tmp_path, "priorities:\n  Normal: P2\n"))
    assert DEFAULT_PRIORITIES["Normal"] == "Medium" and MappingRules().priority("Normal") == "Medium"
    assert DEFAULT_STATUSES["Draft"] == "New"


def test_each_rules_object_has_its_own_tables():
    first, second = MappingRules(), MappingRules()
    first.priorities["Normal"] = "changed"
    assert second.priority("Normal") == "Medium"


@pytest.mark.parametrize("text, key", [
    ("colour: red\n", "colour"),
    ("fields:\n  owner: Tester\n", "fields.owner"),
    ("modules:\n  adhoc: Ad hoc\n", "modules.adhoc"),
])
def test_unknown_entries_are_named_in_the_error(tmp_path, text, key):
    path = write(tmp_path, text)
    message = config_error(path)
    assert f"'{key}'" in message and path in message


@pytest.mark.parametrize("text, key", [
    ("priorities:\n  Normal: 3\n", "priorities"),
    ("priorities:\n  Normal: ''\n", "priorities"),
    ("priorities:\n  Normal: null\n", "priorities"),
    ("priorities: [High, Low]\n", "priorities"),
    ("statuses:\n  Draft: [a, b]\n", "statuses"),
    ("modules:\n  unfiled: ''\n", "modules"),
    ("fields: key\n", "fields"),
    ("check_box_option: ''\n", "check_box_option"),
    ("check_boxes: [Done]\n", "check_boxes"),
])
def test_invalid_values_are_one_line_errors_naming_the_entry(tmp_path, text, key):
    message = config_error(write(tmp_path, text))
    assert f"'{key}" in message and "invalid" in message


def test_an_empty_key_field_name_is_rejected(tmp_path):
    config_error(write(tmp_path, "fields:\n  key: ''\n"))


@pytest.mark.parametrize("text", ["priorities: [unclosed\n", "a: b: c\n", "\tpriorities:\n  - x\n", "key: 'open\n"])
def test_bad_yaml_is_a_one_line_error(tmp_path, text):
    path = write(tmp_path, text)
    message = config_error(path)
    assert "not valid YAML" in message and path in message


@pytest.mark.parametrize("text, kind", [
    ("- High\n- Low\n", "list"),
    ("just a sentence\n", "str"),
    ("42\n", "int"),
    pytest.param("[]\n", "list"),
])
def test_a_document_that_is_not_a_mapping_is_rejected(tmp_path, text, kind):
    message = config_error(write(tmp_path, text))
    assert f"holds a {kind}" in message and "expected a mapping" in message


def test_a_missing_file_is_a_one_line_error(tmp_path):
    path = str(tmp_path / "nope.yaml")
    message = config_error(path)
    assert path in message and "cannot read" in message


def test_a_directory_is_a_one_line_error(tmp_path):
    message = config_error(str(tmp_path))
    assert "cannot read" in message


def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("priorities:\n  Normal: Priorité normale\n".encode("latin-1"))
    config_error(str(path))


def test_the_example_mapping_file_loads_and_equals_the_defaults():
    example = os.path.join(os.path.dirname(__file__), "..", "..", "..", "config", "mapping.example.yaml")
    assert load_rules(example) == MappingRules()
