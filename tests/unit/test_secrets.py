import json
import logging
import pickle

import pytest

from ztoq_luigi.config import load_settings
from ztoq_luigi.errors import ConfigError
from ztoq_luigi.secrets import Secret, mask


def test_secret_never_prints_its_value():
    secret = Secret("hunter2")
    shown = [str(secret), repr(secret), f"{secret}", "{}".format(secret), "%s" % secret, f"{secret!r}"]
    assert all("hunter2" not in text for text in shown)
    assert "***" in str(secret)


def test_secret_reveals_only_on_request_and_survives_pickling():
    secret = Secret("hunter2")
    assert secret.reveal() == "hunter2"
    assert pickle.loads(pickle.dumps(secret)).reveal() == "hunter2"


def test_secret_is_not_json_serialisable_by_accident():
    with pytest.raises(TypeError):
        json.dumps({"token": Secret("hunter2")})


def test_settings_repr_and_public_view_hide_secrets():
    settings = load_settings({"zephyr_api_token": "zt-secret", "qtest_password": "qt-secret"}, {})
    assert "zt-secret" not in repr(settings) and "qt-secret" not in repr(settings)
    public = settings.public()
    assert public["zephyr_api_token"] == "***"
    assert public["qtest_api_token"] is None
    assert "qt-secret" not in json.dumps(public)


def test_logging_a_secret_masks_it(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("ztoq").info("token is %s", Secret("hunter2"))
    assert "hunter2" not in caplog.text


def test_mask_removes_secret_values_from_free_text():
    assert mask("auth failed for hunter2 at host", [Secret("hunter2")]) == "auth failed for *** at host"
    assert mask("nothing here", [Secret("")]) == "nothing here"


def test_config_error_for_a_secret_does_not_echo_it():
    with pytest.raises(ConfigError) as caught:
        load_settings({}, {"ZTOQ_DB_PASSWORD": "hunter2", "ZTOQ_DB_TYPE": "sqlite"})
    assert "hunter2" not in str(caught.value)
