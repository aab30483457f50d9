"""The state database's tables, the same on SQLite and PostgreSQL.

Every row carries the Zephyr project key, so one database can hold several
migrations side by side and `cleanup` can remove one without touching the
others. Payloads are JSON text rather than a native JSON type because the
two backends disagree on one, and the pipeline only ever reads them whole.
"""

import datetime

import peewee

from ztoq_luigi.kinds import MarkerKind, WriteState

database_proxy = peewee.DatabaseProxy()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = peewee.IntegerField(primary_key=True)
    description = peewee.TextField()
    applied_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ztoq_schema_version"


class WorkflowRun(BaseModel):
    project_key = peewee.CharField(max_length=64, index=True)
    command = peewee.CharField(max_length=32)
    phases = peewee.TextField()
    status = peewee.CharField(max_length=16, default="running")
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)
    settings = peewee.TextField(default="{}")
    message = peewee.TextField(null=True)

    class Meta:
        table_name = "ztoq_workflow_run"


class ExtractedEntity(BaseModel):
    """A Zephyr payload exactly as received. `ordinal` is its position in the listing.

    Batches are ordinal ranges, fixed once the listing is complete, so a
    batch means the same entities in every later run and resume.
    """

    project_key = peewee.CharField(max_length=64)
    entity_type = peewee.CharField(max_length=32)
    source_id = peewee.CharField(max_length=255)
    ordinal = peewee.IntegerField(null=True)
    payload = peewee.TextField()
    content_hash = peewee.CharField(max_length=64)
    extracted_at = peewee.DateTimeField(default=utcnow)
    seen_round = peewee.IntegerField(default=1)

    class Meta:
        table_name = "ztoq_extracted_entity"
        indexes = (
            (("project_key", "entity_type", "source_id"), True),
            (("project_key", "entity_type", "ordinal"), False),
        )


class TransformedEntity(BaseModel):
    """A qTest payload ready to load, with what must be loaded before it.

    `depends_on` lists the source ids it references (called test cases);
    `level` and `position` place it in the load order: everything at level
    N references only entities of lower levels.
    """

    project_key = peewee.CharField(max_length=64)
    entity_type = peewee.CharField(max_length=32)
    source_id = peewee.CharField(max_length=255)
    ordinal = peewee.IntegerField(null=True)
    payload = peewee.TextField()
    source_hash = peewee.CharField(max_length=64)
    depends_on = peewee.TextField(default="")
    level = peewee.IntegerField(null=True)
    position = peewee.IntegerField(null=True)
    transformed_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ztoq_transformed_entity"
        indexes = (
            (("project_key", "entity_type", "source_id"), True),
            (("project_key", "entity_type", "level", "position"), False),
        )


class EntityMap(BaseModel):
    """Which qTest object each Zephyr object became, and how sure we are that it exists.

    A write is recorded as `pending` before it is sent, `created` once qTest
    answered with an id, `confirmed` once validation read it back. A pending
    row after a crash means: look the object up in qTest before creating it.
    `adopted` marks an object the load found in qTest instead of creating it
    (left there by a lost, cleaned or other state database); it stays when
    the row is confirmed, so status and the report can say how much was adopted.

    `content_hash` is the hash of the payload qTest holds, so a sync round
    sends only what changed; `pending_hash` is an update sent but not yet
    known to be applied (compare qTest before sending it again). The rounds
    say when the object was created, last updated, found deleted in Zephyr.
    """

    project_key = peewee.CharField(max_length=64)
    source_type = peewee.CharField(max_length=32)
    source_id = peewee.CharField(max_length=255)
    target_type = peewee.CharField(max_length=32)
    target_id = peewee.CharField(max_length=64, null=True)
    state = peewee.CharField(max_length=16, default=WriteState.PENDING.value)
    adopted = peewee.BooleanField(default=False)
    updated_at = peewee.DateTimeField(default=utcnow)
    content_hash = peewee.CharField(max_length=64, null=True)
    pending_hash = peewee.CharField(max_length=64, null=True)
    created_round = peewee.IntegerField(default=1)
    updated_round = peewee.IntegerField(null=True)
    gone_round = peewee.IntegerField(null=True)

    class Meta:
        table_name = "ztoq_entity_map"
        indexes = (
            (("project_key", "source_type", "source_id"), True),
            (("project_key", "state"), False),
            (("project_key", "source_type", "state"), False),
            (("project_key", "adopted", "source_type"), False),
        )


BYTE_ORDER = '"C"'  # PostgreSQL's collation that orders text by its bytes, as SQLite does by default


def source_id_in_byte_order():
    """EntityMap.source_id compared in byte order on both backends, where a prefix's rows form one range.

    Under PostgreSQL's other collations they need not: ICU sorts 'AB}'
    before 'AB|a'. Schema step 11 indexes the column in that order there.
    """
    if isinstance(database_proxy.obj, peewee.PostgresqlDatabase):
        return EntityMap.source_id.collate(BYTE_ORDER)
    return EntityMap.source_id


class Marker(BaseModel):
    """A Luigi target: the row exists only once the batch or phase it names is durably done.

    `name` is the task's identity and nothing is read out of it: what kind
    of task finished is `kind`, and `retryable` says whether a rerun should
    do it again when some of its entities failed. Every sync round runs the
    pipeline again under its own `sync_round`, so a round's markers never
    make a task of the next one look done.
    """

    project_key = peewee.CharField(max_length=64)
    name = peewee.CharField(max_length=255)
    phase = peewee.CharField(max_length=16)
    kind = peewee.CharField(max_length=8, default=MarkerKind.STEP.value)
    retryable = peewee.BooleanField(default=False)
    entity_type = peewee.CharField(max_length=32, null=True)
    batch_no = peewee.IntegerField(null=True)
    item_count = peewee.IntegerField(default=0)
    failed_count = peewee.IntegerField(default=0)
    run = peewee.ForeignKeyField(WorkflowRun, null=True, on_delete="SET NULL", backref="markers")
    started_at = peewee.DateTimeField(null=True)
    completed_at = peewee.DateTimeField(default=utcnow)
    done_by = peewee.CharField(max_length=255, null=True)
    sync_round = peewee.IntegerField(default=1)

    class Meta:
        table_name = "ztoq_marker"
        indexes = ((("project_key", "sync_round", "name"), True),)


class SyncRound(BaseModel):
    """One pass of the pipeline over Zephyr: the migration is round 1, every `run` after a finished one the next.

    `tallies` (JSON) holds what the round did per entity type (created,
    updated, unchanged, deleted in Zephyr, deleted in qTest), frozen when
    its load finished; an open round is counted live from the entity map.
    """

    project_key = peewee.CharField(max_length=64)
    number = peewee.IntegerField()
    started_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)
    tallies = peewee.TextField(null=True)

    class Meta:
        table_name = "ztoq_sync_round"
        indexes = ((("project_key", "number"), True),)


class BatchLayout(BaseModel):
    """How one scope of work (a phase's entities, a load level) was cut into batches, the first time.

    Kept so that a resume with another --max-workers finds the same
    batches done instead of redoing them.
    """

    project_key = peewee.CharField(max_length=64)
    scope = peewee.CharField(max_length=128)
    requested_size = peewee.IntegerField()
    size = peewee.IntegerField()

    class Meta:
        table_name = "ztoq_batch_layout"
        indexes = ((("project_key", "scope", "requested_size"), True),)


class Event(BaseModel):
    """Something a task did or noticed; a warning's kind, subject and entity are columns so reports count them in SQL."""

    project_key = peewee.CharField(max_length=64)
    run = peewee.ForeignKeyField(WorkflowRun, null=True, on_delete="CASCADE", backref="events")
    time = peewee.DateTimeField(default=utcnow)
    phase = peewee.CharField(max_length=16, null=True)
    batch_no = peewee.IntegerField(null=True)
    level = peewee.CharField(max_length=8, default="INFO")
    message = peewee.TextField()
    context = peewee.TextField(default="{}")
    kind = peewee.CharField(max_length=48, null=True)
    subject = peewee.CharField(max_length=255, null=True)
    entity_key = peewee.CharField(max_length=255, null=True)

    class Meta:
        table_name = "ztoq_event"
        indexes = ((("project_key", "time"), False), (("project_key", "level", "kind", "subject"), False))


class ErrorRecord(BaseModel):
    project_key = peewee.CharField(max_length=64)
    run = peewee.ForeignKeyField(WorkflowRun, null=True, on_delete="CASCADE", backref="errors")
    time = peewee.DateTimeField(default=utcnow)
    phase = peewee.CharField(max_length=16)
    entity_type = peewee.CharField(max_length=32, null=True)
    entity_key = peewee.CharField(max_length=255, null=True)
    attempt = peewee.IntegerField(default=1)
    http_status = peewee.IntegerField(null=True)
    message = peewee.TextField()
    response_excerpt = peewee.TextField(null=True)
    fatal_status = peewee.IntegerField(null=True)

    class Meta:
        table_name = "ztoq_error"
        indexes = ((("project_key", "phase"), False),)


class ValidationIssue(BaseModel):
    """A finding of a validation rule; `found_by` names the task that found it, which replaces it when rerun."""

    project_key = peewee.CharField(max_length=64)
    run = peewee.ForeignKeyField(WorkflowRun, null=True, on_delete="CASCADE", backref="validation_issues")
    rule = peewee.CharField(max_length=64)
    severity = peewee.CharField(max_length=16)
    entity_type = peewee.CharField(max_length=32, null=True)
    entity_key = peewee.CharField(max_length=255, null=True)
    expected = peewee.TextField(null=True)
    actual = peewee.TextField(null=True)
    message = peewee.TextField()
    found_by = peewee.CharField(max_length=255, null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ztoq_validation_issue"
        indexes = ((("project_key", "severity"), False),)


class ReadBack(BaseModel):
    """One object as validation read it in bulk (kinds.Snapshot), kept until the next validation starts.

    The batches of the validate phase read qTest page by page into this
    table and the comparisons read it back by Zephyr key, so a resumed
    validation does not read again what it already has.
    """

    project_key = peewee.CharField(max_length=64)
    kind = peewee.CharField(max_length=32)
    object_id = peewee.CharField(max_length=64)
    key = peewee.CharField(max_length=255, null=True)
    payload = peewee.TextField()

    class Meta:
        table_name = "ztoq_read_back"
        indexes = (
            (("project_key", "kind", "object_id"), True),
            (("project_key", "kind", "key"), False),
        )


class RunLock(BaseModel):
    """Who is running a project's migration against this database now, and when it last said so.

    A row per project being run; `token` is the holder's own random id, so
    only the holder refreshes its heartbeat or lets go, and a takeover of an
    expired lock is a compare-and-swap on the heartbeat it saw.
    """

    project_key = peewee.CharField(max_length=64, primary_key=True)
    token = peewee.CharField(max_length=32)
    host = peewee.CharField(max_length=255)
    pid = peewee.IntegerField()
    command = peewee.CharField(max_length=32)
    acquired_at = peewee.DateTimeField(default=utcnow)
    heartbeat_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ztoq_run_lock"


class RunHost(BaseModel):
    """A process working on a project's run, and when it last said so: the hosts that share a run.

    Every process that holds or joins the run lock has a row under the
    lock's token; the lock stays held while one of them lives, and each
    host takes its share of the configured request rates from how many
    rows are live. `migration` and `scheduler` say what a host works on
    and through which luigid, so that a host with other settings cannot join.
    """

    token = peewee.CharField(max_length=32, primary_key=True)
    project_key = peewee.CharField(max_length=64)
    lock_token = peewee.CharField(max_length=32)
    host = peewee.CharField(max_length=255)
    pid = peewee.IntegerField()
    migration = peewee.CharField(max_length=255)
    scheduler = peewee.CharField(max_length=255, default="")
    run_id = peewee.IntegerField(null=True)
    joined_at = peewee.DateTimeField(default=utcnow)
    heartbeat_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "ztoq_run_host"
        indexes = ((("project_key", "lock_token"), False),)


PROJECT_TABLES = (
    SyncRound, ReadBack, Event, ErrorRecord, ValidationIssue, BatchLayout, Marker, EntityMap, TransformedEntity, ExtractedEntity, WorkflowRun,
)
ALL_MODELS = (SchemaVersion,) + tuple(reversed(PROJECT_TABLES)) + (RunLock, RunHost)
