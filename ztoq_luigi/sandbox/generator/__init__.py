"""Deterministic Zephyr Scale projects for the sandbox, as awkward as real ones.

Every test and benchmark of the migration runs against these projects, so they carry what
real projects carry and naive migrators get wrong (see the builder modules for each part).
A (size, seed, project key) triple always yields the same dataset.
"""

import random
import re

from ztoq_luigi.sandbox.generator.cases import build_testcases
from ztoq_luigi.sandbox.generator.context import Context, Scale, Sequence
from ztoq_luigi.sandbox.generator.files import Attachments
from ztoq_luigi.sandbox.generator.manifest import describe
from ztoq_luigi.sandbox.generator.project import build_catalog, build_folders
from ztoq_luigi.sandbox.generator.runs import build_cycles, build_executions, build_plans
from ztoq_luigi.sandbox.zephyr.store import ZephyrDataset

__all__ = ["SIZES", "MAX_CASES", "parse_size", "generate_project", "describe"]

SIZES = {"tiny": 30, "small": 200, "medium": 3000, "large": 20000}
MAX_CASES = 200_000
PROJECT_KEY = re.compile(r"[A-Z][A-Z_0-9]+")


def parse_size(text):
    """The test-case count for a size name or a whole number, so CLIs and fixtures accept either."""
    if isinstance(text, int) and not isinstance(text, bool):
        count = text
    elif isinstance(text, str) and text.strip().lower() in SIZES:
        return SIZES[text.strip().lower()]
    elif isinstance(text, str) and re.fullmatch(r"\s*[0-9]+\s*", text):
        count = int(text)
    else:
        raise ValueError(f"unknown size {text!r}: expected one of {', '.join(SIZES)} "
                         f"or a whole number of test cases from 1 to {MAX_CASES}")
    if not 1 <= count <= MAX_CASES:
        raise ValueError(f"size {count} is out of range: a project holds 1 to {MAX_CASES} test cases")
    return count


def generate_project(size="small", seed=0, project_key="SBX"):
    """A filled ZephyrDataset; `size` is a name from SIZES or a test-case count."""
    cases = parse_size(size)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not isinstance(project_key, str) or not PROJECT_KEY.fullmatch(project_key):
        raise ValueError(f"project key {project_key!r} must match [A-Z][A-Z_0-9]+, as Zephyr requires")
    rng = random.Random(seed)
    dataset = ZephyrDataset(project={"key": project_key})
    attachments = Attachments(rng, dataset.files, dataset.jira_files)
    ctx = Context(rng=rng, dataset=dataset, scale=Scale.for_cases(cases), attachments=attachments,
                  link_ids=Sequence(rng, start=rng.randint(1, 999)))
    build_catalog(ctx)
    build_folders(ctx)
    build_testcases(ctx)
    windows = build_cycles(ctx)
    build_plans(ctx)
    build_executions(ctx, windows)
    return dataset
