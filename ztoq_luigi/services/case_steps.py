"""The steps of migrated test cases as qTest holds them, for the test logs of their executions.

The load and the validation of test logs share it. A batch takes each case,
and every case it calls as deep as the calls go, once however many logs of
it the batch holds, and pairs its steps with the Zephyr call structure of
the transformed cases (mapping/run_steps.py).

The load takes a case as its last write answered (remember_case): a create
or an update answers with the version and its step ids, so no case is read
back per run. The answer is forgotten before an update is sent, so a crash
between the update and its answer leaves nothing stale, only a case that is
read from qTest (as is one created or adopted without an answer kept).
"""

from ztoq_luigi.clients.errors import NotFoundError
from ztoq_luigi.db.entities import mapped, transformed
from ztoq_luigi.db.readback import drop_read, read_by_id, save_read
from ztoq_luigi.kinds import Entity, Snapshot
from ztoq_luigi.mapping.run_steps import run_steps

STEP_KEYS = ("id", "order", "called_test_case_id")


def remember_case(project_key, case_key, answer, step_count):
    """Keep what the logs need of a case as a write answered; an answer without all its steps is not kept."""
    keep_cases(project_key, [kept_case(case_key, answer, step_count)])


def kept_case(case_key, answer, step_count):
    """The read-back row of what the logs need of a case's answer, or None when it lacks steps or its version.

    A batch of creations keeps its cases' rows together (keep_cases), as
    the ledger does their ids: one statement per case was a tenth of the
    load's statements.
    """
    steps = answer.get("test_steps") or []
    if len(steps) != step_count or answer.get("test_case_version_id") is None:
        return None
    kept = {"id": answer["id"], "test_case_version_id": answer["test_case_version_id"],
            "test_steps": [{name: step.get(name) for name in STEP_KEYS} for step in steps]}
    return answer["id"], case_key, kept


def keep_cases(project_key, rows):
    """Save kept_case rows (None ones skipped)."""
    save_read(project_key, Snapshot.LOADED_TEST_CASE, [row for row in rows if row is not None])


def forget_case(project_key, case_id):
    """Before a write that makes a new version: what was kept no longer holds."""
    drop_read(project_key, Snapshot.LOADED_TEST_CASE, [case_id])


class CaseSteps:
    """The cases a batch's logs are built on, taken from the cases kept in `kept` (a read-back snapshot).

    The load keeps each case as its last write answered and reads from
    qTest (`qtest()`, the calling thread's client) a case it did not keep;
    validation takes the cases it read back in bulk (`ask_qtest=False`): a
    case it did not read back is not in qTest. Both read from qTest the
    older version a log was made on (at()).
    """

    def __init__(self, project_key, qtest=None, kept=Snapshot.LOADED_TEST_CASE, ask_qtest=True):
        self._project_key, self._qtest = project_key, qtest
        self._kept, self._ask_qtest = kept, ask_qtest
        self._calls, self._ids, self._cases, self._runs = {}, {}, {}, {}

    def prepare(self, case_keys):
        """Learn the calls and ids of these cases and their callees, and the kept cases, in a few queries.

        A window of runs calls it before loading (or checking) its runs side
        by side, so each run finds what it needs instead of querying case by case.
        """
        keys = self._reachable(set(case_keys))
        ids = {str(self._ids[key]) for key in keys if self._ids[key] is not None} - set(self._cases)
        if ids:
            self._cases.update(read_by_id(self._project_key, self._kept, ids))

    def of(self, case_key):
        """The RunSteps of an execution of the test case with this Zephyr key."""
        if case_key not in self._runs:
            keys = self._reachable({case_key})
            cases = {key: self._case(self._ids[key]) for key in keys if self._ids[key] is not None}
            self._runs[case_key] = run_steps(case_key, self._calls,
                                             {key: case for key, case in cases.items() if case is not None})
        return self._runs[case_key]

    def at(self, case_key, version_id):
        """The RunSteps of an execution logged on an older version of the case, before a sync updated it.

        That version's own call steps say which cases it calls; the called
        cases are taken as they are now.
        """
        if (case_key, version_id) not in self._runs:
            keys = self._reachable({case_key})
            root = self._version(self._ids[case_key], version_id)
            keys_by_id = {str(case_id): key for key, case_id in self._ids.items() if case_id is not None}
            calls = dict(self._calls)
            if root is not None:
                calls[case_key] = [keys_by_id.get(str(step["called_test_case_id"]))
                                   if step.get("called_test_case_id") else None
                                   for step in sorted(root.get("test_steps") or [], key=lambda s: s.get("order") or 0)]
            cases = {key: self._case(self._ids[key]) for key in keys if self._ids[key] is not None}
            cases[case_key] = root
            self._runs[(case_key, version_id)] = run_steps(case_key, calls, {key: case for key, case in cases.items()
                                                                             if case is not None})
        return self._runs[(case_key, version_id)]

    def _version(self, case_id, version_id):
        try:
            return self._qtest().test_case(case_id, version_id)
        except NotFoundError:
            return None

    def _reachable(self, case_keys):
        """The cases and those they call, as deep as the calls go; notes their calls and qTest ids on the way."""
        seen, frontier = set(), set(case_keys)
        while frontier:
            self._note(sorted(key for key in frontier if key not in self._ids))
            seen |= frontier
            frontier = {callee for key in frontier for callee in self._calls.get(key) or () if callee} - seen
        return seen

    def _note(self, keys):
        if not keys:
            return
        payloads = transformed(self._project_key, Entity.TEST_CASE, source_ids=keys)
        rows = mapped(self._project_key, Entity.TEST_CASE, keys)
        for key in keys:
            if key in payloads:
                self._calls[key] = [step.get("called") for step in payloads[key]["steps"]]
            self._ids[key] = rows[key].target_id if key in rows else None

    def _case(self, case_id):
        """The case with its steps, or None when qTest does not have it."""
        if case_id not in self._cases:
            self._cases[case_id] = self._get(case_id)
        return self._cases[case_id]

    def _get(self, case_id):
        kept = read_by_id(self._project_key, self._kept, [case_id]).get(str(case_id))
        if kept is not None or not self._ask_qtest:
            return kept
        try:
            return self._qtest().test_case(case_id)
        except NotFoundError:
            return None
