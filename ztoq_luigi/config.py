"""One configuration model fed by flags, environment, a YAML file and defaults.

Every setting is declared once in OPTIONS with its flag, environment variable
and file key, so the CLI, the error messages and the documentation cannot
drift apart. Values are validated by one marshmallow schema whatever their
source, and an invalid one is reported by the name the user gave it.
"""

import os
import re
from dataclasses import dataclass, fields as dataclass_fields
from typing import Optional, Tuple

import yaml
from marshmallow import Schema, ValidationError, fields, validate

from ztoq_luigi.credentials import HostCredentials, HostCredentialsField
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.kinds import PHASES, ZephyrDeletions
from ztoq_luigi.secrets import MASK, Secret

DB_TYPES = ("sqlite", "postgresql")
REPORT_FORMATS = ("json", "html", "text")
AGAINST = ("sent", "source")
SEVERITY_NAMES = ("critical", "error", "warning", "info")
POSTGRES_ONLY = ("db_host", "db_port", "db_username", "db_password", "db_name")
DEFAULT_ZEPHYR_URL = "https://api.zephyrscale.smartbear.com/v2"


@dataclass(frozen=True)
class Option:
    name: str
    flag: str
    env: str
    key: str
    expected: str
    help: str
    secret: bool = False
    switch: bool = False
    mapping: bool = False


OPTIONS = (
    Option("project_key", "--project-key", "ZTOQ_PROJECT_KEY", "project_key",
           "a Zephyr project key such as PROJ (capital letter, then capitals, digits or _)",
           "Zephyr Scale project key to migrate"),
    Option("db_type", "--db-type", "ZTOQ_DB_TYPE", "database.type",
           "sqlite or postgresql", "state database backend (default sqlite)"),
    Option("db_path", "--db-path", "ZTOQ_DB_PATH", "database.path",
           "a file path", "SQLite file (default OUTPUT_DIR/ztoq.db)"),
    Option("db_host", "--host", "ZTOQ_DB_HOST", "database.host",
           "a host name", "PostgreSQL host"),
    Option("db_port", "--port", "ZTOQ_DB_PORT", "database.port",
           "a port number from 1 to 65535", "PostgreSQL port (default 5432)"),
    Option("db_username", "--username", "ZTOQ_DB_USERNAME", "database.username",
           "a user name", "PostgreSQL user"),
    Option("db_password", "--password", "ZTOQ_DB_PASSWORD", "database.password",
           "a password", "PostgreSQL password (prefer ZTOQ_DB_PASSWORD)", secret=True),
    Option("db_name", "--database", "ZTOQ_DB_NAME", "database.name",
           "a database name", "PostgreSQL database name (default ztoq)"),
    Option("zephyr_base_url", "--zephyr-base-url", "ZTOQ_ZEPHYR_BASE_URL", "zephyr.base_url",
           f"an http(s) URL such as {DEFAULT_ZEPHYR_URL}", "Zephyr Scale API base URL"),
    Option("zephyr_api_token", "--zephyr-api-token", "ZTOQ_ZEPHYR_API_TOKEN", "zephyr.api_token",
           "a Zephyr API access token", "Zephyr API token (prefer ZTOQ_ZEPHYR_API_TOKEN)", secret=True),
    Option("jira_base_url", "--jira-base-url", "ZTOQ_JIRA_BASE_URL", "jira.base_url",
           "an http(s) URL such as https://acme.atlassian.net",
           "Jira site holding the files rich text embeds; gets --jira-email and --jira-api-token"),
    Option("jira_email", "--jira-email", "ZTOQ_JIRA_EMAIL", "jira.email",
           "the email of an Atlassian account", "Atlassian account email, for files on the Jira site"),
    Option("jira_api_token", "--jira-api-token", "ZTOQ_JIRA_API_TOKEN", "jira.api_token",
           "an Atlassian API token", "Atlassian API token, for files on the Jira site (prefer ZTOQ_JIRA_API_TOKEN)",
           secret=True),
    Option("attachment_hosts", None, None, "attachments.hosts",
           "a mapping of host names (such as acme.atlassian.net) to {email: ..., api_token: ...}",
           "credentials for other hosts holding embedded files (config file only)", secret=True, mapping=True),
    Option("qtest_base_url", "--qtest-base-url", "ZTOQ_QTEST_BASE_URL", "qtest.base_url",
           "an http(s) URL ending in /api/v3, such as https://example.qtestnet.com/api/v3",
           "qTest API base URL, ending in /api/v3"),
    Option("qtest_username", "--qtest-username", "ZTOQ_QTEST_USERNAME", "qtest.username",
           "a qTest user name", "qTest login user name"),
    Option("qtest_password", "--qtest-password", "ZTOQ_QTEST_PASSWORD", "qtest.password",
           "a qTest password", "qTest password (prefer ZTOQ_QTEST_PASSWORD)", secret=True),
    Option("qtest_api_token", "--qtest-api-token", "ZTOQ_QTEST_API_TOKEN", "qtest.api_token",
           "a qTest API token", "qTest API token, instead of a login (prefer ZTOQ_QTEST_API_TOKEN)",
           secret=True),
    Option("qtest_project_id", "--qtest-project-id", "ZTOQ_QTEST_PROJECT_ID", "qtest.project_id",
           "a positive whole number (the qTest project id)", "target qTest project id"),
    Option("phases", "--phases", "ZTOQ_PHASES", "workflow.phases",
           "one or more of extract, transform, load, validate", "phases to run (default: all)"),
    Option("batch_size", "--batch-size", "ZTOQ_BATCH_SIZE", "workflow.batch_size",
           "a whole number of at least 1", "entities per batch (default 50)"),
    Option("max_workers", "--max-workers", "ZTOQ_MAX_WORKERS", "workflow.max_workers",
           "a whole number of at least 1", "concurrent workers (default 5)"),
    Option("zephyr_rate_limit", "--zephyr-rate-limit", "ZTOQ_ZEPHYR_RATE_LIMIT", "zephyr.rate_limit",
           "a number of requests per second greater than 0, such as 10 or 2.5",
           "most requests per second to Zephyr, shared by all threads and hosts of a run (default: no limit "
           "until Zephyr answers 429)"),
    Option("qtest_rate_limit", "--qtest-rate-limit", "ZTOQ_QTEST_RATE_LIMIT", "qtest.rate_limit",
           "a number of requests per second greater than 0, such as 10 or 2.5",
           "most requests per second to qTest, shared by all threads and hosts of a run (default: no limit "
           "until qTest answers 429)"),
    Option("no_validation", "--no-validation", "ZTOQ_NO_VALIDATION", "workflow.no_validation",
           "true or false", "skip the validate phase", switch=True),
    Option("no_create_fields", "--no-create-fields", "ZTOQ_NO_CREATE_FIELDS", "workflow.no_create_fields",
           "true or false", "do not create missing qTest fields or values; report them and stop before loading",
           switch=True),
    Option("zephyr_deletions", "--zephyr-deletions", "ZTOQ_ZEPHYR_DELETIONS", "workflow.zephyr_deletions",
           "report or delete", "what a sync does with qTest objects whose Zephyr entity was deleted: report them "
           "(default) or delete them in qTest"),
    Option("attachments_dir", "--attachments-dir", "ZTOQ_ATTACHMENTS_DIR", "workflow.attachments_dir",
           "a directory path", "where attachments are stored (default OUTPUT_DIR/attachments)"),
    Option("output_dir", "--output-dir", "ZTOQ_OUTPUT_DIR", "workflow.output_dir",
           "a directory path",
           "where the database, reports and logs go (default $XDG_STATE_HOME/ztoq, else ~/.local/state/ztoq)"),
    Option("mapping", "--mapping", "ZTOQ_MAPPING", "workflow.mapping",
           "a mapping YAML file path", "value and field mapping file (see config/mapping.example.yaml)"),
    Option("validate_against", "--against", "ZTOQ_VALIDATE_AGAINST", "validation.against",
           "sent or source", "validate qTest against what was loaded (sent, default) or against Zephyr as it is "
           "now (source: re-reads Zephyr and reports drift)"),
    Option("fail_on", "--fail-on", "ZTOQ_FAIL_ON", "validation.fail_on", "critical, error, warning or info",
           "exit 6 when validation found an issue this severe or worse (default error)"),
    Option("validation_rules", None, None, "validation.rules", "a list of rule names (see README, Validation)",
           "the validation rules to run (config file only; default all)"),
    Option("validation_severity", None, None, "validation.severity",
           "a mapping of rule names to critical, error, warning or info", "re-graded rules (config file only)",
           mapping=True),
    Option("validation_plugins", None, None, "validation.plugins",
           "a list of dotted paths such as mypackage.rules:RULES", "custom validation rules (config file only)"),
    Option("scheduler_host", "--scheduler-host", "ZTOQ_SCHEDULER_HOST", "scheduler.host",
           "a host name", "luigid central scheduler host (default: a local scheduler)"),
    Option("scheduler_port", "--scheduler-port", "ZTOQ_SCHEDULER_PORT", "scheduler.port",
           "a port number from 1 to 65535", "luigid central scheduler port (default 8082)"),
)
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
FILE_KEYS = {option.key: option for option in OPTIONS}


class _SecretField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return Secret(super()._deserialize(value, attr, data, **kwargs))


class _Phases(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        items = value.replace(",", " ").split() if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items or not all(isinstance(i, str) for i in items):
            raise ValidationError("invalid")
        unknown = [item for item in items if item not in PHASES]
        if unknown:
            raise ValidationError("invalid")
        return tuple(phase for phase in PHASES if phase in items)


def _url(value):
    if not re.match(r"^https?://[^/\s:]+(:\d+)?(/\S*)?$", value):
        raise ValidationError("invalid")


def _qtest_url(value):
    _url(value)
    if not value.rstrip("/").endswith("/api/v3"):
        raise ValidationError("invalid")


class SettingsSchema(Schema):
    project_key = fields.String(validate=validate.Regexp(r"^[A-Z][A-Z_0-9]+$"))
    db_type = fields.String(load_default="sqlite", validate=validate.OneOf(DB_TYPES))
    db_path = fields.String(validate=validate.Length(min=1))
    db_host = fields.String(load_default="localhost", validate=validate.Length(min=1))
    db_port = fields.Integer(load_default=5432, strict=False, validate=validate.Range(1, 65535))
    db_username = fields.String(load_default="postgres")
    db_password = _SecretField(load_default=None, allow_none=True)
    db_name = fields.String(load_default="ztoq", validate=validate.Length(min=1))
    zephyr_base_url = fields.String(load_default=DEFAULT_ZEPHYR_URL, validate=_url)
    zephyr_api_token = _SecretField(load_default=None, allow_none=True)
    jira_base_url = fields.String(load_default=None, allow_none=True, validate=_url)
    jira_email = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1))
    jira_api_token = _SecretField(load_default=None, allow_none=True)
    attachment_hosts = HostCredentialsField(load_default=())
    qtest_base_url = fields.String(validate=_qtest_url)
    qtest_username = fields.String()
    qtest_password = _SecretField(load_default=None, allow_none=True)
    qtest_api_token = _SecretField(load_default=None, allow_none=True)
    qtest_project_id = fields.Integer(strict=False, validate=validate.Range(min=1))
    phases = _Phases(load_default=PHASES)
    batch_size = fields.Integer(load_default=50, strict=False, validate=validate.Range(min=1))
    max_workers = fields.Integer(load_default=5, strict=False, validate=validate.Range(min=1))
    zephyr_rate_limit = fields.Float(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, min_inclusive=False))
    qtest_rate_limit = fields.Float(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, min_inclusive=False))
    no_validation = fields.Boolean(load_default=False)
    no_create_fields = fields.Boolean(load_default=False)
    zephyr_deletions = fields.String(load_default="report", validate=validate.OneOf([str(d) for d in ZephyrDeletions]))
    attachments_dir = fields.String(validate=validate.Length(min=1))
    output_dir = fields.String(validate=validate.Length(min=1))
    mapping = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1))
    validate_against = fields.String(load_default="sent", validate=validate.OneOf(AGAINST))
    fail_on = fields.String(load_default="error", validate=validate.OneOf(SEVERITY_NAMES))
    validation_rules = fields.List(fields.String(validate=validate.Length(min=1)), load_default=None, allow_none=True)
    validation_severity = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(SEVERITY_NAMES)),
                                      load_default=None, allow_none=True)
    validation_plugins = fields.List(fields.String(validate=validate.Length(min=1)), load_default=None, allow_none=True)
    scheduler_host = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1))
    scheduler_port = fields.Integer(load_default=None, allow_none=True, strict=False, validate=validate.Range(1, 65535))


@dataclass(frozen=True)
class Settings:
    project_key: Optional[str] = None
    db_type: str = "sqlite"
    db_path: Optional[str] = None
    db_host: str = "localhost"
    db_port: int = 5432
    db_username: str = "postgres"
    db_password: Optional[Secret] = None
    db_name: str = "ztoq"
    zephyr_base_url: str = DEFAULT_ZEPHYR_URL
    zephyr_api_token: Optional[Secret] = None
    jira_base_url: Optional[str] = None
    jira_email: Optional[str] = None
    jira_api_token: Optional[Secret] = None
    attachment_hosts: Tuple[HostCredentials, ...] = ()
    qtest_base_url: Optional[str] = None
    qtest_username: Optional[str] = None
    qtest_password: Optional[Secret] = None
    qtest_api_token: Optional[Secret] = None
    qtest_project_id: Optional[int] = None
    phases: Tuple[str, ...] = PHASES
    batch_size: int = 50
    max_workers: int = 5
    zephyr_rate_limit: Optional[float] = None
    qtest_rate_limit: Optional[float] = None
    no_validation: bool = False
    no_create_fields: bool = False
    zephyr_deletions: str = "report"
    attachments_dir: Optional[str] = None
    output_dir: Optional[str] = None
    mapping: Optional[str] = None
    validate_against: str = "sent"
    fail_on: str = "error"
    validation_rules: Optional[Tuple[str, ...]] = None
    validation_severity: Optional[dict] = None
    validation_plugins: Optional[Tuple[str, ...]] = None
    scheduler_host: Optional[str] = None
    scheduler_port: Optional[int] = None

    def public(self):
        """The settings safe to store and show: secrets reduced to whether they are set."""
        return {
            f.name: (MASK if getattr(self, f.name) else None) if OPTIONS_BY_NAME[f.name].secret
            else list(getattr(self, f.name)) if f.name == "phases" else getattr(self, f.name)
            for f in dataclass_fields(self)
        }

    def require(self, *names, reason):
        """Fail with one line per the first missing setting, naming every way to give it."""
        for name in names:
            if not getattr(self, name):
                option = OPTIONS_BY_NAME[name]
                raise ConfigError(
                    f"{option.flag} is required {reason}; give it as {option.flag}, "
                    f"the {option.env} environment variable, or '{option.key}' in the config file"
                )


def load_settings(cli_values, environ, config_path=None):
    """Merge the sources (flags over environment over file over defaults) and validate."""
    config_path = config_path or environ.get("ZTOQ_CONFIG")
    file_values = _read_config_file(config_path) if config_path else {}
    raw, sources = {}, {}
    for option in OPTIONS:
        if cli_values.get(option.name) is not None:
            raw[option.name], sources[option.name] = cli_values[option.name], option.flag
        elif option.env and environ.get(option.env) not in (None, ""):
            raw[option.name], sources[option.name] = environ[option.env], option.env
        elif file_values.get(option.key) is not None:
            raw[option.name] = file_values[option.key]
            sources[option.name] = f"'{option.key}' in {config_path}"
    try:
        loaded = SettingsSchema().load(raw)
    except ValidationError as error:
        name = next(option.name for option in OPTIONS if option.name in error.messages)
        raise ConfigError(_invalid(OPTIONS_BY_NAME[name], raw.get(name), sources.get(name)))
    _check_database_options(loaded, sources)
    _check_jira_options(loaded, sources)
    output_dir = loaded.setdefault("output_dir", default_output_dir(environ))
    loaded.setdefault("db_path", os.path.join(output_dir, "ztoq.db"))
    loaded.setdefault("attachments_dir", os.path.join(output_dir, "attachments"))
    return Settings(**loaded)


def default_output_dir(environ):
    """The user's state directory (XDG): the same whatever the working directory, so cron finds earlier runs."""
    state = environ.get("XDG_STATE_HOME")
    if not state or not os.path.isabs(state):
        state = os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "ztoq")


def _invalid(option, value, source):
    shown = MASK if option.secret else _show(value)
    return f"{source or option.flag}: invalid value {shown}; expected {option.expected}"


def _show(value):
    if isinstance(value, (list, tuple)):
        return "'" + " ".join(str(item) for item in value) + "'"
    return repr(value) if not isinstance(value, str) else f"'{value}'"


def _check_database_options(loaded, sources):
    if loaded["db_type"] == "sqlite":
        given = [sources[name] for name in POSTGRES_ONLY if name in sources]
        if given:
            raise ConfigError(
                f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} only to PostgreSQL, "
                "but the database type is sqlite; "
                "expected --db-type postgresql, or no PostgreSQL options"
            )
    elif "db_path" in sources:
        raise ConfigError(
            f"{sources['db_path']} only applies to SQLite, but the database type is postgresql; "
            "expected --db-type sqlite with it, or no database path"
        )


def _check_jira_options(loaded, sources):
    """The Jira site's email and token come together, and only with the site they are for."""
    given = [name for name in ("jira_email", "jira_api_token") if loaded.get(name)]
    if not given:
        return
    if len(given) == 1:
        other = OPTIONS_BY_NAME["jira_api_token" if given == ["jira_email"] else "jira_email"]
        raise ConfigError(f"{sources[given[0]]} is set but {other.flag} is not; expected both: Jira Cloud takes "
                          f"the account email and an API token together (give it as {other.flag}, {other.env} or "
                          f"'{other.key}' in the config file)")
    if not loaded.get("jira_base_url"):
        raise ConfigError(f"{sources['jira_email']} and {sources['jira_api_token']} need the Jira site they are "
                          "for; expected --jira-base-url (ZTOQ_JIRA_BASE_URL, 'jira.base_url') such as "
                          "https://acme.atlassian.net")


def read_yaml_mapping(path, flag, example):
    """A YAML file that must hold a mapping (empty counts as {}); every failure is one ConfigError line."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except OSError as error:
        raise ConfigError(f"{flag}: cannot read '{path}' ({error.strerror}); expected a readable YAML file")
    except UnicodeDecodeError:
        raise ConfigError(f"{flag}: '{path}' is not UTF-8 text; expected a UTF-8 YAML file")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{flag}: '{path}' is not valid YAML{where}; expected a YAML mapping as in {example}")
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{flag}: '{path}' holds a {type(document).__name__}; expected a mapping as in {example}")
    return document


def _read_config_file(path):
    document = read_yaml_mapping(path, "--config", "config/ztoq.example.yaml")
    flat = _flatten(document, path)
    unknown = sorted(key for key in flat if key not in FILE_KEYS)
    if unknown:
        raise ConfigError(
            f"--config: unknown key '{unknown[0]}' in '{path}'; expected one of: {', '.join(FILE_KEYS)}"
        )
    return flat


def _flatten(document, path, prefix=""):
    flat = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not (name in FILE_KEYS and FILE_KEYS[name].mapping):
            if name in FILE_KEYS:
                raise ConfigError(f"--config: '{name}' in '{path}' is a mapping; expected a single value")
            flat.update(_flatten(value, path, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat
