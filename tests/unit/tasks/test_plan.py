"""The plan's dependencies: areas overlap across phases, and each task waits for what it reads."""

import luigi

from ztoq_luigi.tasks.extract.attachments import ExtractEmbeddedFiles
from ztoq_luigi.tasks.extract.design import ExtractTestDesign
from ztoq_luigi.tasks.extract.execution import ExtractExecutionReference, ExtractTestExecution
from ztoq_luigi.tasks.load.attachments import LoadEmbeddedFiles
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.tasks.load.execution import LoadTestExecution
from ztoq_luigi.tasks.load.fields import PrepareTestCaseFields
from ztoq_luigi.tasks.phases import LoadPhase, TransformPhase, ValidatePhase
from ztoq_luigi.tasks.transform.design import TransformTestDesign
from ztoq_luigi.tasks.transform.execution import TransformTestExecution

PARAMS = {"project_key": "PROJ", "batch_size": 50}


def required(task_class):
    """The classes of every task `task_class` requires, as deep as the static requirements go."""
    seen, frontier = set(), [task_class(**{k: v for k, v in PARAMS.items() if k in task_class.get_param_names()})]
    while frontier:
        for dependency in luigi.task.flatten(frontier.pop().requires()):
            if type(dependency) not in seen:
                seen.add(type(dependency))
                frontier.append(dependency)
    return seen


def test_transform_and_load_start_per_area_instead_of_after_the_whole_phase_before():
    assert not required(TransformPhase) and not required(LoadPhase)
    assert required(ValidatePhase) == {LoadPhase}, "validation reads qTest as the whole load left it"


def test_each_area_waits_for_what_it_reads_in_earlier_phases():
    assert {TransformTestDesign, ExtractTestDesign} <= required(LoadTestDesign)
    assert ExtractTestExecution not in required(LoadTestDesign), "test design loads while executions are extracted"
    assert {LoadTestDesign, ExtractEmbeddedFiles} <= required(LoadEmbeddedFiles), "files are attached once fetched"
    assert {TransformTestExecution, LoadEmbeddedFiles, ExtractEmbeddedFiles} <= required(LoadTestExecution)
    assert ExtractExecutionReference in required(PrepareTestCaseFields), "execution statuses are checked there"
