"""Before anything is created in qTest: adopt what qTest already holds that the state database does not know.

A lost, cleaned or second state database would otherwise create the whole
project again. Each area is surveyed once, in bulk (services/adoption.py),
before its first object is loaded; what is found is recorded as adopted and
the load then skips it like anything it created itself. How many objects
were adopted is said in an event and, by the progress display, on the
terminal; status and the report count them per type.
"""

from ztoq_luigi.db.entities import adopted_ids, mapped, mapped_ids, transformed, transformed_ids
from ztoq_luigi.db.executions import transformed_in
from ztoq_luigi.kinds import LOADED, Entity, Phase
from ztoq_luigi.mapping.executions import run_cycle
from ztoq_luigi.reports.names import display_name
from ztoq_luigi.services.adoption import (
    survey_cycles, survey_logs, survey_modules, survey_releases, survey_test_cases, survey_test_runs,
)
from ztoq_luigi.services.writes import adopt
from ztoq_luigi.tasks.base import PipelineTask
from ztoq_luigi.tasks.load.fields import PrepareRunFields, PrepareTestCaseFields
from ztoq_luigi.tasks.transform.design import TransformModules
from ztoq_luigi.tasks.transform.execution import TransformCycles


def _known(rows):
    """{source_id: qTest id} of rows whose object is known to exist."""
    return {source_id: row.target_id for source_id, row in rows.items() if row.state in LOADED}


def _own(rows):
    """The qTest ids of the objects this state database created itself."""
    return {row.target_id for row in rows.values() if row.state in LOADED and not row.adopted}


class _Survey(PipelineTask):
    phase = Phase.LOAD

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
        key, qtest = self.project_key, ctx.qtest()
        rows = mapped(key, Entity.MODULE)
        modules, clean = survey_modules(qtest, list(transformed(key, Entity.MODULE).values()), _known(rows),
                                        _own(rows))
        modules = {source_id: target for source_id, target in modules.items() if source_id not in rows}
        cases = {}
        if not clean:
            unknown = transformed_ids(key, Entity.TEST_CASE) - mapped_ids(key, Entity.TEST_CASE)
            cases = survey_test_cases(qtest, ctx.rules.key_field, unknown)
        with self.atomic():
            counts = {Entity.MODULE: adopt(key, Entity.MODULE, Entity.MODULE, modules),
                      Entity.TEST_CASE: adopt(key, Entity.TEST_CASE, "test-case", cases)}
            self.mark_done(item_count=sum(counts.values()))
        self.adopted_event(counts, "test design")


class SurveyTestExecution(_Survey):
    """Releases and the cycle tree, then the runs of each adopted cycle by their key field, then the logs of adopted runs.

    A cycle this state created held no run it does not know, and a run it
    created no such log, so a project qTest held nothing of is surveyed
    with two listings. The runs are transformed: LoadTestExecution, the only
    group that reaches it, requires their transform.
    """

    def requires(self):
        return [self.clone(TransformCycles), self.clone(PrepareRunFields)]

    def marker_name(self):
        return "load/survey/test-execution"

    def work(self, ctx):
        key, qtest = self.project_key, ctx.qtest()
        release_rows, cycle_rows = mapped(key, Entity.RELEASE), mapped(key, Entity.CYCLE)
        releases = survey_releases(qtest, list(transformed_in(key, Entity.RELEASE).values()), _known(release_rows))
        cycles = survey_cycles(qtest, list(transformed_in(key, Entity.CYCLE).values()), _known(cycle_rows))
        releases = {source_id: target for source_id, target in releases.items() if source_id not in release_rows}
        cycles = {source_id: target for source_id, target in cycles.items() if source_id not in cycle_rows}
        adopted_cycles = dict(adopted_ids(key, Entity.CYCLE), **cycles)
        unknown = {}
        for run in transformed_ids(key, Entity.TEST_RUN) - mapped_ids(key, Entity.TEST_RUN):
            if run_cycle(run) in adopted_cycles:
                unknown.setdefault(adopted_cycles[run_cycle(run)], set()).add(run)
        runs = survey_test_runs(qtest, ctx.rules.key_field, unknown)
        logs = survey_logs(qtest, self._unknown_logs(runs))
        with self.atomic():
            counts = {Entity.RELEASE: adopt(key, Entity.RELEASE, Entity.RELEASE, releases),
                      Entity.CYCLE: adopt(key, Entity.CYCLE, "test-cycle", cycles),
                      Entity.TEST_RUN: adopt(key, Entity.TEST_RUN, "test-run", runs),
                      Entity.TEST_LOG: adopt(key, Entity.TEST_LOG, "test-log", logs)}
            self.mark_done(item_count=sum(counts.values()))
        self.adopted_event(counts, "test execution")

    def _unknown_logs(self, runs):
        """{execution key: qTest run id} of the logs without a row whose run is adopted (now or by an earlier survey)."""
        key = self.project_key
        adopted = dict(adopted_ids(key, Entity.TEST_RUN), **runs)
        if not adopted:
            return {}
        executions = {log["execution"]: adopted[run_key]
                      for run_key, payload in transformed(key, Entity.TEST_RUN, source_ids=adopted).items()
                      for log in payload["logs"]}
        known = mapped(key, Entity.TEST_LOG, executions)
        return {execution: run_id for execution, run_id in executions.items() if execution not in known}
