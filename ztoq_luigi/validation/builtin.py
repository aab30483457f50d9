"""The built-in validation rules: what a migration must prove, each a pure check of one kind of view.

Default severities follow what a QA lead loses: an entity lost or
duplicated is critical; a wrong field, tree, step, log or file is an error;
an object in qTest that nothing in Zephyr explains is a warning (someone may
have added it on purpose); a value that fell back to a default is
information. The config re-grades any of them (`validation.severity`).
"""

from collections import Counter

from ztoq_luigi.kinds import Entity
from ztoq_luigi.validation.compare import compare_test_case
from ztoq_luigi.validation.html import normalise_html
from ztoq_luigi.validation.rules import Census, Comparison, Drift, Issue, Rule, Severity, Tree

CENSUS_TYPES = frozenset({Entity.TEST_CASE, Entity.TEST_RUN, Entity.TEST_LOG, Entity.CYCLE})
NAMES = {Entity.TEST_CASE: "test case", Entity.TEST_RUN: "test run", Entity.TEST_LOG: "test log",
         Entity.CYCLE: "test cycle", Entity.MODULE: "module"}
FIELD_FINDINGS = ("name", "module", "text", "property")


def counts(view):
    """As many qTest objects carrying the keys of Zephyr's entities as there are entities (strays are their own rule)."""
    found = sum(len(ids) for key, ids in view.found.items() if key in view.expected)
    if found != len(view.expected):
        name = NAMES[view.entity_type]
        yield Issue(f"{name}s", len(view.expected), found,
                    f"{len(view.expected)} {name}s expected from Zephyr, {found} in qTest")


def exactly_once(view):
    """Every Zephyr entity in qTest exactly once: none lost, none duplicated."""
    name = NAMES[view.entity_type]
    for key in sorted(view.expected):
        ids = list(view.found.get(key, ()))
        if len(ids) == 1:
            continue
        if not ids and key in view.not_loaded:
            yield Issue(key, f"1 {name}", "0", f"the {name} was not loaded into qTest")
        elif not ids:
            yield Issue(key, f"1 {name}", "0", f"no qTest {name} carries {key}: it was deleted or lost")
        else:
            yield Issue(key, f"1 {name}", f"{len(ids)}: " + ", ".join(map(str, sorted(ids, key=str))),
                        f"{len(ids)} qTest {name}s carry {key}")


def strays(view):
    """qTest objects carrying a key of this project that maps to no Zephyr entity."""
    name = NAMES[view.entity_type]
    for key in sorted(set(view.found) - set(view.expected) - set(view.not_loaded)):
        ids = ", ".join(map(str, sorted(view.found[key], key=str)))
        yield Issue(key, "nothing", ids, f"qTest {name} {ids} carries {key}, which maps to nothing in Zephyr")


def trees(view):
    """Each migrated module or cycle where its Zephyr folder says, under the same path; nothing else under them."""
    name = NAMES[view.entity_type]
    for source_id in sorted(view.expected, key=str):
        want, got = view.expected[source_id], view.found.get(source_id)
        if got is None:
            yield Issue(source_id, want, "missing", f"the {name} '{want}' is no longer in qTest")
        elif got != want:
            yield Issue(source_id, want, got, f"the {name} of Zephyr folder {source_id} is at '{got}' in qTest")
    for path, count in sorted(Counter(view.extra).items()):
        yield Issue(path, "no such " + name, f"{count} in qTest",
                    f"qTest holds the {name} '{path}' among the migrated ones; no Zephyr folder explains it")


def test_case_fields(view):
    """Name, module, description and precondition (after HTML normalisation), properties and custom fields."""
    for finding in _case_findings(view):
        if finding.rule in FIELD_FINDINGS:
            yield Issue(view.key, finding.expected, finding.actual, f"{finding.field} differs in qTest")


def test_case_steps(view):
    """Steps in order: description, expected result, and the case each call step calls."""
    for finding in _case_findings(view):
        if finding.rule == "steps":
            yield Issue(view.key, finding.expected, finding.actual, f"{finding.field} differs in qTest")


def _case_findings(view):
    return compare_test_case(view.expected, view.actual, view.context.get("id_lists", frozenset()))


def test_runs(view):
    """A run in the cycle it was created in, testing the case it was created for, under its name."""
    checks = (("name", view.expected.get("name"), view.actual.get("name")),
              ("test case", view.expected.get("test_case_id"), view.actual.get("test_case_id")),
              ("test cycle", view.expected.get("parent_id"), view.actual.get("parent_id")))
    for label, want, got in checks:
        if str(want) != str(got):
            yield Issue(view.key, want, got, f"the run's {label} differs in qTest")


def test_logs(view):
    """A log's status, dates, note, tested version and step logs (called steps with their case and call step)."""
    problem = view.context.get("unplaceable")
    if problem:
        yield Issue(view.key, "every step result on its step", "cannot be placed",
                    f"the step results cannot be placed on the qTest steps: {problem}")
    want, got = view.expected, view.actual
    checks = [("status", view.context.get("status"), (got.get("status") or {}).get("name")),
              ("start date", want["exe_start_date"], got.get("exe_start_date")),
              ("end date", want["exe_end_date"], got.get("exe_end_date")),
              ("note", normalise_html(want["note"]), normalise_html(got.get("note")))]
    if not problem:
        checks.append(("step logs", _step_rows(want.get("test_step_logs")), _step_rows(got.get("test_step_logs"))))
    if view.context.get("run_id") is not None:
        checks.append(("test run", str(view.context["run_id"]), str(got.get("test_run_id"))))
    if view.context.get("version_id") is not None:
        checks.append(("test case version", view.context["version_id"], got.get("test_case_version_id")))
    for label, wanted, found in checks:
        if wanted != found:
            yield Issue(view.key, wanted, found, f"the test log's {label} differs in qTest")


def _step_rows(step_logs):
    """Step logs as compared, in order: the step (with its case and call step when called), status, result."""
    rows = [(step.get("order"), step.get("test_step_id"), step.get("called_test_case_id"),
             step.get("parent_test_step_id"), (step.get("status") or {}).get("id"),
             normalise_html(step.get("actual_result"))) for step in step_logs or []]
    return sorted(rows, key=lambda row: row[0] or 0)


def attachment_checksums(view):
    """Every embedded file attached in qTest with the bytes downloaded from Zephyr."""
    where, name = view.context.get("where"), view.context.get("name")
    if view.actual.get("sha256") is None:
        yield Issue(view.key, where, "not found", f"{name} ({view.context.get('url')}) is no longer attached in qTest")
    elif view.actual["sha256"] != view.expected["sha256"]:
        yield Issue(view.key, f"sha256 {view.expected['sha256']}", f"sha256 {view.actual['sha256']}",
                    f"{name} in qTest ({where}) differs from the file downloaded from Zephyr")


def mapping_coverage(view):
    """Values that no mapping entry covered and so fell back to a default (passed through, left empty, unfiled)."""
    for what, value, fallback in view.context.get("fallbacks", ()):
        yield Issue(view.key, f"a mapping entry for {what} '{value}'", fallback,
                    f"{what} '{value}' is not in the mapping: {fallback}")


def source_drift(view):
    """A Zephyr entity changed, added or deleted in Zephyr since it was extracted for the migration."""
    name = view.entity_type.value
    if view.current is None:
        yield Issue(view.key, "in Zephyr", "deleted", f"the {name} was deleted in Zephyr after the migration")
    elif view.migrated is None:
        yield Issue(view.key, "not in Zephyr", "added", f"the {name} was added in Zephyr after the migration")
    else:
        changed = sorted(field for field in set(view.migrated) | set(view.current)
                         if view.migrated.get(field) != view.current.get(field))
        if changed:
            yield Issue(view.key, ", ".join(f"{f}={view.migrated.get(f)!r}" for f in changed),
                        ", ".join(f"{f}={view.current.get(f)!r}" for f in changed),
                        f"changed in Zephyr after the migration: {', '.join(changed)}")


BUILTIN_RULES = (
    Rule("counts", Severity.ERROR, CENSUS_TYPES, counts, Census, counts.__doc__),
    Rule("exactly-once", Severity.CRITICAL, CENSUS_TYPES, exactly_once, Census, exactly_once.__doc__),
    Rule("strays", Severity.WARNING, CENSUS_TYPES, strays, Census, strays.__doc__),
    Rule("trees", Severity.ERROR, {Entity.MODULE, Entity.CYCLE}, trees, Tree, trees.__doc__),
    Rule("test-case-fields", Severity.ERROR, {Entity.TEST_CASE}, test_case_fields, Comparison,
         test_case_fields.__doc__),
    Rule("test-case-steps", Severity.ERROR, {Entity.TEST_CASE}, test_case_steps, Comparison, test_case_steps.__doc__),
    Rule("test-runs", Severity.ERROR, {Entity.TEST_RUN}, test_runs, Comparison, test_runs.__doc__),
    Rule("test-logs", Severity.ERROR, {Entity.TEST_LOG}, test_logs, Comparison, test_logs.__doc__),
    Rule("attachment-checksums", Severity.ERROR, {Entity.FILE}, attachment_checksums, Comparison,
         attachment_checksums.__doc__),
    Rule("mapping-coverage", Severity.INFO, {Entity.TEST_CASE}, mapping_coverage, Comparison,
         mapping_coverage.__doc__),
    Rule("source-drift", Severity.WARNING, {Entity.TEST_CASE, Entity.TEST_CASE_FOLDER, Entity.TEST_CYCLE,
                                            Entity.EXECUTION}, source_drift, Drift, source_drift.__doc__),
)
