"""The units of the execution history's batches: one per test cycle, and buckets of ad-hoc executions.

Executions are grouped by the cycle the project-wide listing names for
each; ad-hoc executions belong to no cycle, so they are spread over
ADHOC_BUCKETS buckets by test case (a case's ad-hoc executions
stay together). Every execution is stored with its unit's ordinal, and each
phase cuts the same units into the same batches, so a transform, load or
validation batch covers exactly the executions of its extract batch.
"""

import zlib

from ztoq_luigi.db.entities import count_extracted
from ztoq_luigi.kinds import Entity

ADHOC_BUCKETS = 8
WINDOW = 100  # executions or runs a batch task holds at once, at most
WINDOWS_HELD = 400  # executions or runs the batch tasks of a run hold at once, together
EXECUTION_UNITS = "extract/executions"  # the scope of their batch layout, shared by the four phases
TEST_CASE_BATCHES = "extract"  # the scope of the test cases' batches by listing ordinal (extract, transform)


def unit_count(project_key):
    """Units of execution work: one per cycle, plus the ad-hoc buckets."""
    return count_extracted(project_key, Entity.TEST_CYCLE) + ADHOC_BUCKETS


def adhoc_unit(cycle_count, case_key):
    """The bucket of an ad-hoc execution: stable across runs and processes (crc32, not hash())."""
    return cycle_count + zlib.crc32(case_key.encode("utf-8")) % ADHOC_BUCKETS


def window_limit(workers):
    """The window of each batch task when `workers` of them run at once.

    Eight batches each holding a window of 100 runs as read back held half a
    medium migration's memory; with the windows shrinking as more batches run,
    what they hold together stays about the same from 1 to 8 workers.
    """
    return max(1, min(WINDOW, WINDOWS_HELD // max(1, workers)))


def windows(ordinals, rows, limit=WINDOW):
    """Cut a batch's range of units into consecutive ranges of at most `limit` rows (`rows`: {ordinal: count}).

    A batch of units can hold thousands of executions (50 cycles of a large
    project hold 1,850), and eight of them run at once; a task that reads,
    maps or loads them a window at a time keeps memory flat whatever the
    size of the project. A unit is never split (a run's executions all sit
    in it), so a unit larger than `limit` is a window of its own.
    """
    start, held = ordinals[0], 0
    for ordinal in sorted(n for n in rows if ordinals[0] <= n < ordinals[1]):
        if held and held + rows[ordinal] > limit:
            yield start, ordinal
            start, held = ordinal, 0
        held += rows[ordinal]
    if held:
        yield start, ordinals[1]
