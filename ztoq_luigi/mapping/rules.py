"""The mapping rules a QA lead may want to change: value names, field names, landing places.

Defaults fit a stock qTest project. A YAML file (`--mapping FILE`, see
config/mapping.example.yaml) overrides any of them; the file goes through
the same marshmallow validation as every other input.
"""

from dataclasses import dataclass, field

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ztoq_luigi.config import read_yaml_mapping
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.mapping.custom_fields import CheckBoxOptions
from ztoq_luigi.schemas.base import first_problem

DEFAULT_PRIORITIES = {"High": "High", "Normal": "Medium", "Low": "Low"}
DEFAULT_STATUSES = {"Draft": "New", "Approved": "Approved", "Deprecated": "Obsolete"}
DEFAULT_EXECUTION_STATUSES = {"Pass": "Passed", "Fail": "Failed", "Blocked": "Blocked", "In Progress": "Incomplete",
                              "Not Executed": "Unexecuted"}
DEFAULT_FIELDS = {"key": "Zephyr Key", "labels": "Labels"}
DEFAULT_MODULES = {"unfiled": "Zephyr import"}
DEFAULT_CYCLES = {"adhoc": "Ad-hoc executions"}


@dataclass(frozen=True)
class MappingRules:
    priorities: dict = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    statuses: dict = field(default_factory=lambda: dict(DEFAULT_STATUSES))
    execution_statuses: dict = field(default_factory=lambda: dict(DEFAULT_EXECUTION_STATUSES))
    users: dict = field(default_factory=dict)
    key_field: str = "Zephyr Key"
    labels_field: str = "Labels"
    unfiled_module: str = "Zephyr import"
    adhoc_cycle: str = "Ad-hoc executions"
    check_boxes: CheckBoxOptions = field(default_factory=CheckBoxOptions)

    def priority(self, zephyr_name):
        """The qTest Priority label for a Zephyr priority name; unmapped names pass through."""
        return self.priorities.get(zephyr_name, zephyr_name)

    def status(self, zephyr_name):
        return self.statuses.get(zephyr_name, zephyr_name)

    def execution_status(self, zephyr_name):
        """The qTest execution status name, or None when the mapping does not know the Zephyr one."""
        return self.execution_statuses.get(zephyr_name)

    def user(self, account_id):
        """The qTest user (id or login) an Atlassian accountId maps to, or None: never guessed."""
        return self.users.get(account_id) if account_id else None


class _Label(fields.String):
    """A label; YAML reads a bare Yes, No, On or Off as a boolean, which is never what a label means."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError(f"{str(value).lower()} is a YAML boolean: write the label in quotes, e.g. 'Yes'")
        return super()._deserialize(value, attr, data, **kwargs)


_names = fields.Dict(keys=fields.String(validate=validate.Length(min=1)),
                     values=fields.String(validate=validate.Length(min=1)))


class _RulesSchema(Schema):
    class Meta:
        unknown = RAISE

    priorities = _names
    statuses = _names
    execution_statuses = _names
    users = fields.Dict(keys=fields.String(validate=validate.Length(min=1)),
                        values=fields.Raw(validate=lambda value: isinstance(value, (str, int)) and str(value) != ""))
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.String(validate=validate.Length(min=1)))
    modules = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(min=1)))
    cycles = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(min=1)))
    check_box_option = _Label(validate=validate.Length(min=1))
    check_boxes = fields.Dict(keys=fields.String(validate=validate.Length(min=1)),
                              values=_Label(validate=validate.Length(min=1)))


def load_rules(path):
    """Rules from a YAML file layered over the defaults, or the defaults when path is None."""
    if not path:
        return MappingRules()
    document = read_yaml_mapping(path, "--mapping", "config/mapping.example.yaml")
    try:
        loaded = _RulesSchema().load(document)
    except ValidationError as error:
        key, problem = first_problem(error.messages)
        raise ConfigError(f"--mapping: '{key}' in '{path}' is invalid ({problem}); "
                          "expected the layout of config/mapping.example.yaml")
    named = {}
    for section, defaults in (("fields_", DEFAULT_FIELDS), ("modules", DEFAULT_MODULES), ("cycles", DEFAULT_CYCLES)):
        given = loaded.get(section, {})
        unknown = sorted(set(given) - set(defaults))
        if unknown:
            raise ConfigError(f"--mapping: unknown entry '{section.rstrip('_')}.{unknown[0]}' in '{path}'; expected "
                              + ", ".join(f"{section.rstrip('_')}.{name}" for name in defaults))
        named[section] = {**defaults, **given}
    return MappingRules(
        priorities={**DEFAULT_PRIORITIES, **loaded.get("priorities", {})},
        statuses={**DEFAULT_STATUSES, **loaded.get("statuses", {})},
        execution_statuses={**DEFAULT_EXECUTION_STATUSES, **loaded.get("execution_statuses", {})},
        users={account: str(user) for account, user in loaded.get("users", {}).items()},
        key_field=named["fields_"]["key"],
        labels_field=named["fields_"]["labels"],
        unfiled_module=named["modules"]["unfiled"],
        adhoc_cycle=named["cycles"]["adhoc"],
        check_boxes=CheckBoxOptions(created=loaded.get("check_box_option", CheckBoxOptions.created),
                                    named=loaded.get("check_boxes", {})),
    )
