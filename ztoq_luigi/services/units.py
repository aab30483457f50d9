"""The units of the execution history's batches: one per test cycle, and buckets of ad-hoc executions.

Executions are read cycle by cycle (the listing of one cycle is what Zephyr
answers for its content); ad-hoc executions belong to no cycle, so they are
spread over ADHOC_BUCKETS buckets by test case (a case's ad-hoc executions
stay together). Every execution is stored with its unit's ordinal, and each
phase cuts the same units into the same batches, so a transform, load or
validation batch covers exactly the executions of its extract batch.
"""

import zlib

from ztoq_luigi.db.entities import count_extracted
from ztoq_luigi.kinds import Entity

ADHOC_BUCKETS = 8
EXECUTION_UNITS = "extract/executions"  # the scope of their batch layout, shared by the four phases
TEST_CASE_BATCHES = "extract"  # the scope of the test cases' batches by listing ordinal (extract, transform)


def unit_count(project_key):
    """Units of execution work: one per cycle, plus the ad-hoc buckets."""
    return count_extracted(project_key, Entity.TEST_CYCLE) + ADHOC_BUCKETS


def adhoc_unit(cycle_count, case_key):
    """The bucket of an ad-hoc execution: stable across runs and processes (crc32, not hash())."""
    return cycle_count + zlib.crc32(case_key.encode("utf-8")) % ADHOC_BUCKETS
