"""Before anything is created in qTest: adopt what qTest already holds that the state database does not know.

A lost, cleaned or second state database would otherwise create the whole
project again. Each area is surveyed once, in bulk (services/adoption.py),
before its first object is loaded; what is found is recorded as adopted and
the load then skips it like anything it created itself. How many objects
were adopted is said in an event and, by the progress display, on the
terminal; status and the report count them per type. What a survey finds
is computed by services/adoption.py without writing anything, so `plan`
counts the same findings without recording them.
"""

from ztoq_luigi.kinds import Entity, Phase
from ztoq_luigi.reports.names import display_name
from ztoq_luigi.services.adoption import find_test_design, find_test_execution
from ztoq_luigi.services.writes import adopt
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.load.fields import PrepareRunFields, PrepareTestCaseFields
from ztoq_luigi.tasks.transform.design import TransformModules
from ztoq_luigi.tasks.transform.execution import TransformCycles

TARGET_TYPES = {Entity.MODULE: Entity.MODULE, Entity.TEST_CASE: "test-case", Entity.RELEASE: Entity.RELEASE,
                Entity.CYCLE: "test-cycle", Entity.TEST_RUN: "test-run", Entity.TEST_LOG: "test-log"}


class _Survey(PipelineTask):
    phase = Phase.LOAD

    def adopt_found(self, found, area):
        """Record what the survey found ({entity: {source_id: qTest id}}) as adopted, and say how much."""
        with self.atomic():
            counts = {entity: adopt(self.project_key, entity, TARGET_TYPES[entity], ids)
                      for entity, ids in found.items()}
            self.mark_done(item_count=sum(counts.values()))
        self.adopted_event(counts, area)

    def adopted_event(self, counts, area):
        counts = {entity: count for entity, count in counts.items() if count}
        if counts:
            listed = ", ".join(f"{count} {display_name(entity).lower()}" for entity, count in counts.items())
            self.event(f"qTest already holds {listed} of the {area} that this state database did not know "
                       "(created by an earlier run whose state is gone): adopted, not created again",
                       adopted={str(entity): count for entity, count in counts.items()})


class SurveyTestDesign(_Survey):
    """Modules at their place in the tree, then test cases by their key field, unless the tree proves there are none.

    It runs after the field check, which may stop the load before anything
    is read; the test cases it looks for are transformed, since
    LoadTestDesign, the only group that reaches it, requires their transform.
    """

    def requires(self):
        return [self.clone(TransformModules), self.clone(PrepareTestCaseFields)]

    def marker_name(self):
        return "load/survey/test-design"

    def work(self, ctx):
        self.adopt_found(find_test_design(ctx.qtest(), self.project_key, ctx.rules.key_field), "test design")


class SurveyTestExecution(_Survey):
    """Releases and the cycle tree, then the runs of each adopted cycle by their key field, then the logs of adopted runs.

    The runs are transformed: LoadTestExecution, the only group that
    reaches it, requires their transform.
    """

    def requires(self):
        return [self.clone(TransformCycles), self.clone(PrepareRunFields)]

    def marker_name(self):
        return "load/survey/test-execution"

    def work(self, ctx):
        self.adopt_found(find_test_execution(ctx.qtest(), self.project_key, ctx.rules.key_field), "test execution")
