"""State shared by the generator's builders during one run, and how a project's size scales.

One `random.Random` drives every choice, so a (size, seed, key) triple replays the same project:
builders never use the global random module, the clock, or the iteration order of a set.
"""

import random
import time
from dataclasses import dataclass, field

from ztoq_luigi.sandbox.generator.files import Attachments
from ztoq_luigi.sandbox.generator.text import pick
from ztoq_luigi.sandbox.zephyr.store import ZephyrDataset

PROJECT_EPOCH = 1641200400  # 2022-01-03T09:00:00Z, a fixed start so dates never depend on the clock.
DAY = 86400
PROJECT_DAYS = 730
DESIGN_DAYS = 90  # Cases are written in the first DESIGN_DAYS and run after, so no run predates its case.


def iso_datetime(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def iso_date(seconds):
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


class Sequence:
    """Increasing numbers that skip now and then, as ids and key numbers do once items were deleted.

    A skip comes at most every 2 * `interval` numbers, so even a short run of keys has one.
    """

    def __init__(self, rng, start, interval=20):
        self._rng = rng
        self._value = start
        self._interval = interval
        self._until_skip = rng.randint(2, 2 * interval)

    def next(self):
        self._value += 1
        self._until_skip -= 1
        if self._until_skip == 0:
            self._value += self._rng.randint(1, 4)
            self._until_skip = self._rng.randint(1, 2 * self._interval)
        return self._value


def spread(rng, count, population, weights, required=()):
    """`count` weighted picks in which each `required` value occurs at least once, at random places.

    Rare features must exist even in a small project, but not always at the same positions.
    """
    picks = rng.choices(population, weights, k=count)
    for slot, value in zip(rng.sample(range(count), min(count, len(required))), required):
        picks[slot] = value
    return picks


def at_least_once(rng, count, rate):
    """`count` flags, each true with probability `rate`, with at least one true."""
    return spread(rng, count, (True, False), (rate, 1 - rate), (True,))


def _clamp(value, low, high):
    return max(low, min(high, value))


@dataclass(frozen=True)
class Scale:
    """How many of each thing a project with `cases` test cases holds."""

    cases: int
    users: int
    folders: dict
    cycles: int
    plans: int
    cases_per_cycle: int
    adhoc_executions: int
    long_step_cases: int
    same_name_pairs: int
    jira_issues: int

    @classmethod
    def for_cases(cls, cases):
        cycles = _clamp(cases // 15, 3, 2000)
        case_folders = _clamp(cases // 8, 8, 2000)
        return cls(
            cases=cases,
            users=_clamp(cases // 80 + 4, 4, 60),
            folders={
                "TEST_CASE": case_folders,
                "TEST_CYCLE": max(8, case_folders // 3),
                "TEST_PLAN": max(8, case_folders // 5),
            },
            cycles=cycles,
            plans=max(2, cycles // 4),
            cases_per_cycle=max(3, round(1.1 * cases / cycles)),
            adhoc_executions=max(3, cases // 25),
            long_step_cases=max(1, cases // 200),
            same_name_pairs=max(1, cases // 150),
            jira_issues=max(20, cases // 2),
        )


@dataclass
class Context:
    rng: random.Random
    dataset: ZephyrDataset
    scale: Scale
    attachments: Attachments
    link_ids: Sequence
    status_ids: dict = field(default_factory=dict)
    folder_ids: dict = field(default_factory=dict)
    deepest_folder: dict = field(default_factory=dict)

    def key(self, letter, number):
        return f"{self.dataset.key}-{letter}{number}"

    def status_id(self, status_type, name):
        return self.status_ids[(status_type, name)]

    def user(self, none_rate=0.0):
        if none_rate and self.rng.random() < none_rate:
            return None
        return self.rng.choice(self.dataset.users)

    def folder_picks(self, folder_type, count, root_share):
        """Folder ids for `count` items, at least one at the root and one in the deepest folder."""
        ids = self.folder_ids[folder_type]
        population = ids + [None]
        weights = [(1 - root_share) / len(ids)] * len(ids) + [root_share]
        return spread(self.rng, count, population, weights, (None, self.deepest_folder[folder_type]))

    def rich(self, templates, field_name, embed_rate, none_rate=0.0, empty_rate=0.0):
        """A rich-text value from `templates`: sometimes null or empty, sometimes embedding an attachment."""
        roll = self.rng.random()
        if roll < none_rate:
            return None
        if roll < none_rate + empty_rate:
            return ""
        text = pick(self.rng, templates)
        if not text:
            return text
        return text + self.attachments.maybe_embed(field_name, embed_rate)
