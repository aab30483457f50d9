"""What a task needs besides its parameters: settings, rules, the database and API clients.

Settings hold secrets, so they never travel as Luigi parameters (luigid
shows those). `ztoq workflow` configures them before it starts Luigi; under
Luigi's own CLI they are read from the environment and ZTOQ_CONFIG. Tasks
run in threads of this process: the database binding and the request gates
(how many requests may be in flight to each service, and whether a stop was
asked for) are shared by the whole run, while HTTP sessions are per thread.
"""

import os
import threading

from ztoq_luigi.clients.gate import RequestGate
from ztoq_luigi.clients.qtest import QTestClient
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import open_database
from ztoq_luigi.mapping.rules import load_rules

_configured = {}
_lock = threading.RLock()
_per_thread = threading.local()


def configure(settings, rules=None, stop=None):
    """Start a run's context; `stop` is the event that SIGINT and SIGTERM set (see scheduling/stop.py)."""
    with _lock:
        _configured.clear()
        _configured["settings"] = settings
        _configured["rules"] = rules or load_rules(getattr(settings, "mapping", None))
        stop = stop or threading.Event()
        _configured["gates"] = {service: RequestGate(settings.max_workers, stop) for service in ("Zephyr", "qTest")}
        _configured["generation"] = object()


def settings():
    if "settings" not in _configured:
        configure(load_settings({}, os.environ))
    return _configured["settings"]


def rules():
    settings()
    return _configured["rules"]


def gate(service):
    settings()
    return _configured["gates"][service]


def _once(name, build):
    with _lock:
        if name not in _configured:
            _configured[name] = build()
        return _configured[name]


def _per_thread_client(name, build):
    """A client per thread and run: requests.Session is not meant to be shared between threads."""
    settings()
    generation = _configured["generation"]
    clients = getattr(_per_thread, "clients", None)
    if clients is None or clients[0] is not generation:
        clients = _per_thread.clients = (generation, {})
    if name not in clients[1]:
        clients[1][name] = build()
    return clients[1][name]


def database():
    return _once("database", lambda: open_database(settings()))


def zephyr():
    def build():
        current = settings()
        current.require("zephyr_api_token", reason="to read from Zephyr (extract phase)")
        return ZephyrClient(current.zephyr_base_url, current.zephyr_api_token, gate=gate("Zephyr"))
    return _per_thread_client("zephyr", build)


def qtest():
    def build():
        current = settings()
        current.require("qtest_base_url", "qtest_project_id", reason="to write to qTest (load and validate phases)")
        if not current.qtest_api_token:
            current.require("qtest_username", "qtest_password", reason="to log in to qTest without an API token")
        return QTestClient(current.qtest_base_url, current.qtest_project_id, username=current.qtest_username,
                           password=current.qtest_password, api_token=current.qtest_api_token,
                           access_token=_configured.get("qtest_access_token"), gate=gate("qTest"))
    return _per_thread_client("qtest", build)


def preflight(phases):
    """Check, before any task runs, that the services the phases need accept our credentials.

    A wrong token then costs one request and one line instead of a failed
    extraction; and the qTest session obtained here is handed to the client
    of every task thread, which would otherwise each log in again.
    """
    if "extract" in phases:
        zephyr().project(settings().project_key)
    if "load" in phases or "validate" in phases or ("transform" in phases and rules().users):
        client = qtest()
        client.project()
        _configured["qtest_access_token"] = client.access_token
