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
from ztoq_luigi.db.attachments import owners_of_downloads, transformed_by_key
from ztoq_luigi.db.entities import mapped, mark_created, mark_pending
from ztoq_luigi.kinds import LOADED, Entity, Phase
from ztoq_luigi.mapping.attachments import payload_files, rewrite_payload
from ztoq_luigi.mapping.qtest_body import MappingProblem, create_case_body, unlink_calls
from ztoq_luigi.services.fields import test_case_fields
from ztoq_luigi.services.uploads import upload_files
from ztoq_luigi.services.writes import reconcile
from ztoq_luigi.tasks.base import BatchTask, Group
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
        payloads = transformed_by_key(key, Entity.TEST_CASE, owners)
        rewritten = mapped(key, Entity.CASE_TEXTS, owners)
        self._catalog = self._modules = None
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

    def _rewrite(self, ctx, case_key, case_id, payload, new_payload, existing):
        """PUT the case with its new texts once: pending is recorded first, and a pending PUT is checked first.

        The steps are sent only when their texts changed: a PUT with steps
        replaces them, and test runs refer to steps by id. A PUT whose
        answer is lost is simply sent again: it sets the same texts.
        """
        if existing is not None and existing.state in LOADED:
            return
        qtest = ctx.qtest()
        body = self._body(ctx, new_payload)
        if existing is None:
            mark_pending(self.project_key, Entity.CASE_TEXTS, "test-case", [case_key])
        elif not compare_test_case(body, qtest.test_case(case_id)):
            mark_created(self.project_key, Entity.CASE_TEXTS, case_key, case_id)
            return
        if new_payload["steps"] == payload["steps"]:
            body.pop("test_steps")
        reconcile(lambda: qtest.update_test_case(case_id, body))
        mark_created(self.project_key, Entity.CASE_TEXTS, case_key, case_id)

    def _body(self, ctx, payload):
        """The case's full qTest body, built exactly as the load built it (modules, calls, field ids)."""
        key, qtest = self.project_key, ctx.qtest()
        if self._catalog is None:
            self._catalog = test_case_fields(qtest, ctx.rules)
            self._modules = {sid: row.target_id for sid, row in mapped(key, Entity.MODULE).items() if row.target_id}
        called = {step["called"] for step in payload["steps"] if step.get("called")}
        callee_ids = {sid: row.target_id for sid, row in mapped(key, Entity.TEST_CASE, called).items() if row.target_id}
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
        return self.clone(LoadTestDesign)

    def then(self):
        return self.cut(UploadEmbeddedFiles, "load/embedded-files",
                        len(owners_of_downloads(self.project_key, Entity.TEST_CASE)))
