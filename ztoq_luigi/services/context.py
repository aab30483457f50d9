"""What a task's work needs besides its parameters: settings, rules, the database and API clients.

A task's `work(ctx)` receives this RunContext explicitly, so task logic runs
as well against fakes in a unit test as against the services in a run.
Settings hold secrets, so they never travel as Luigi parameters (luigid
shows those): `ztoq workflow` configures the context before it starts
Luigi, and under Luigi's own CLI it is built from the environment and
ZTOQ_CONFIG. Tasks run in threads of one process: the database binding and
the request gates (how many requests may be in flight to each service, and
whether a stop was asked for) and the request budgets (how many may start
per second) are shared by the run, HTTP sessions are per
thread. Reference data (field settings, execution statuses) is read once
per run and shared (services/reference.py).
"""

import hashlib
import os
import threading
from urllib.parse import urlsplit

from ztoq_luigi.clients.budget import RateBudget
from ztoq_luigi.clients.gate import RequestGate
from ztoq_luigi.clients.qtest import QTestClient
from ztoq_luigi.clients.zephyr import ZephyrClient
from ztoq_luigi.config import load_settings
from ztoq_luigi.db.connection import describe, open_database
from ztoq_luigi.db.rounds import current_round
from ztoq_luigi.mapping.rules import load_rules
from ztoq_luigi.services.reference import Reference
from ztoq_luigi.validation.registry import rule_set

SERVICES = ("Zephyr", "qTest")


class RunContext:
    def __init__(self, settings, rules=None, stop=None):
        self.settings = settings
        self.rules = rules or load_rules(getattr(settings, "mapping", None))
        self.stop = stop or threading.Event()
        self.gates = {service: RequestGate(settings.max_workers, self.stop) for service in SERVICES}
        self.helpers = threading.BoundedSemaphore(settings.max_workers)  # helper threads of the run (parallel.py)
        self.budgets = {"Zephyr": RateBudget(settings.zephyr_rate_limit, stop=self.stop),
                        "qTest": RateBudget(settings.qtest_rate_limit, stop=self.stop)}
        self.qtest_access_token = None
        self.completed_here = threading.Event()
        self._database = None
        self._lock = threading.Lock()
        self._per_thread = threading.local()
        self._validation = None
        self._sync_round = None
        self.reference = Reference(lambda: self.qtest(), lambda: self.zephyr())

    @property
    def project_key(self):
        return self.settings.project_key

    def migration(self):
        """What tells this migration apart in luigid: the project, the qTest project it goes to, the state database.

        Readable, and the same on every host that works on the migration;
        another target project or another state database gives another id.
        """
        settings = self.settings
        target = f"{urlsplit(settings.qtest_base_url or '').netloc}/{settings.qtest_project_id or ''}"
        state = describe(settings) if settings.db_type == "postgresql" else os.path.abspath(settings.db_path)
        digest = hashlib.sha256(f"{settings.project_key}|{target}|{state}".encode("utf-8")).hexdigest()[:8]
        return f"{settings.project_key}>{target}#{digest}"

    def share_rates(self, hosts):
        """Each of `hosts` live hosts of the run takes its share of the configured request rates."""
        for budget in self.budgets.values():
            budget.share(hosts)

    def validation(self):
        """The validation rules the settings choose (validation/registry.py), loaded once per run."""
        with self._lock:
            if self._validation is None:
                self._validation = rule_set(self.settings)
            return self._validation

    def sync_round(self):
        """The sync round this run works in: chosen by `ztoq workflow`, else the project's latest (Luigi's CLI)."""
        if self._sync_round is None:
            self.database()
            self._sync_round = current_round(self.project_key)
        return self._sync_round

    def use_round(self, number):
        self._sync_round = number

    def database(self):
        with self._lock:
            if self._database is None:
                self._database = open_database(self.settings)
            return self._database

    def zephyr(self):
        def build():
            self.settings.require("zephyr_api_token", reason="to read from Zephyr (extract phase)")
            return ZephyrClient(self.settings.zephyr_base_url, self.settings.zephyr_api_token,
                                gate=self.gates["Zephyr"], budget=self.budgets["Zephyr"])
        return self._client("zephyr", build)

    def qtest(self):
        def build():
            settings = self.settings
            settings.require("qtest_base_url", "qtest_project_id", reason="to write to qTest (load and validate phases)")
            if not settings.qtest_api_token:
                settings.require("qtest_username", "qtest_password", reason="to log in to qTest without an API token")
            return QTestClient(settings.qtest_base_url, settings.qtest_project_id, username=settings.qtest_username,
                               password=settings.qtest_password, api_token=settings.qtest_api_token,
                               access_token=self.qtest_access_token, gate=self.gates["qTest"],
                               budget=self.budgets["qTest"])
        return self._client("qtest", build)

    def _client(self, name, build):
        """A client per thread: requests.Session is not meant to be shared between threads."""
        clients = getattr(self._per_thread, "clients", None)
        if clients is None:
            clients = self._per_thread.clients = {}
        if name not in clients:
            clients[name] = build()
        return clients[name]

    def preflight(self, phases):
        """Check, before any task runs, that the services the phases need accept our credentials.

        A wrong token then costs one request and one line instead of a failed
        extraction; and the qTest session obtained here is handed to the
        client of every task thread, which would otherwise each log in again.
        """
        if "extract" in phases:
            self.reference.zephyr_project(self.project_key)
        if "load" in phases or "validate" in phases or ("transform" in phases and self.rules.users):
            client = self.qtest()
            client.project()
            self.qtest_access_token = client.access_token


_current = {}
_current_lock = threading.Lock()


def configure(settings, rules=None, stop=None):
    """Make the context of the run about to start the one its tasks receive."""
    with _current_lock:
        _current["run"] = RunContext(settings, rules, stop)
        return _current["run"]


def current():
    """The configured run's context; under Luigi's own CLI, one built from the environment on first use."""
    with _current_lock:
        if "run" not in _current:
            _current["run"] = RunContext(load_settings({}, os.environ))
        return _current["run"]
