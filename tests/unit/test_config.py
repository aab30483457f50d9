import os

import pytest

from ztoq_luigi.config import PHASES, load_settings
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.secrets import Secret


def write(tmp_path, text, name="ztoq.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_of(cli=None, environ=None, config_path=None):
    with pytest.raises(ConfigError) as caught:
        load_settings(cli or {}, environ or {}, config_path)
    message = str(caught.value)
    assert "\n" not in message
    return message


class TestPrecedence:
    def test_defaults_apply_when_nothing_is_given(self):
        settings = load_settings({}, {"HOME": "/home/qa"})
        assert settings.db_type == "sqlite"
        assert settings.batch_size == 50
        assert settings.max_workers == 5
        assert settings.phases == PHASES
        assert settings.no_validation is False
        assert settings.zephyr_base_url == "https://api.zephyrscale.smartbear.com/v2"
        assert settings.output_dir == "/home/qa/.local/state/ztoq"
        assert settings.db_path == "/home/qa/.local/state/ztoq/ztoq.db"
        assert settings.attachments_dir == "/home/qa/.local/state/ztoq/attachments"

    @pytest.mark.parametrize("environ, expected", [
        ({"XDG_STATE_HOME": "/var/lib/qa", "HOME": "/home/qa"}, "/var/lib/qa/ztoq"),
        ({"XDG_STATE_HOME": "relative/state", "HOME": "/home/qa"}, "/home/qa/.local/state/ztoq"),
        ({"XDG_STATE_HOME": "", "HOME": "/home/qa"}, "/home/qa/.local/state/ztoq"),
    ], ids=["xdg", "relative-xdg-ignored", "empty-xdg"])
    def test_the_default_output_dir_is_the_users_state_dir_whatever_the_working_dir(self, environ, expected,
                                                                                     tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        assert load_settings({}, environ).output_dir == expected

    def test_flag_beats_environment_beats_file_beats_default(self, tmp_path):
        path = write(tmp_path, "workflow:\n  batch_size: 30\n  max_workers: 3\n  output_dir: from-file\n"
                               "project_key: FILE\n")
        environ = {"ZTOQ_BATCH_SIZE": "20", "ZTOQ_MAX_WORKERS": "2"}
        settings = load_settings({"batch_size": "10"}, environ, path)
        assert settings.batch_size == 10
        assert settings.max_workers == 2
        assert settings.output_dir == "from-file"
        assert settings.project_key == "FILE"
        assert settings.db_path == os.path.join("from-file", "ztoq.db")

    def test_config_file_can_come_from_the_environment(self, tmp_path):
        path = write(tmp_path, "qtest:\n  project_id: 77\n")
        assert load_settings({}, {"ZTOQ_CONFIG": path}).qtest_project_id == 77

    def test_empty_environment_value_is_ignored(self, tmp_path):
        path = write(tmp_path, "workflow:\n  batch_size: 30\n")
        assert load_settings({}, {"ZTOQ_BATCH_SIZE": ""}, path).batch_size == 30

    def test_secrets_from_every_source_are_wrapped(self, tmp_path):
        path = write(tmp_path, "qtest:\n  password: file-pw\n")
        settings = load_settings({"zephyr_api_token": "flag-token", "db_type": "postgresql"},
                                 {"ZTOQ_DB_PASSWORD": "env-pw"}, path)
        assert isinstance(settings.zephyr_api_token, Secret)
        assert settings.db_password.reveal() == "env-pw"
        assert settings.zephyr_api_token.reveal() == "flag-token"
        assert settings.qtest_password.reveal() == "file-pw"

    def test_phases_from_flag_list_env_string_and_file_list(self, tmp_path):
        assert load_settings({"phases": ["load", "extract"]}, {}).phases == ("extract", "load")
        assert load_settings({}, {"ZTOQ_PHASES": "transform,validate"}).phases == ("transform", "validate")
        path = write(tmp_path, "workflow:\n  phases: [extract, extract, transform]\n")
        assert load_settings({}, {}, path).phases == ("extract", "transform")

    def test_postgresql_settings(self):
        settings = load_settings({"db_type": "postgresql", "db_host": "db.example", "db_port": "6543",
                                  "db_username": "ztoq", "db_name": "migr"}, {"ZTOQ_DB_PASSWORD": "pw"})
        assert (settings.db_host, settings.db_port, settings.db_username, settings.db_name) == (
            "db.example", 6543, "ztoq", "migr")
        assert settings.db_password.reveal() == "pw"


class TestErrors:
    def test_non_integer_batch_size(self):
        assert error_of({"batch_size": "ten"}) == (
            "--batch-size: invalid value 'ten'; expected a whole number of at least 1")

    def test_zero_workers_from_environment(self):
        assert error_of(environ={"ZTOQ_MAX_WORKERS": "0"}) == (
            "ZTOQ_MAX_WORKERS: invalid value '0'; expected a whole number of at least 1")

    @pytest.mark.parametrize("value", ["0", "-2", "fast", "nan"])
    def test_a_rate_limit_is_a_positive_number_of_requests_per_second(self, value):
        assert error_of({"qtest_rate_limit": value}) == (
            f"--qtest-rate-limit: invalid value '{value}'; expected a number of requests per second greater than 0, "
            "such as 10 or 2.5")

    def test_rate_limits_from_flags_and_file(self, tmp_path):
        path = write(tmp_path, "zephyr:\n  rate_limit: 2.5\n")
        settings = load_settings({"qtest_rate_limit": "10"}, {}, path)
        assert (settings.zephyr_rate_limit, settings.qtest_rate_limit) == (2.5, 10.0)

    def test_unknown_phase(self):
        message = error_of({"phases": ["extract", "deploy"]})
        assert message.startswith("--phases: invalid value 'extract deploy'; expected one or more of extract")

    def test_url_without_scheme(self):
        assert error_of({"qtest_base_url": "example.qtestnet.com/api/v3"}) == (
            "--qtest-base-url: invalid value 'example.qtestnet.com/api/v3'; "
            "expected an http(s) URL ending in /api/v3, such as https://example.qtestnet.com/api/v3")

    @pytest.mark.parametrize("url", ["https://acme.qtestnet.com", "https://acme.qtestnet.com/api",
                                     "https://acme.qtestnet.com/api/v3/projects/1"])
    def test_qtest_url_without_api_v3_is_a_config_error(self, url):
        assert error_of({"qtest_base_url": url}) == (
            f"--qtest-base-url: invalid value '{url}'; "
            "expected an http(s) URL ending in /api/v3, such as https://example.qtestnet.com/api/v3")

    def test_qtest_url_with_a_trailing_slash_is_accepted(self):
        assert load_settings({"qtest_base_url": "https://acme.qtestnet.com/api/v3/"}, {}).qtest_base_url

    def test_bad_value_in_file_names_the_key_and_file(self, tmp_path):
        path = write(tmp_path, "zephyr:\n  base_url: ftp://zephyr\n")
        message = error_of(config_path=path)
        assert message.startswith(f"'zephyr.base_url' in {path}: invalid value 'ftp://zephyr'; expected an http(s)")

    def test_bad_project_key(self):
        assert "expected a Zephyr project key such as PROJ" in error_of({"project_key": "proj"})

    def test_port_out_of_range(self):
        message = error_of({"db_type": "postgresql", "db_port": "70000"})
        assert message == "--port: invalid value '70000'; expected a port number from 1 to 65535"

    def test_bad_database_type(self):
        assert error_of({"db_type": "mysql"}) == "--db-type: invalid value 'mysql'; expected sqlite or postgresql"

    def test_bad_boolean(self):
        assert error_of(environ={"ZTOQ_NO_VALIDATION": "perhaps"}) == (
            "ZTOQ_NO_VALIDATION: invalid value 'perhaps'; expected true or false")

    def test_postgresql_options_with_sqlite(self):
        message = error_of({"db_host": "db", "db_port": "5432"})
        assert message.startswith("--host, --port apply only to PostgreSQL, but the database type is sqlite")

    def test_password_from_environment_with_sqlite(self):
        assert error_of(environ={"ZTOQ_DB_PASSWORD": "pw"}).startswith("ZTOQ_DB_PASSWORD applies only to PostgreSQL")

    def test_sqlite_path_with_postgresql(self):
        message = error_of({"db_type": "postgresql", "db_path": "x.db"})
        assert message.startswith("--db-path only applies to SQLite, but the database type is postgresql")

    def test_unreadable_file(self, tmp_path):
        missing = str(tmp_path / "missing.yaml")
        assert error_of(config_path=missing) == (
            f"--config: cannot read '{missing}' (No such file or directory); expected a readable YAML file")

    def test_malformed_yaml_names_the_line(self, tmp_path):
        path = write(tmp_path, "workflow:\n  batch_size: [1, 2\n")
        message = error_of(config_path=path)
        assert message.startswith(f"--config: '{path}' is not valid YAML at line ")
        assert message.endswith("expected a YAML mapping as in config/ztoq.example.yaml")

    def test_yaml_that_is_not_a_mapping(self, tmp_path):
        path = write(tmp_path, "- a\n- b\n")
        assert error_of(config_path=path) == f"--config: '{path}' holds a list; expected a mapping as in config/ztoq.example.yaml"

    def test_unknown_key(self, tmp_path):
        path = write(tmp_path, "workflow:\n  batchsize: 5\n")
        message = error_of(config_path=path)
        assert message.startswith(f"--config: unknown key 'workflow.batchsize' in '{path}'; expected one of: ")
        assert "workflow.batch_size" in message

    def test_mapping_where_a_value_belongs(self, tmp_path):
        path = write(tmp_path, "project_key:\n  a: 1\n")
        assert error_of(config_path=path) == f"--config: 'project_key' in '{path}' is a mapping; expected a single value"

    def test_invalid_secret_is_never_echoed(self, tmp_path):
        path = write(tmp_path, "qtest:\n  password: [hunter2]\n")
        message = error_of(config_path=path)
        assert "hunter2" not in message
        assert message == f"'qtest.password' in {path}: invalid value ***; expected a qTest password"

    def test_require_names_every_source(self):
        settings = load_settings({}, {})
        with pytest.raises(ConfigError) as caught:
            settings.require("zephyr_api_token", reason="for the extract phase")
        assert str(caught.value) == (
            "--zephyr-api-token is required for the extract phase; give it as --zephyr-api-token, "
            "the ZTOQ_ZEPHYR_API_TOKEN environment variable, or 'zephyr.api_token' in the config file")


def test_example_config_file_loads_and_is_complete():
    example = os.path.join(os.path.dirname(__file__), "..", "..", "config", "ztoq.example.yaml")
    settings = load_settings({}, {}, example)
    assert settings.project_key == "PROJ"
    assert settings.qtest_project_id == 12345
    from ztoq_luigi.config import FILE_KEYS
    with open(example, encoding="utf-8") as handle:
        text = handle.read()
    for key in FILE_KEYS:
        assert key.split(".")[-1] + ":" in text, f"{key} is not documented in the example"


class TestHostCredentials:
    """Credentials for the hosts of embedded files: the Jira site by flag or environment, any host by file."""

    TOKEN = "atl-token-0123456789"

    def test_hosts_from_the_file_and_the_jira_site_from_the_environment(self, tmp_path):
        from ztoq_luigi.credentials import credentials_by_host
        path = write(tmp_path, "attachments:\n  hosts:\n"
                               "    Files.Example.com: {email: a@example.com, api_token: file-token}\n"
                               "    acme.atlassian.net: {email: old@acme.test, api_token: old-token}\n")
        environ = {"ZTOQ_JIRA_BASE_URL": "https://acme.atlassian.net", "ZTOQ_JIRA_EMAIL": "qa@acme.test",
                   "ZTOQ_JIRA_API_TOKEN": self.TOKEN}
        found = credentials_by_host(load_settings({}, environ, path))
        assert sorted(found) == ["acme.atlassian.net", "files.example.com"]
        assert (found["acme.atlassian.net"].email, found["acme.atlassian.net"].api_token) == (
            "qa@acme.test", Secret(self.TOKEN))
        assert found["files.example.com"].api_token.reveal() == "file-token"

    def test_tokens_are_secrets_in_the_stored_settings(self, tmp_path):
        path = write(tmp_path, f"attachments:\n  hosts:\n    h.example.com: {{email: e@x.y, api_token: {self.TOKEN}}}\n")
        settings = load_settings({"jira_base_url": "https://acme.atlassian.net", "jira_email": "e@x.y",
                                  "jira_api_token": self.TOKEN}, {}, path)
        public = settings.public()
        assert public["jira_api_token"] == "***" and public["attachment_hosts"] == "***"
        assert self.TOKEN not in repr(settings) and self.TOKEN not in str(public)

    @pytest.mark.parametrize("hosts", [
        "[a, b]",
        "{acme.atlassian.net: token-only}",
        "{acme.atlassian.net: {email: e@x.y}}",
        f"{{acme.atlassian.net: {{email: e@x.y, api_token: '{TOKEN}', extra: 1}}}}",
        f"{{acme.atlassian.net: {{email: '', api_token: '{TOKEN}'}}}}",
        f"{{'https://acme.atlassian.net': {{email: e@x.y, api_token: '{TOKEN}'}}}}",
    ], ids=["list", "not-a-mapping", "no-token", "unknown-key", "empty-email", "url-not-host"])
    def test_a_malformed_hosts_mapping_is_one_line_without_the_token(self, tmp_path, hosts):
        path = write(tmp_path, f"attachments:\n  hosts: {hosts}\n")
        message = error_of(config_path=path)
        assert message.startswith(f"'attachments.hosts' in {path}: invalid value ***; expected a mapping of host")
        assert self.TOKEN not in message

    def test_email_without_token_names_what_is_missing(self):
        message = error_of(cli={"jira_base_url": "https://acme.atlassian.net", "jira_email": "e@x.y"})
        assert message.startswith("--jira-email is set but --jira-api-token is not")
        assert "ZTOQ_JIRA_API_TOKEN" in message

    def test_token_without_site_names_what_is_missing(self):
        message = error_of(environ={"ZTOQ_JIRA_EMAIL": "e@x.y", "ZTOQ_JIRA_API_TOKEN": self.TOKEN})
        assert "ZTOQ_JIRA_EMAIL and ZTOQ_JIRA_API_TOKEN need the Jira site" in message and "--jira-base-url" in message
        assert self.TOKEN not in message

    def test_the_hosts_mapping_has_no_flag(self, run_cli):
        result = run_cli("workflow", "status", "--project-key", "AB", "--attachment-hosts", "x")
        assert result.code == 2 and "unknown option --attachment-hosts" in result.stderr
