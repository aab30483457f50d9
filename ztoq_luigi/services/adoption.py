"""Surveying qTest in bulk for what an earlier load created that the state database does not know.

A state database can be lost, cleaned, or be another one (another output
directory, cron started elsewhere) while qTest keeps everything the earlier
runs created. Before the load creates anything, each area is surveyed with
listings and Data Queries read in pages, never one request per object; what
is found is adopted (services/writes.py `adopt`) instead of created again.
The surveys cost little when qTest holds nothing of ours: the module tree,
the releases and the cycle tree are one listing each, and test cases, runs
and logs are only looked for where those listings show that qTest holds
content this state database did not create.
"""

from ztoq_luigi.clients.qtest import property_value
from ztoq_luigi.db.entities import adopted_ids, mapped, mapped_ids, transformed, transformed_ids
from ztoq_luigi.db.executions import transformed_in
from ztoq_luigi.kinds import LOADED, Entity
from ztoq_luigi.mapping.attachments import log_files, rewrite_log
from ztoq_luigi.mapping.executions import run_cycle
from ztoq_luigi.mapping.identity import container_score, flat_matches, keyed_matches, log_matches, module_score, \
    tree_matches
from ztoq_luigi.services.readback import LOG_QUERY
from ztoq_luigi.services.uploads import attachment_checksum, planned_uploads, uploaded_links
from ztoq_luigi.services.writes import adopt
from ztoq_luigi.validation.compare import same_log_texts

CHUNK = 100  # objects whose attachments one request lists


def find_test_design(qtest, project_key, key_field):
    """{MODULE: found, TEST_CASE: found}, found being {source_id: qTest id} of what qTest holds that this state
    database does not know.

    Reads only: the survey task adopts what it returns, `plan` counts it.
    """
    rows = mapped(project_key, Entity.MODULE)
    modules, clean = survey_modules(qtest, list(transformed(project_key, Entity.MODULE).values()), _known(rows),
                                    _own(rows))
    cases = {}
    if not clean:
        unknown = transformed_ids(project_key, Entity.TEST_CASE) - mapped_ids(project_key, Entity.TEST_CASE)
        cases = survey_test_cases(qtest, key_field, unknown)
    return {Entity.MODULE: {source_id: target for source_id, target in modules.items() if source_id not in rows},
            Entity.TEST_CASE: cases}


def find_test_execution(qtest, project_key, key_field):
    """{RELEASE, CYCLE, TEST_RUN, TEST_LOG: found}, as find_test_design: releases and the cycle tree, then the
    runs of each adopted cycle (known adopted or found now), then the logs of adopted runs.

    A cycle this state created held no run it does not know, and a run it
    created no such log, so a project qTest held nothing of is surveyed
    with two listings.
    """
    release_rows, cycle_rows = mapped(project_key, Entity.RELEASE), mapped(project_key, Entity.CYCLE)
    releases = survey_releases(qtest, list(transformed_in(project_key, Entity.RELEASE).values()), _known(release_rows))
    cycles = survey_cycles(qtest, list(transformed_in(project_key, Entity.CYCLE).values()), _known(cycle_rows))
    releases = {source_id: target for source_id, target in releases.items() if source_id not in release_rows}
    cycles = {source_id: target for source_id, target in cycles.items() if source_id not in cycle_rows}
    adopted_cycles = dict(adopted_ids(project_key, Entity.CYCLE), **cycles)
    unknown = {}
    for run in transformed_ids(project_key, Entity.TEST_RUN) - mapped_ids(project_key, Entity.TEST_RUN):
        if run_cycle(run) in adopted_cycles:
            unknown.setdefault(adopted_cycles[run_cycle(run)], set()).add(run)
    runs = survey_test_runs(qtest, key_field, unknown)
    logs = survey_logs(qtest, _unknown_logs(project_key, runs))
    return {Entity.RELEASE: releases, Entity.CYCLE: cycles, Entity.TEST_RUN: runs, Entity.TEST_LOG: logs}


def _known(rows):
    """{source_id: qTest id} of rows whose object is known to exist."""
    return {source_id: row.target_id for source_id, row in rows.items() if row.state in LOADED}


def _own(rows):
    """The qTest ids of the objects this state database created itself."""
    return {row.target_id for row in rows.values() if row.state in LOADED and not row.adopted}


def _unknown_logs(project_key, runs):
    """{execution key: qTest run id} of the logs without a row whose run is adopted (known adopted or in `runs`)."""
    adopted = dict(adopted_ids(project_key, Entity.TEST_RUN), **runs)
    if not adopted:
        return {}
    executions = {log["execution"]: adopted[run_key]
                  for run_key, payload in transformed(project_key, Entity.TEST_RUN, source_ids=adopted).items()
                  for log in payload["logs"]}
    known = mapped(project_key, Entity.TEST_LOG, executions)
    return {execution: run_id for execution, run_id in executions.items() if execution not in known}


def tree_ids(roots, children_key):
    """The ids of every node of a listed tree, as strings."""
    ids, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        ids.add(str(node["id"]))
        stack.extend(node.get(children_key) or [])
    return ids


def survey_modules(qtest, plan, known, own):
    """({source_id: qTest id} of planned modules qTest holds that `known` lacks, whether qTest holds only `own`).

    `own` are the ids of the modules this state database created itself:
    when the tree holds nothing else, no test case this state does not
    know can be in qTest, since every qTest test case lies in a module.
    """
    tree = qtest.module_tree()
    return tree_matches(plan, tree, "children", known, module_score), tree_ids(tree, "children") <= set(own)


def survey_test_cases(qtest, key_field, keys):
    """{case key: qTest id} of the given cases qTest holds, from the project's test-case listing in pages.

    A listing rather than a Data Query: the search index may lag behind
    cases created just before the state was lost (a crash, then a rerun),
    and a listing costs no more than one query per hundred keys would.
    """
    if not keys:
        return {}
    return keyed_matches(qtest.test_cases(steps=False), lambda item: property_value(item, key_field), set(keys))


def survey_test_runs(qtest, key_field, cycles):
    """{run key: qTest id} of the runs qTest holds in their cycles; `cycles`: {qTest cycle id: run keys wanted}.

    One listing of each cycle in pages: a run only ever lies in the cycle
    its key names.
    """
    found = {}
    for cycle_id, keys in cycles.items():
        found.update(keyed_matches(qtest.test_runs(int(cycle_id)), lambda run: property_value(run, key_field),
                                   set(keys)))
    return found


def survey_releases(qtest, plan, known):
    """{source_id: qTest id} of planned releases qTest holds (closed ones too) that `known` lacks."""
    return flat_matches(plan, qtest.releases(), known, container_score)


def survey_cycles(qtest, plan, known):
    """{source_id: qTest id} of planned test cycles qTest holds at their place that `known` lacks."""
    return tree_matches(plan, qtest.test_cycle_tree(), "test-cycles", known, container_score)


def survey_logs(qtest, runs):
    """{execution key: qTest log id} of the logs of `runs` ({execution key: its run's qTest id}) qTest holds.

    One Data Query of every log, in pages, finds them in bulk; a run some
    of whose logs it did not show is then listed itself, since the search
    index can lag behind a create (the logs sent just before a crash) and a
    run's own listing cannot. After a whole migration every log is found
    in bulk, and only runs whose logs were never all created are listed.
    """
    if not runs:
        return {}
    found = log_matches(qtest.search("test-logs", LOG_QUERY), runs)
    missing = {}
    for execution, run_id in runs.items():
        if execution not in found:
            missing.setdefault(str(run_id), {})[execution] = run_id
    for run_id, wanted in sorted(missing.items(), key=lambda item: int(item[0])):
        found.update(log_matches(qtest.test_logs(int(run_id)), wanted))
    return found


def survey_uploads(qtest, object_type, planned):
    """{upload source id: attachment id} of planned files already attached to their object.

    `planned`: {qTest object id: [(source id, file name, sha256)]}. The
    attachments of all the objects are listed together, CHUNK objects
    a request; a file is its object's attachment of the same name, and only
    when several share the name are their bytes read to tell them apart.
    """
    ids, listed = sorted(planned, key=int), {}
    for start in range(0, len(ids), CHUNK):
        for attachment in qtest.attachments_of(object_type, ids[start:start + CHUNK]):
            listed.setdefault(str(attachment["artifact_id"]), []).append(attachment)
    found = {}
    for object_id, files in planned.items():
        found.update(_attached(files, listed.get(str(object_id), []),
                               lambda attachment_id: attachment_checksum(qtest, object_type, object_id, attachment_id)))
    return found


def _attached(files, attachments, checksum):
    found, taken = {}, set()
    for source_id, name, sha256 in files:
        candidates = [item for item in attachments if item["name"] == name and str(item["id"]) not in taken]
        if len(candidates) > 1:
            candidates = [item for item in candidates if checksum(item["id"]) == sha256]
        if candidates:
            chosen = str(min(candidates, key=lambda item: int(item["id"]))["id"])
            found[source_id] = chosen
            taken.add(chosen)
    return found


def adopt_log_files(qtest, project_key, runs, zephyr_base_url):
    """For the logs of `runs` ({run key: payload}) adopted from qTest: adopt the files already attached to
    them, then their rewritten texts where qTest already shows them pointing at those files.

    One attachment listing for the logs, and one log listing per run whose
    texts need checking; logs this state created are left to the load.
    """
    owners = {log["execution"]: (run_key, log) for run_key, payload in runs.items() for log in payload["logs"]
              if log_files(log, zephyr_base_url)}
    logs = {execution: row.target_id for execution, row in mapped(project_key, Entity.TEST_LOG, owners).items()
            if row.adopted and row.state in LOADED}
    if not logs:
        return
    planned = {log_id: planned_uploads(project_key, execution, "test-logs", log_id,
                                       log_files(owners[execution][1], zephyr_base_url))
               for execution, log_id in logs.items()}
    known = mapped(project_key, Entity.FILE, [source for files in planned.values() for source, _, _ in files])
    planned = {log_id: [file for file in files if file[0] not in known] for log_id, files in planned.items()}
    adopt(project_key, Entity.FILE, "attachment", survey_uploads(qtest, "test-logs", {i: f for i, f in planned.items()
                                                                                       if f}))
    done = mapped(project_key, Entity.LOG_TEXTS, logs)
    texts = {}
    for execution, log_id in logs.items():
        links = uploaded_links(qtest, project_key, execution, "test-logs", log_id)
        if execution not in done and links:
            texts[execution] = (log_id, rewrite_log(owners[execution][1], links, zephyr_base_url))
    run_ids = {row.target_id for row in mapped(project_key, Entity.TEST_RUN,
                                               {owners[execution][0] for execution in texts}).values()}
    listed = {str(log["id"]): log for run_id in run_ids for log in qtest.test_logs(int(run_id))}
    adopt(project_key, Entity.LOG_TEXTS, "test-log",
          {execution: log_id for execution, (log_id, log) in texts.items()
           if str(log_id) in listed and same_log_texts(log, listed[str(log_id)])})
