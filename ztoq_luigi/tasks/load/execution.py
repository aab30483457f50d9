"""Load the execution history: releases, the cycle tree, then runs and their logs, each exactly once.

Order matters twice. Releases come before cycles, so each cycle targets its
plan's release when it is created. Within a run, logs are submitted in
chronological order, since qTest sets the run's status from the last one.
Every object is looked up before it is created again after a crash: cycles
and releases by name and key line under their parent, runs by the Zephyr
Key field in their cycle, logs by the execution line of their note.
A log whose texts embed files gets them attached, then is rewritten by one
PUT to point at them (files can only be attached to a log that exists).
Step results are logged on the steps they ran, called steps on the called
case's steps (services/case_steps.py); a log whose results cannot all be placed
is an error of its execution, never a shortened log.
"""

from dataclasses import dataclass, field
from functools import cache

from ztoq_luigi.clients.errors import NotFoundError, RequestRejectedError
from ztoq_luigi.clients.qtest import listed_run_name
from ztoq_luigi.db.entities import content_hash, mapped, mark_created, mark_pending, mark_updated, target_ids
from ztoq_luigi.db.executions import transformed_in, transformed_per_unit
from ztoq_luigi.kinds import LOADED, Entity, Phase, WriteOutcome
from ztoq_luigi.mapping.attachments import log_files, rewrite_log
from ztoq_luigi.mapping.changes import Action, action
from ztoq_luigi.mapping.executions import log_body, statuses_used
from ztoq_luigi.mapping.run_steps import Unplaceable
from ztoq_luigi.services.adoption import adopt_log_files
from ztoq_luigi.services.case_steps import CaseSteps
from ztoq_luigi.services.fields import find_run_key_field
from ztoq_luigi.services.lookups import find_container, find_log, find_run
from ztoq_luigi.services.parallel import map_in_threads
from ztoq_luigi.services.units import EXECUTION_UNITS, window_limit, windows
from ztoq_luigi.services.uploads import upload_files
from ztoq_luigi.services.writes import Ledger, create_once, reconcile, update_once
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask
from ztoq_luigi.tasks.extract.execution import unit_count
from ztoq_luigi.tasks.load.attachments import LoadEmbeddedFiles
from ztoq_luigi.tasks.load.fields import PrepareRunFields
from ztoq_luigi.tasks.load.survey import SurveyTestExecution
from ztoq_luigi.tasks.transform.execution import TransformCycles, TransformTestExecution
from ztoq_luigi.validation.compare import same_log


class LoadReleases(PipelineTask):
    """One release per Zephyr test plan, at the project root; in a sync round a changed plan updates its release."""

    phase = Phase.LOAD

    def requires(self):
        return [self.clone(TransformCycles), self.clone(SurveyTestExecution)]

    def marker_name(self):
        return "load/releases"

    def work(self, ctx):
        key = self.project_key
        releases = transformed_in(key, Entity.RELEASE)
        existing = mapped(key, Entity.RELEASE)
        map_in_threads(lambda item: self._load_release(ctx, *item, existing.get(item[0])), list(releases.items()),
                       ctx.settings.max_workers, ctx.helpers)
        with self.atomic():
            self.mark_done(item_count=len(releases), entity_type=Entity.RELEASE)
        self.event(f"{len(releases)} releases (Zephyr test plans) in qTest")

    def _load_release(self, ctx, source_id, release, existing):
        """Create the release once, or update its name and description once in a sync round."""
        key, qtest, new_hash = self.project_key, ctx.qtest(), content_hash(release)
        if action(existing and existing.state, existing and existing.content_hash, new_hash,
                  ctx.sync_round() > 1) == Action.UPDATE:
            release_id = existing.target_id
            update_once(key, Entity.RELEASE, existing, new_hash, ctx.sync_round(),
                        update=lambda: qtest.update_release(release_id, release["name"], release["description"]),
                        applied=lambda: _holds(qtest.release(release_id), release))
            return
        create_once(key, Entity.RELEASE, Entity.RELEASE, source_id, existing,
                    create=lambda: qtest.create_release({"name": release["name"], "description": release["description"],
                                                         "properties": []})["id"],
                    find=lambda: find_container(qtest.releases(), release["name"], release["marker"]),
                    content_hash=new_hash, sync_round=ctx.sync_round())


class LoadCycles(PipelineTask):
    """The cycle tree, one depth at a time so every parent exists before its children, a depth's cycles at once.

    In a sync round a cycle whose name, description or test plan changed in
    Zephyr is updated in place (a plan is its target release), and one moved
    to another folder (or out of one) is moved under its new parent cycle,
    which an earlier depth has loaded.
    """

    phase = Phase.LOAD

    def requires(self):
        return [self.clone(TransformCycles), self.clone(LoadReleases)]

    def marker_name(self):
        return "load/cycles"

    def work(self, ctx):
        key = self.project_key
        plan = list(transformed_in(key, Entity.CYCLE).values())
        releases = target_ids(key, Entity.RELEASE)
        for depth in sorted({entry["depth"] for entry in plan}):
            ids = target_ids(key, Entity.CYCLE)
            level = [entry for entry in plan if entry["depth"] == depth]
            rows = mapped(key, Entity.CYCLE, [entry["source_id"] for entry in level])
            map_in_threads(lambda entry: self._load_cycle(ctx, entry, ids, releases, rows.get(entry["source_id"])),
                           level, ctx.settings.max_workers, ctx.helpers)
        with self.atomic():
            self.mark_done(item_count=len(plan), entity_type=Entity.CYCLE)
        self.event(f"{len(plan)} test cycles in qTest")

    def _load_cycle(self, ctx, entry, ids, releases, existing):
        """Create the cycle once, or update it once in a sync round; the cycles of one depth load side by side.

        `existing` is its map row, read with those of its whole depth.
        """
        key, qtest = self.project_key, ctx.qtest()
        parent = (int(ids[entry["parent"]]), "test-cycle") if entry["parent"] else (0, "root")
        target = releases.get(entry["release"]) if entry["release"] else None
        new_hash = content_hash(entry)
        if action(existing and existing.state, existing and existing.content_hash, new_hash,
                  ctx.sync_round() > 1) == Action.UPDATE:
            cycle_id = existing.target_id
            update_once(key, Entity.CYCLE, existing, new_hash, ctx.sync_round(),
                        update=lambda: _sync_cycle(qtest, cycle_id, entry, target, parent),
                        applied=lambda: _cycle_holds(qtest.test_cycle(cycle_id), entry, target)
                        and _under(qtest, cycle_id, parent))
            return
        create_once(key, Entity.CYCLE, "test-cycle", entry["source_id"], existing,
                    create=lambda: qtest.create_test_cycle(entry["name"], entry["description"], *parent,
                                                           target_release_id=target)["id"],
                    find=lambda: find_container(qtest.test_cycles(*parent), entry["name"], entry["marker"]),
                    content_hash=new_hash, sync_round=ctx.sync_round())


def _unchanged(row, payload):
    """Whether the run was loaded with this very payload, logs and all: nothing to send."""
    return action(row and row.state, row and row.content_hash, content_hash(payload)) == Action.KEEP


def _holds(found, entry):
    """Whether the release or cycle qTest answered has the entry's name and description."""
    return (found["name"], found.get("description") or "") == (entry["name"], entry["description"] or "")


def _cycle_holds(found, entry, target):
    """Whether the cycle qTest answered has the entry's texts and targets the release of its Zephyr test plan."""
    held = found.get("target_release_id")
    return _holds(found, entry) and (str(held) if held is not None else None) == target


def _under(qtest, cycle_id, parent):
    """Whether the cycle is listed under `parent` (parentId, parentType): qTest's cycle answer names no parent."""
    return any(str(cycle["id"]) == str(cycle_id) for cycle in qtest.test_cycles(*parent))


def _sync_cycle(qtest, cycle_id, entry, target, parent):
    """Send what qTest lacks of a changed cycle: its texts and target release, then its place.

    A move ignores the body, so it is a PUT of its own.

    WriteOutcome.HELD when nothing was lacking: the hash covers the cycle's depth, which
    changes when a folder it is in moved, and qTest moved it along.
    """
    wrote = False
    if not _cycle_holds(qtest.test_cycle(cycle_id), entry, target):
        qtest.update_test_cycle(cycle_id, entry["name"], entry["description"], target)
        wrote = True
    if not _under(qtest, cycle_id, parent):
        qtest.move_test_cycle(cycle_id, *parent)
        wrote = True
    return None if wrote else WriteOutcome.HELD


class LoadRuns(BatchTask):
    """The runs of a batch of units, each followed by its logs in chronological order.

    A run whose payload is the one loaded last time, logs and all, is left
    alone without a request; a changed one gets its new logs appended and,
    when its case was renamed, its name.
    """

    phase = Phase.LOAD

    def requires(self):
        return [self.clone(PrepareRunFields), self.clone(LoadCycles)]

    def marker_name(self):
        return f"load/testruns/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key = self.project_key
        batch = _Batch(cycles=target_ids(key, Entity.CYCLE, loaded=True),
                       key_field=find_run_key_field(ctx.reference, ctx.rules),
                       statuses={status["name"]: status["id"] for status in ctx.reference.execution_statuses()})
        rows = transformed_per_unit(key, Entity.TEST_RUN, self.ordinals)
        progress = self.progress(sum(rows.values()), "test runs")
        loaded = failed = 0
        for window in windows(self.ordinals, rows, window_limit(ctx.settings.max_workers)):
            runs = transformed_in(key, Entity.TEST_RUN, window)
            adopt_log_files(ctx.qtest(), key, runs, ctx.settings.zephyr_base_url)
            needed = {run["case"] for run in runs.values()}
            batch.cases = target_ids(key, Entity.TEST_CASE, needed, loaded=True)
            batch.steps = CaseSteps(key, ctx.qtest)  # a window's cases only: memory stays flat over the batch
            batch.steps.prepare(needed)
            maps = mapped(key, Entity.TEST_RUN, runs)
            todo = [(run_key, payload, maps.get(run_key)) for run_key, payload in runs.items()
                    if not _unchanged(maps.get(run_key), payload)]
            batch.logs = mapped(key, Entity.TEST_LOG, [log["execution"] for _, payload, _ in todo
                                                         for log in payload["logs"]])
            batch.ledger = _intents(key, ctx.sync_round(), todo, batch.logs)
            try:
                outcomes = map_in_threads(lambda item: self._try_run(ctx, batch, *item), todo,
                                          ctx.settings.max_workers, ctx.helpers)
            finally:
                batch.ledger.flush()
            for run_loaded, run_failed in progress.over([(1, 0)] * (len(runs) - len(todo)) + outcomes):
                loaded += run_loaded
                failed += run_failed
        with self.atomic():
            self.mark_done(item_count=loaded, failed_count=failed, entity_type=Entity.TEST_RUN, batch_no=self.batch_no)

    def _try_run(self, ctx, batch, run_key, payload, row):
        """(1 if the run is in qTest else 0, how many of its logs or itself failed); runs of a window load in threads.

        Runs are independent (each is created once under its own key, its
        logs in order by the one thread that created it), so a window's runs
        keep --max-workers requests in flight instead of one.
        """
        try:
            return 1, self._load_run(ctx, batch, run_key, payload, row)
        except (_NotLoadable, RequestRejectedError) as problem:
            self.error(f"test run {run_key} and its {len(payload['logs'])} logs not loaded: {problem}",
                       entity_type=Entity.TEST_RUN, entity_key=run_key,
                       http_status=getattr(problem, "status", None), excerpt=getattr(problem, "excerpt", None))
            return 0, 1

    def _load_run(self, ctx, batch, run_key, payload, row):
        """Create the run once (or rename it), then its missing logs in order; returns how many logs failed.

        The run's content hash is recorded once every log is in qTest, so a
        run with a log that failed is looked at again by the next run.
        """
        key, qtest = self.project_key, ctx.qtest()
        cycle_id, case_id = batch.cycles.get(payload["cycle"]), batch.cases.get(payload["case"])
        if cycle_id is None:
            raise _NotLoadable(f"its test cycle ({payload['cycle']}) is not in qTest")
        if case_id is None:
            raise _NotLoadable(f"test case {payload['case']} is not in qTest")
        unknown = statuses_used(payload) - set(batch.statuses)
        if unknown:
            raise _NotLoadable(f"qTest has no execution status {', '.join(sorted(unknown))}")
        steps = batch.steps.of(payload["case"])
        if steps.version_id is None:
            raise _NotLoadable(steps.problem)
        body = {"test_case": {"id": int(case_id)}, "test_case_version_id": steps.version_id,
                "properties": [{"field_id": batch.key_field, "field_value": run_key}]}
        sync_round = ctx.sync_round()
        run_id = create_once(key, Entity.TEST_RUN, "test-run", run_key, row,
                             create=lambda: qtest.create_test_run(body, int(cycle_id))["id"],
                             find=lambda: find_run(qtest, ctx.rules.key_field, int(cycle_id), run_key),
                             sync_round=sync_round, ledger=batch.ledger)
        earlier = row is not None and row.state in LOADED
        wrote = earlier and sync_round > 1 and listed_run_name(qtest.test_run(int(run_id))) != payload["name"]
        if wrote:
            reconcile(lambda: qtest.rename_test_run(int(run_id), payload["name"], case_id))
        existing = batch.logs
        listed = cache(lambda: {str(found["id"]): found for found in qtest.test_logs(int(run_id))})
        failed = 0
        for log in payload["logs"]:
            logged = existing.get(log["execution"])
            if logged is not None and logged.state in LOADED and sync_round > 1:
                try:
                    wrote = self._sync_log(ctx, batch, payload["case"], run_id, logged, log, steps, listed) or wrote
                except (Unplaceable, RequestRejectedError) as problem:
                    failed += 1
                    self.error(f"test log of {log['execution']} not updated in run {run_key}: {problem}",
                               entity_type=Entity.TEST_EXECUTION, entity_key=log["execution"],
                               http_status=getattr(problem, "status", None), excerpt=getattr(problem, "excerpt", None))
                    continue
            try:
                log_request = log_body(log, steps, batch.statuses)
            except Unplaceable as problem:
                failed += 1
                self.error(f"test log of {log['execution']} not loaded into run {run_key}: its step results cannot "
                           f"be placed on the steps of the migrated test case: {problem}",
                           entity_type=Entity.TEST_EXECUTION, entity_key=log["execution"])
                continue
            wrote = wrote or logged is None or logged.state not in LOADED
            try:
                log_id = create_once(key, Entity.TEST_LOG, "test-log", log["execution"], logged,
                                     create=lambda: qtest.create_test_log(int(run_id), log_request)["id"],
                                     find=lambda: find_log(qtest, int(run_id), log["execution"]),
                                     content_hash=content_hash(log), sync_round=sync_round, ledger=batch.ledger)
            except RequestRejectedError as problem:
                failed += 1
                self.error(f"test log of {log['execution']} not loaded into run {run_key}: {problem}",
                           entity_type=Entity.TEST_EXECUTION, entity_key=log["execution"], http_status=problem.status,
                           excerpt=problem.excerpt)
                continue
            try:
                self._attach_files(ctx, run_id, log_id, log, steps, batch.statuses)
            except (NotFoundError, RequestRejectedError) as problem:
                failed += 1
                self.error(f"embedded files not attached to the test log of {log['execution']}: {problem}",
                           entity_type=Entity.TEST_EXECUTION, entity_key=log["execution"], http_status=problem.status,
                           excerpt=problem.excerpt)
        if not failed:
            if earlier and wrote:
                mark_updated(key, Entity.TEST_RUN, run_key, content_hash(payload), sync_round)
            else:
                batch.ledger.settle(Entity.TEST_RUN, run_key, content_hash(payload))
        return failed

    def _sync_log(self, ctx, batch, case_key, run_id, row, log, steps, listed):
        """Update once a log whose execution changed in Zephyr since it was loaded; True when it was sent.

        The log keeps the case version it was logged on (a PUT cannot change
        it), so its step logs go on that version's steps, and its texts point
        at its attachments (a file embedded anew is uploaded first). `listed()`
        is the run's logs in qTest, read once for all of them: a log whose
        hash is not recorded (adopted, or loaded before logs had hashes) and
        that already holds the body is only recorded, and after a lost answer
        the PUT, which sets the same content however often it is sent, is
        simply sent again.
        """
        key, qtest, log_hash = self.project_key, ctx.qtest(), content_hash(log)
        if row.content_hash == log_hash:
            return False
        held = listed().get(str(row.target_id))
        version = held.get("test_case_version_id") if held else steps.version_id
        if version != steps.version_id:
            steps = batch.steps.at(case_key, version)
        base = ctx.settings.zephyr_base_url
        urls = log_files(log, base)
        links = upload_files(qtest, key, "test-logs", row.target_id, log["execution"], urls) if urls else {}
        body = log_body(rewrite_log(log, links, base) if links else log, steps, batch.statuses)
        return update_once(key, Entity.TEST_LOG, row, log_hash, ctx.sync_round(),
                           update=lambda: qtest.update_test_log(int(run_id), int(row.target_id), body),
                           applied=lambda: held is not None and same_log(body, held))

    def _attach_files(self, ctx, run_id, log_id, log, steps, statuses):
        """Attach the fetched files the log's texts embed to it, then PUT the log once with texts pointing at them.

        Uploads are exactly-once on their own; the PUT sets the same texts
        however often it is sent, so a resumed batch simply sends it again
        unless it is recorded as done.
        """
        key, execution, base = self.project_key, log["execution"], ctx.settings.zephyr_base_url
        urls = log_files(log, base)
        if not urls:
            return
        done = mapped(key, Entity.LOG_TEXTS, [execution]).get(execution)
        if done is not None and done.state in LOADED:
            return
        links = upload_files(ctx.qtest(), key, "test-logs", log_id, execution, urls)
        if not links:
            return
        body = log_body(rewrite_log(log, links, base), steps, statuses)
        mark_pending(key, Entity.LOG_TEXTS, "test-log", [execution])
        ctx.qtest().update_test_log(int(run_id), int(log_id), body)
        mark_created(key, Entity.LOG_TEXTS, execution, log_id)


def _intents(project_key, sync_round, todo, logs):
    """A window's ledger, holding the pending rows of its new runs and logs before any is sent."""
    ledger = Ledger(project_key, {Entity.TEST_RUN: "test-run", Entity.TEST_LOG: "test-log"}, sync_round)
    ledger.intend(Entity.TEST_RUN, [run_key for run_key, _, row in todo if row is None])
    ledger.intend(Entity.TEST_LOG, [log["execution"] for _, payload, _ in todo for log in payload["logs"]
                                    if log["execution"] not in logs])
    return ledger


@dataclass
class _Batch:
    """What a batch's runs are loaded with, dropped with the batch.

    Not kept on the task: Luigi's worker holds every task it scheduled until
    the run ends, so the steps of a batch's cases kept there would add up
    over every finished batch.
    """

    cycles: dict
    key_field: int
    statuses: dict
    steps: CaseSteps = None
    cases: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)
    ledger: Ledger = None


class _NotLoadable(Exception):
    """A run whose container, test case or statuses are missing in qTest."""


class LoadTestExecution(Group):
    """Releases, the cycle tree, then runs and logs batch by batch, once the test cases are final in qTest.

    Final means with their embedded files: rewriting a case's texts makes a
    new version with new step ids, and runs bind to the version they find.
    """

    phase = Phase.LOAD
    area = "test-execution"

    def requires(self):
        return [self.clone(TransformTestExecution), self.clone(LoadEmbeddedFiles)]

    def first(self):
        return [self.clone(PrepareRunFields), self.clone(LoadReleases), self.clone(LoadCycles)]

    def then(self):
        return self.cut(LoadRuns, EXECUTION_UNITS, unit_count(self.project_key))
