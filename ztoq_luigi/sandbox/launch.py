"""Start the simulators together, with credentials and a ready-to-run migration command.

Zephyr and qTest are the two services; the Jira stand-in beside them keeps
the embedded files that only Basic auth may fetch, as Jira Cloud does.
"""

import shlex
from dataclasses import dataclass

from ztoq_luigi.sandbox.faults import FaultInjector, profile
from ztoq_luigi.sandbox.generator import generate_project
from ztoq_luigi.sandbox.jira import start_jira
from ztoq_luigi.sandbox.qtest.server import start_qtest
from ztoq_luigi.sandbox.zephyr.server import start_zephyr

ZEPHYR_TOKEN = "sandbox-zephyr-token"
QTEST_USERNAME = "api.user@example.com"
QTEST_PASSWORD = "sandbox-password"
QTEST_PROJECT_ID = 12345
JIRA_EMAIL = "qa.lead@example.com"
JIRA_API_TOKEN = "sandbox-jira-api-token"


@dataclass
class Sandbox:
    dataset: object
    zephyr: object
    zephyr_server: object
    qtest: object
    qtest_server: object
    jira: object
    jira_server: object

    @property
    def project_key(self):
        return self.dataset.key

    @property
    def zephyr_url(self):
        return self.zephyr_server.base_url

    @property
    def qtest_url(self):
        return self.qtest_server.root_url + "/api/v3"

    @property
    def jira_url(self):
        return self.jira.site_url

    def workflow_args(self, output_dir):
        """Flags that point `ztoq workflow ...` at this sandbox (secrets go in environment())."""
        return ["--project-key", self.project_key, "--zephyr-base-url", self.zephyr_url, "--jira-base-url", self.jira_url,
                "--qtest-base-url", self.qtest_url, "--qtest-username", QTEST_USERNAME,
                "--qtest-project-id", str(QTEST_PROJECT_ID), "--output-dir", str(output_dir)]

    @staticmethod
    def environment():
        return {"ZTOQ_ZEPHYR_API_TOKEN": ZEPHYR_TOKEN, "ZTOQ_QTEST_PASSWORD": QTEST_PASSWORD,
                "ZTOQ_JIRA_EMAIL": JIRA_EMAIL, "ZTOQ_JIRA_API_TOKEN": JIRA_API_TOKEN}

    def command_line(self, output_dir):
        """One copy-paste line that migrates the sandbox project, secrets in the environment."""
        env = " ".join(f"{name}={shlex.quote(value)}" for name, value in self.environment().items())
        return f"{env} ztoq workflow run {shlex.join(self.workflow_args(output_dir))}"

    def stop(self):
        self.zephyr_server.stop()
        self.qtest_server.stop()
        self.jira_server.stop()


def start_sandbox(size="small", seed=0, project_key="SBX", zephyr_port=0, qtest_port=0, faults="none",
                  latency_ms=None, error_rate=None, rate_limit=None, max_results_cap=100, dataset=None):
    """Generate (or take) a Zephyr project and serve it, with its Jira site and an empty qTest project beside it."""
    dataset = dataset or generate_project(size=size, seed=seed, project_key=project_key)
    overrides = dict(latency_ms=latency_ms, error_rate=error_rate, rate_limit_rps=rate_limit)
    jira, jira_server = start_jira(dataset.jira_files, JIRA_EMAIL, JIRA_API_TOKEN)
    started = [jira_server]
    try:
        zephyr, zephyr_server = start_zephyr(dataset, ZEPHYR_TOKEN, port=zephyr_port, max_results_cap=max_results_cap,
                                             faults=FaultInjector(profile(faults, seed=seed, **overrides)),
                                             jira_url=jira.site_url)
        started.append(zephyr_server)
        qtest, qtest_server = start_qtest(port=qtest_port, username=QTEST_USERNAME, password=QTEST_PASSWORD,
                                          project_id=QTEST_PROJECT_ID, seed=seed,
                                          faults=FaultInjector(profile(faults, seed=seed + 1, **overrides)))
    except Exception:
        for server in started:
            server.stop()
        raise
    return Sandbox(dataset, zephyr, zephyr_server, qtest, qtest_server, jira, jira_server)
