"""services/writes.py: a write whose answer is lost is settled against qTest before it is sent again, and an
update is recorded as pending before it is sent."""

import pytest

from ztoq_luigi.clients.errors import AmbiguousWriteError
from ztoq_luigi.kinds import WriteOutcome
from ztoq_luigi.services import writes
from ztoq_luigi.services.writes import WRITE_ATTEMPTS, reconcile, update_once


def lost(times, result="done"):
    calls = []

    def send():
        calls.append(1)
        if len(calls) <= times:
            raise AmbiguousWriteError("502 to a write", status=502)
        return result

    return send, calls


def test_a_write_found_applied_is_not_sent_again():
    send, calls = lost(1)
    assert reconcile(send, settle=lambda: "found") == "found"
    assert len(calls) == 1


def test_a_write_not_found_is_sent_again_until_it_is_answered():
    send, calls = lost(2)
    settled = []
    assert reconcile(send, settle=lambda: settled.append(1)) == "done"
    assert (len(calls), len(settled)) == (3, 2)


def test_an_idempotent_write_is_simply_sent_again():
    send, calls = lost(1)
    assert reconcile(send) == "done" and len(calls) == 2


def test_it_gives_up_after_the_attempts_with_the_last_error():
    send, calls = lost(WRITE_ATTEMPTS)
    with pytest.raises(AmbiguousWriteError):
        reconcile(send, settle=lambda: None)
    assert len(calls) == WRITE_ATTEMPTS


class Row:
    """An entity-map row as update_once sees it."""

    def __init__(self, content_hash, pending_hash=None):
        self.source_id, self.content_hash, self.pending_hash = "PROJ-T1", content_hash, pending_hash


@pytest.fixture
def recorded(monkeypatch):
    """What update_once records, in order, instead of the database."""
    log = []
    monkeypatch.setattr(writes, "mark_update_pending", lambda key, kind, source_id, new: log.append(("pending", new)))
    monkeypatch.setattr(writes, "mark_updated", lambda key, kind, source_id, new, number: log.append(("done", new)))
    monkeypatch.setattr(writes, "set_content_hash", lambda key, kind, source_id, new: log.append(("known", new)))
    return log


def test_an_unchanged_object_is_not_updated(recorded):
    sent = []
    assert update_once("PROJ", "testcase", Row("h1"), "h1", 2, lambda: sent.append(1), lambda: False) is False
    assert sent == [] and recorded == []


def test_an_update_is_recorded_as_pending_before_it_is_sent(recorded):
    sent = []
    assert update_once("PROJ", "testcase", Row("h1"), "h2", 2, lambda: sent.append(recorded[:]), lambda: False)
    assert sent == [[("pending", "h2")]], "the intent is durable before the request"
    assert recorded == [("pending", "h2"), ("done", "h2")]


def test_a_lost_answer_is_compared_with_qtest_and_not_sent_twice(recorded):
    send, calls = lost(1)
    assert update_once("PROJ", "testcase", Row("h1"), "h2", 2, send, lambda: True)
    assert len(calls) == 1, "qTest holds the new content: a second PUT would make a second version"
    assert recorded[-1] == ("done", "h2")


def test_a_pending_update_found_after_a_crash_is_checked_before_anything_is_sent(recorded):
    sent = []
    assert update_once("PROJ", "testcase", Row("h1", pending_hash="h2"), "h2", 2, lambda: sent.append(1),
                       lambda: True)
    assert sent == [] and recorded == [("done", "h2")]
    assert update_once("PROJ", "testcase", Row("h1", pending_hash="h2"), "h2", 2, lambda: sent.append(1),
                       lambda: False)
    assert sent == [1], "not applied before the crash: sent now"


def test_an_object_whose_content_is_unknown_is_compared_first_and_not_sent_when_qtest_holds_it(recorded):
    sent = []
    assert update_once("PROJ", "testcase", Row(None), "h2", 2, lambda: sent.append(1), lambda: True) is False
    assert sent == [] and recorded == [("known", "h2")], "an adopted object that already matches: no new version"
    assert update_once("PROJ", "testcase", Row(None), "h2", 2, lambda: sent.append(1), lambda: False) is True
    assert sent == [1]


def test_an_update_that_found_qtest_holding_the_content_is_recorded_but_not_counted(recorded):
    assert update_once("PROJ", "cycle", Row("h1"), "h2", 2, lambda: WriteOutcome.HELD, lambda: False) is False
    assert recorded == [("pending", "h2"), ("known", "h2")], "the new hash is what qTest holds, not an update"
    assert update_once("PROJ", "cycle", Row("h1"), "h2", 2, lambda: "held", lambda: False) is True, \
        "an answer of qTest's is never taken for the outcome"
