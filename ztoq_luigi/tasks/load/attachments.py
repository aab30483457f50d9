"""Load embedded files: each test case's files uploaded to it, then its texts pointed at them by one PUT.

A file can only be attached to an object that exists, so this runs after
the test cases are loaded. Every upload follows the exactly-once protocol
(services/writes.py): an entity-map row per owner, qTest object and file,
pending before the upload and created after; a pending row is resolved by
looking among the object's attachments for one with the same name and
checksum. The PUT that rewrites a case's texts makes qTest version 0.2; it
is recorded too, and a pending one is checked against qTest before it is
sent again. The same file embedded twice in one case is uploaded once; a
file embedded in two cases is uploaded to each, since qTest attachments
belong to one object.

`upload_files` is the same service for any attachable object: the load of
executions uses it for the files that test logs embed.
"""


from ztoq_luigi.clients.errors import NotFoundError, RequestRejectedError
from ztoq_luigi.db.attachments import owners_of_downloads
from ztoq_luigi.db.entities import mapped, mark_created, mark_pending, target_ids, transformed
from ztoq_luigi.kinds import LOADED, Entity, Phase
from ztoq_luigi.mapping.attachments import payload_files, rewrite_payload
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls
from ztoq_luigi.services.case_steps import forget_case, remember_case
from ztoq_luigi.services.fields import test_case_fields
from ztoq_luigi.services.adoption import survey_uploads
from ztoq_luigi.services.uploads import planned_uploads, upload_files, uploaded_links
from ztoq_luigi.services.writes import adopt, reconcile
from ztoq_luigi.tasks.base import BatchTask, Group
from ztoq_luigi.tasks.extract.attachments import ExtractEmbeddedFiles
from ztoq_luigi.tasks.load.design import LoadTestDesign
from ztoq_luigi.validation.compare import compare_test_case


class UploadEmbeddedFiles(BatchTask):
    """One batch of the test cases that embed fetched files: upload them, then rewrite the case's texts."""

    phase = Phase.LOAD

    def marker_name(self):
        return f"load/embedded-files/b{self.batch_size}/{self.batch_no}"

    def work(self, ctx):
        key, base = self.project_key, ctx.settings.zephyr_base_url
        owners = owners_of_downloads(key, Entity.TEST_CASE)[self.ordinals[0]:self.ordinals[1]]
        cases = mapped(key, Entity.TEST_CASE, owners)
        payloads = transformed(key, Entity.TEST_CASE, source_ids=owners)
        self._catalog = self._modules = None
        self._adopt(ctx, {case_key: row.target_id for case_key, row in cases.items()
                          if row.adopted and row.state in LOADED}, payloads)
        rewritten = mapped(key, Entity.CASE_TEXTS, owners)
        uploaded = failed = 0
        for case_key in self.tracked(owners, "test cases with files"):
            row, payload = cases.get(case_key), payloads[case_key]
            if row is None or row.state not in LOADED:
                failed += 1  # its own load error is recorded; a resume that loads it reopens this batch
                continue
            try:
                links = upload_files(ctx.qtest(), key, "test-cases", row.target_id, case_key,
                                     payload_files(payload, base))
                uploaded += len(links)
                new_payload = rewrite_payload(payload, links, base)
                if new_payload != payload:
                    self._rewrite(ctx, case_key, row.target_id, payload, new_payload, rewritten.get(case_key))
            except (MappingProblem, NotFoundError, RequestRejectedError) as problem:
                failed += 1
                self.error(f"embedded files not attached to the test case: {problem}", entity_type=Entity.TEST_CASE,
                           entity_key=case_key, http_status=getattr(problem, "status", None),
                           excerpt=getattr(problem, "excerpt", None))
        with self.atomic():
            self.mark_done(item_count=uploaded, failed_count=failed, entity_type=Entity.FILE, batch_no=self.batch_no)

    def _adopt(self, ctx, cases, payloads):
        """Adopt what an earlier run did for cases adopted from qTest: the files already attached to them, then
        the rewritten texts where qTest already shows them pointing at those files.

        Both are surveyed for the whole batch: one attachment listing, and
        one test-case listing per module of a case whose texts need checking.
        """
        key, qtest, base = self.project_key, ctx.qtest(), ctx.settings.zephyr_base_url
        if not cases:
            return
        planned = {case_id: planned_uploads(key, case_key, "test-cases", case_id, payload_files(payloads[case_key], base))
                   for case_key, case_id in cases.items()}
        known = mapped(key, Entity.FILE, [source_id for files in planned.values() for source_id, _, _ in files])
        planned = {case_id: [file for file in files if file[0] not in known] for case_id, files in planned.items()}
        adopt(key, Entity.FILE, "attachment", survey_uploads(qtest, "test-cases", {i: f for i, f in planned.items() if f}))
        done = mapped(key, Entity.CASE_TEXTS, cases)
        bodies = {}
        for case_key, case_id in cases.items():
            links = uploaded_links(qtest, key, case_key, "test-cases", case_id)
            new_payload = rewrite_payload(payloads[case_key], links, base)
            if case_key not in done and links and new_payload != payloads[case_key]:
                try:
                    bodies[case_key] = (case_id, self._body(ctx, new_payload))
                except MappingProblem:
                    continue  # the batch records it when it comes to the case
        listed = {str(case["id"]): case for module_id in {body["parent_id"] for _, body in bodies.values()}
                  for case in qtest.test_cases(module_id)}
        adopt(key, Entity.CASE_TEXTS, "test-case",
              {case_key: case_id for case_key, (case_id, body) in bodies.items()
               if str(case_id) in listed and not compare_test_case(body, listed[str(case_id)])})

    def _rewrite(self, ctx, case_key, case_id, payload, new_payload, existing):
        """PUT the case with its new texts once: pending is recorded first, and a pending PUT is checked first.

        The steps are sent only when their texts changed: a PUT with steps
        replaces them, and test runs refer to steps by id. A PUT whose
        answer is lost is simply sent again: it sets the same texts.
        """
        if existing is not None and existing.state in LOADED:
            return
        qtest, key = ctx.qtest(), self.project_key
        body = self._body(ctx, new_payload)
        step_count = len(body["test_steps"])
        forget_case(key, case_id)
        if existing is None:
            mark_pending(key, Entity.CASE_TEXTS, "test-case", [case_key])
        else:
            current = qtest.test_case(case_id)
            if not compare_test_case(body, current):
                remember_case(key, case_key, current, step_count)
                mark_created(key, Entity.CASE_TEXTS, case_key, case_id)
                return
        if new_payload["steps"] == payload["steps"]:
            body.pop("test_steps")
        remember_case(key, case_key, reconcile(lambda: qtest.update_test_case(case_id, body)), step_count)
        mark_created(key, Entity.CASE_TEXTS, case_key, case_id)

    def _body(self, ctx, payload):
        """The case's full qTest body, built exactly as the load built it (modules, calls, field ids)."""
        key = self.project_key
        if self._catalog is None:
            self._catalog = test_case_fields(ctx.reference, ctx.rules)
            self._modules = target_ids(key, Entity.MODULE)
        called = {step["called"] for step in payload["steps"] if step.get("called")}
        callee_ids = target_ids(key, Entity.TEST_CASE, called)
        payload, _ = unlink_calls(payload, callee_ids)
        module_id = self._modules.get(payload["module"])
        if module_id is None:
            raise MappingProblem(f"its module (Zephyr folder {payload['module']}) is not in qTest")
        return create_case_body(payload, self._catalog, module_id, callee_ids)


class LoadEmbeddedFiles(Group):
    """The embedded files of every loaded test case, attached to it, and its texts rewritten to match."""

    phase = Phase.LOAD
    area = "embedded-files"

    def requires(self):
        return [self.clone(LoadTestDesign), self.clone(ExtractEmbeddedFiles)]

    def then(self):
        return self.cut(UploadEmbeddedFiles, "load/embedded-files",
                        len(owners_of_downloads(self.project_key, Entity.TEST_CASE)))
