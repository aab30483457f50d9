"""The four phases, each the sum of its areas: the plan of a migration at a glance.

A phase requires the phase before it and yields one group task per area of
the project (test design today); each group owns its batches. A phase
marker is written when all its groups are done, so a finished phase costs a
single query on a rerun.
"""

import luigi

from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.extract.attachments import ExtractEmbeddedFiles
from ztoq_luigi.tasks.extract.design import ExtractTestDesign
from ztoq_luigi.tasks.extract.execution import ExtractTestExecution
from ztoq_luigi.tasks.load.attachments import LoadEmbeddedFiles
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.tasks.load.execution import LoadTestExecution
from ztoq_luigi.tasks.transform.design import TransformTestDesign
from ztoq_luigi.tasks.transform.execution import TransformTestExecution
from ztoq_luigi.tasks.validate.attachments import ValidateEmbeddedFiles
from ztoq_luigi.tasks.validate.design import ValidateTestDesign
from ztoq_luigi.tasks.validate.execution import ValidateTestExecution


class Phase(PipelineTask):
    batch_size = luigi.IntParameter(description="entities per batch")
    groups = ()
    previous = None

    def requires(self):
        return [] if self.previous is None else self.previous(project_key=self.project_key,
                                                              batch_size=self.batch_size)

    def marker_name(self):
        return f"phase/{self.phase}"

    def run(self):
        yield [group(project_key=self.project_key, batch_size=self.batch_size) for group in self.groups]
        with self.atomic():
            self.mark_done()
        self.event(f"{self.phase} phase complete")


class ExtractPhase(Phase):
    phase = "extract"
    groups = (ExtractTestDesign, ExtractTestExecution, ExtractEmbeddedFiles)


class TransformPhase(Phase):
    phase = "transform"
    previous = ExtractPhase
    groups = (TransformTestDesign, TransformTestExecution)


class LoadPhase(Phase):
    phase = "load"
    previous = TransformPhase
    groups = (LoadTestDesign, LoadTestExecution, LoadEmbeddedFiles)


class ValidatePhase(Phase):
    phase = "validate"
    previous = LoadPhase
    groups = (ValidateTestDesign, ValidateTestExecution, ValidateEmbeddedFiles)
