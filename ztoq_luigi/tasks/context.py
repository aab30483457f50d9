"""What a task needs besides its parameters: settings, rules, the database and API clients.

Settings hold secrets, so they never travel as Luigi parameters (luigid
shows those). `ztoq workflow` configures them in its own process, and the
worker processes Luigi forks inherit them; under Luigi's own CLI they are
read from the environment and ZTOQ_CONFIG. Connections and HTTP sessions
are created once per process, never inherited across a fork.
"""

import os

from ztoq_luigi.clients.qtest import QTestClient
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import open_database
from ztoq_luigi.mapping.rules import load_rules

_configured = {}
_per_process = {}


def configure(settings, rules=None):
    _configured.clear()
    _configured["settings"] = settings
    _configured["rules"] = rules or load_rules(getattr(settings, "mapping", None))
    _per_process.clear()


def settings():
    if "settings" not in _configured:
        configure(load_settings({}, os.environ))
    return _configured["settings"]


def rules():
    settings()
    return _configured["rules"]


def _cached(name, build):
    key = (os.getpid(), name)
    if key not in _per_process:
        _per_process[key] = build()
    return _per_process[key]


def database():
    return _cached("database", lambda: open_database(settings()))


def zephyr():
    def build():
        current = settings()
        current.require("zephyr_api_token", reason="to read from Zephyr (extract phase)")
        return ZephyrClient(current.zephyr_base_url, current.zephyr_api_token)
    return _cached("zephyr", build)


def qtest():
    def build():
        current = settings()
        current.require("qtest_base_url", "qtest_project_id", reason="to write to qTest (load and validate phases)")
        if not current.qtest_api_token:
            current.require("qtest_username", "qtest_password", reason="to log in to qTest without an API token")
        return QTestClient(current.qtest_base_url, current.qtest_project_id, username=current.qtest_username,
                           password=current.qtest_password, api_token=current.qtest_api_token,
                           access_token=_configured.get("qtest_access_token"))
    return _cached("qtest", build)


def preflight(phases):
    """Check, before any task runs, that the services the phases need accept our credentials.

    A wrong token then costs one request and one line instead of a failed
    extraction; and the qTest session obtained here is handed to every worker
    process, which would otherwise each log in again.
    """
    if "extract" in phases:
        zephyr().project(settings().project_key)
    if "load" in phases or "validate" in phases or ("transform" in phases and rules().users):
        client = qtest()
        client.project()
        _configured["qtest_access_token"] = client.access_token
