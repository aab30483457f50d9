"""The shared request budget, on a fake clock: spacing, the host share, halving on 429, Retry-After, recovery."""

import threading

import pytest

from ztoq_luigi.clients.budget import RateBudget
from ztoq_luigi.errors import Interrupted


class FakeClock:
    """Time that moves only when a caller sleeps; every sleep is kept."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def budget(rate=None, clock=None, **kwargs):
    clock = clock or FakeClock()
    return RateBudget(rate, clock=clock, sleep=clock.sleep, **kwargs), clock


def starts(budget, clock, count):
    """When each of `count` requests started, one after another."""
    times = []
    for _ in range(count):
        budget.acquire()
        times.append(clock.now)
    return times


def most_in_one_second(times):
    return max(sum(1 for other in times if start <= other < start + 1.0 - 1e-9) for start in times)


def test_requests_start_no_faster_than_the_configured_rate():
    limited, clock = budget(10)
    times = starts(limited, clock, 50)
    assert most_in_one_second(times) <= 10
    assert times[-1] - times[0] == pytest.approx(4.9)


def test_without_a_configured_rate_nothing_waits():
    unlimited, clock = budget()
    starts(unlimited, clock, 100)
    assert clock.sleeps == [] and unlimited.rate() is None


def test_hosts_of_a_run_split_the_configured_rate():
    shared, clock = budget(12)
    shared.share(3)
    assert shared.ceiling == 4 and shared.rate() == 4
    assert most_in_one_second(starts(shared, clock, 20)) <= 4
    shared.share(1)
    assert shared.rate() == 4, "a host leaving raises the ceiling; the rate climbs back to it gradually"
    clock.now += 60
    assert shared.rate() == 12


def test_a_429_halves_the_rate_and_holds_every_request_back_for_retry_after():
    limited, clock = budget(10)
    starts(limited, clock, 3)
    throttled_at = clock.now
    limited.throttled_by_service(retry_after=2.0)
    assert limited.rate() == 5
    limited.acquire()
    assert clock.now >= throttled_at + 2.0
    assert limited.throttled == 1


def test_a_burst_of_429s_from_requests_already_in_flight_halves_the_rate_once():
    limited, clock = budget(16)
    for _ in range(8):
        limited.throttled_by_service()
    assert limited.rate() == 8 and limited.throttled == 8
    clock.now += 1.5
    limited.throttled_by_service()
    assert limited.rate() < 8


def test_after_a_429_the_rate_recovers_linearly_to_the_ceiling_and_no_further():
    limited, clock = budget(20)
    limited.throttled_by_service()
    rates = []
    for _ in range(12):
        clock.now += 1.0
        rates.append(limited.rate())
    assert rates[0] == pytest.approx(11) and rates[1] == pytest.approx(12)
    assert rates == sorted(rates) and rates[-1] == 20


def test_without_a_configured_rate_a_429_limits_to_half_the_observed_rate():
    unlimited, clock = budget()
    for _ in range(30):
        unlimited.acquire()
        clock.now += 0.05
    unlimited.throttled_by_service()
    assert unlimited.rate() == pytest.approx(10)
    assert most_in_one_second(starts(unlimited, clock, 30)[:10]) <= 11


def test_the_rate_never_falls_below_the_floor():
    limited, clock = budget(2)
    for _ in range(10):
        limited.throttled_by_service()
        clock.now += 1.1
    assert limited.rate() >= 0.5


def test_a_stop_ends_the_wait_for_the_budget():
    stop = threading.Event()
    limited = RateBudget(0.01, stop=stop)
    limited.acquire()
    threading.Timer(0.05, stop.set).start()
    with pytest.raises(Interrupted):
        limited.acquire()
