"""services/writes.py: a write whose answer is lost is settled against qTest before it is sent again."""

import pytest

from ztoq_luigi.clients.errors import AmbiguousWriteError
from ztoq_luigi.services.writes import WRITE_ATTEMPTS, reconcile


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
