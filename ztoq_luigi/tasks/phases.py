"""The four phases, each the sum of its groups: the plan of a migration at a glance.

A phase yields one group task per area of the project (test design,
execution history, embedded files); each group owns its batches and
requires the groups of earlier phases it reads, not their whole phase, so
areas overlap: the test design is transformed and loaded while the
execution history is still being extracted, and the requests in flight stay
at --max-workers instead of draining at each phase's slowest batch.
Validation alone requires the whole load (`previous`): it reads qTest as
the load left it. A phase marker is written when all its groups are done,
so a finished phase costs a single query on a rerun.
"""

import luigi

from ztoq_luigi import kinds
from ztoq_luigi.kinds import MarkerKind
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.extract.attachments import ExtractEmbeddedFiles
from ztoq_luigi.tasks.extract.design import ExtractTestDesign
from ztoq_luigi.tasks.extract.execution import ExtractTestExecution
from ztoq_luigi.tasks.load.attachments import LoadEmbeddedFiles
from ztoq_luigi.db.rounds import finish_round
from ztoq_luigi.tasks.load.deletions import SyncDeletions
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.tasks.load.execution import LoadTestExecution
from ztoq_luigi.tasks.transform.design import TransformTestDesign
from ztoq_luigi.tasks.transform.execution import TransformTestExecution
from ztoq_luigi.tasks.validate.attachments import ValidateEmbeddedFiles
from ztoq_luigi.tasks.validate.design import ValidateTestDesign
from ztoq_luigi.tasks.validate.execution import ValidateTestExecution


class Phase(PipelineTask):
    kind = MarkerKind.PHASE
    batch_size = luigi.IntParameter(description="entities per batch")
    groups = ()
    previous = None

    def requires(self):
        return [] if self.previous is None else self.clone(self.previous)

    def marker_name(self):
        return f"phase/{self.phase}"

    def work(self, ctx):
        yield [self.clone(group) for group in self.groups]
        with self.atomic():
            self.finish(ctx)
            self.mark_done()
        self.event(f"{self.phase} phase complete")

    def finish(self, ctx):
        """What the phase records once all its groups are done, in the transaction of its marker."""


class ExtractPhase(Phase):
    phase = kinds.Phase.EXTRACT
    groups = (ExtractTestDesign, ExtractTestExecution, ExtractEmbeddedFiles)


class TransformPhase(Phase):
    phase = kinds.Phase.TRANSFORM
    groups = (TransformTestDesign, TransformTestExecution)


class LoadPhase(Phase):
    phase = kinds.Phase.LOAD
    groups = (LoadTestDesign, LoadTestExecution, LoadEmbeddedFiles, SyncDeletions)

    def finish(self, ctx):
        """The round's load is over: what it created, updated and found deleted is frozen in its tallies."""
        finish_round(self.project_key, ctx.sync_round())


class ValidatePhase(Phase):
    phase = kinds.Phase.VALIDATE
    previous = LoadPhase
    groups = (ValidateTestDesign, ValidateTestExecution, ValidateEmbeddedFiles)


PHASE_TASKS = {task.phase: task for task in (ExtractPhase, TransformPhase, LoadPhase, ValidatePhase)}
