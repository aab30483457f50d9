"""The task bases: batches laid out once for good, groups that yield their steps and then their batches."""

import luigi

from ztoq_luigi.db.models import Marker
from ztoq_luigi.kinds import MarkerKind, Phase
from ztoq_luigi.tasks.base import BatchTask, Group, PipelineTask, layout
from tests.unit.tasks.conftest import KEY


def test_a_small_scope_is_cut_so_every_thread_has_a_batch_and_the_cut_is_kept(database):
    assert layout(KEY, "load/0", 10, 50, workers=4) == (3, 4)
    assert layout(KEY, "load/0", 10, 50, workers=8) == (3, 4)
    assert layout(KEY, "load/1", 500, 50, workers=4) == (50, 10)
    assert layout(KEY, "load/2", 0, 50, workers=4) == (50, 0)


class Listing(PipelineTask):
    phase = Phase.EXTRACT

    def marker_name(self):
        return "extract/listing"


class Page(BatchTask):
    phase = Phase.EXTRACT

    def marker_name(self):
        return f"extract/page/{self.batch_no}"


class Pages(Group):
    phase = Phase.EXTRACT
    area = "pages"
    total = 7

    def first(self):
        return [self.clone(Listing)]

    def then(self):
        return self.cut(Page, "pages", self.total)

    def last(self):
        return [self.clone(Tally)]


class Tally(PipelineTask):
    phase = Phase.EXTRACT

    def marker_name(self):
        return "extract/tally"


def test_a_group_yields_its_steps_then_its_batches_then_what_comes_last_then_marks_itself_done(ctx):
    group = Pages(project_key=KEY, migration="m1", batch_size=5)
    work = group.work(ctx)
    assert next(work) == [Listing(project_key=KEY, migration="m1")]
    batches = next(work)
    assert [(page.batch_size, page.batch_no, page.migration) for page in batches] == [(2, n, "m1") for n in range(4)]
    assert next(work) == [Tally(project_key=KEY, migration="m1")]
    assert not Marker.select().where(Marker.name == "group/extract/pages").exists()
    for _ in work:
        pass
    marker = Marker.get(Marker.name == "group/extract/pages")
    assert (marker.kind, marker.phase) == (MarkerKind.GROUP, "extract")


def test_tasks_of_two_migrations_have_different_ids_in_one_namespace():
    first, second = (Page(project_key=KEY, migration=m, batch_size=5, batch_no=0) for m in ("m1", "m2"))
    assert first.task_id != second.task_id
    assert first.get_task_family() == "ztoq.Page"
    assert isinstance(first, luigi.Task)
