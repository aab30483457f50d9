"""Everything one simulated qTest project holds, and the only door tests use to reach it.

`QTestState` composes the site-level pieces (ids, users, field settings) with
the design and execution stores and the attachment store, and wires the
cascades between them (deleting a case deletes its runs, deleting a run its
logs and their attachments). The HTTP handlers and the read-back/tamper API
(qtest_readback) work on the same objects under the same lock, so a test
sees exactly what a client would.
"""

import random
import threading
from collections import defaultdict

from ztoq_luigi.sandbox.http import HttpError
from ztoq_luigi.sandbox.qtest.design import DesignStore
from ztoq_luigi.sandbox.qtest.execution import ExecutionStore
from ztoq_luigi.sandbox.qtest.fields import FieldCatalog
from ztoq_luigi.sandbox.qtest.ids import IdAllocator, stamp
from ztoq_luigi.sandbox.qtest.readback import StateReadBack
from ztoq_luigi.sandbox.qtest.records import Attachment, TextIndex
from ztoq_luigi.sandbox.qtest.stock import STOCK_USERS

ATTACHMENT_OBJECT_TYPES = ("releases", "builds", "requirements", "test-cases", "test-logs", "test-steps",
                           "test-step-logs", "defects")
CLOSED_RELEASE = "Closed"


class QTestState(StateReadBack):
    def __init__(self, project_id=12345, project_name="Zephyr Migration", username="api.user@example.com",
                 seed=None, run_status_policy="submitted", scan_on_upload=False):
        self.lock = threading.RLock()
        self.project_id = project_id
        self.project_name = project_name
        self.username = username
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2 ** 32)
        self.run_status_policy = run_status_policy
        self.scan_on_upload = scan_on_upload
        self.reset()

    def reset(self):
        """Back to a freshly provisioned project; the same seed gives the same field and user ids."""
        with self.lock:
            self.index = TextIndex()
            self.ids = IdAllocator(self.seed)
            self.users = {}
            for spec in STOCK_USERS:
                self._add_user(spec)
            self.api_user_id = self._add_user({"first_name": "API", "last_name": "User", "username": self.username})
            self.fields = FieldCatalog(self.ids, self.users)
            self.created = stamp()
            self.design = DesignStore(self.ids, self.index, self.api_user_id, self._case_deleted)
            self.execution = ExecutionStore(self.ids, self.index, self.api_user_id,
                                            lambda: self.fields.status_field().id, self.run_status_policy,
                                            self._logs_deleted)
            self.attachments = {}
            self._object_attachments = defaultdict(list)

    def _add_user(self, spec):
        user_id = self.ids.next_id("user")
        self.users[user_id] = dict(spec, id=user_id, email=spec["username"])
        return user_id

    def _case_deleted(self, case):
        self.execution.delete_runs_of_case(case.id)
        self._drop_attachments("test-cases", [case.id])
        self._drop_attachments("test-steps", [s.id for v in case.versions for s in v.steps])

    def _logs_deleted(self, log_ids):
        self._drop_attachments("test-logs", log_ids)

    def _drop_attachments(self, object_type, object_ids):
        for object_id in object_ids:
            for attachment_id in self._object_attachments.pop((object_type, object_id), []):
                del self.attachments[attachment_id]

    def release_closed(self, release):
        return self.fields.labelled("releases", release.properties).get("Status") == CLOSED_RELEASE

    def check_attachment_target(self, object_type, object_id):
        """Attachments hang off a fixed set of object types; runs and cycles are not among them."""
        if object_type not in ATTACHMENT_OBJECT_TYPES:
            raise HttpError(400, f"Invalid object type '{object_type}'. Valid values are: {', '.join(ATTACHMENT_OBJECT_TYPES)}")
        exists = {
            "test-cases": lambda: object_id in self.design.cases,
            "test-steps": lambda: self.design.step_version(object_id) is not None,
            "test-logs": lambda: object_id in self.execution.logs,
            "releases": lambda: object_id in self.execution.containers["release"],
            "test-step-logs": lambda: self.execution.step_log_exists(object_id),
        }.get(object_type, lambda: False)
        if not exists():
            raise HttpError(404, f"Object {object_type} with id {object_id} not found")

    def add_attachment(self, object_type, object_id, name, content_type, data):
        attachment = Attachment(self.ids.next_id("attachment"), object_type, object_id, name, content_type,
                                bytes(data), self.api_user_id, stamp(), scanned=self.scan_on_upload)
        self.attachments[attachment.id] = attachment
        self._object_attachments[(object_type, object_id)].append(attachment.id)
        return attachment

    def attachments_of(self, object_type, object_id):
        return [self.attachments[i] for i in self._object_attachments[(object_type, object_id)]]

    def attachment(self, object_type, object_id, attachment_id):
        found = self.attachments.get(attachment_id)
        if found is None or (found.object_type, found.object_id) != (object_type, object_id):
            raise HttpError(404, f"Attachment with id {attachment_id} not found")
        return found

    def delete_attachment(self, attachment):
        self._object_attachments[(attachment.object_type, attachment.object_id)].remove(attachment.id)
        del self.attachments[attachment.id]
