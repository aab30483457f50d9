"""Against services that answer 429 above a rate: eight workers stay within the budget and barely see a 429.

The simulators count every request in a sliding second and refuse the
surplus with 429 and Retry-After, as a rate-limited gateway does. A run that
knows the limit (--zephyr-rate-limit/--qtest-rate-limit) spaces its
requests below it; a run that does not learns it from the first 429s and
slows down (AIMD), instead of every thread retrying into the limit.
"""

import threading

import pytest

from tests.e2e.test_process_control import SEED, SIZE, assert_identical, reference
from ztoq_luigi.sandbox import start_sandbox

LIMIT = 30
SERVICES = ("zephyr", "qtest")
WORKERS = 8


class Arrivals:
    """When each request reached each simulator (as its rate limiter saw it, before the simulator's lock
    queued it), and how it was answered."""

    def __init__(self, sandbox):
        self._lock = threading.Lock()
        self.seen = {service: [] for service in SERVICES}
        for service in SERVICES:
            getattr(sandbox, service).add_exchange_hook(
                lambda request, response, service=service: self._record(service, request.received_at,
                                                                         response.status))

    def _record(self, service, moment, status):
        with self._lock:
            self.seen[service].append((moment, status))

    def total(self, service):
        return len(self.seen[service])

    def throttled(self, service):
        return sum(1 for _, status in self.seen[service] if status == 429)

    def busiest_second(self, service):
        times = [moment for moment, _ in self.seen[service]]
        return max(sum(1 for other in times if start <= other < start + 1.0) for start in times)


@pytest.fixture
def limited(run_cli, tmp_path):
    expected = reference(run_cli, tmp_path)
    sandbox = start_sandbox(size=SIZE, seed=SEED, rate_limit=LIMIT)
    yield sandbox, Arrivals(sandbox), expected
    sandbox.stop()


def migrate(run_cli, sandbox, tmp_path, db_args, *extra):
    return run_cli("workflow", "run", *sandbox.workflow_args(tmp_path / "out"), *db_args, "--max-workers", str(WORKERS),
                   *extra, environ=sandbox.environment())


def test_a_run_given_the_limit_stays_under_it_and_completes_exactly(run_cli, tmp_path, fresh_db_args, limited):
    sandbox, arrivals, expected = limited
    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args,
                     "--zephyr-rate-limit", str(LIMIT), "--qtest-rate-limit", str(LIMIT))
    assert result.code == 0, result
    assert_identical(sandbox, expected)
    for service in SERVICES:
        assert arrivals.busiest_second(service) <= LIMIT + 1, service
        assert arrivals.throttled(service) <= 3, (service, arrivals.throttled(service), arrivals.total(service))


def test_a_run_not_told_the_limit_backs_off_at_the_first_429s_and_completes_exactly(run_cli, tmp_path,
                                                                                    fresh_db_args, limited):
    sandbox, arrivals, expected = limited
    result = migrate(run_cli, sandbox, tmp_path, fresh_db_args)
    assert result.code == 0, result
    assert_identical(sandbox, expected)
    for service in SERVICES:
        # learning the limit costs at most the requests already in flight when the first 429 comes back
        assert arrivals.throttled(service) <= max(WORKERS, 0.05 * arrivals.total(service)), (
            service, arrivals.throttled(service), arrivals.total(service))
