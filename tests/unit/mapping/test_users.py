"""The user mapping: accountIds to qTest user ids, by id or by login, never guessed."""

import pytest

from ztoq_luigi.mapping.users import UnknownUsers, resolve_users

QTEST_USERS = [
    {"id": 42, "username": "jane.roe@example.com", "email": "jane.roe@example.com", "first_name": "Jane"},
    {"id": 43, "username": "jdoe", "email": "John.Doe@Example.com", "first_name": "John"},
    {"id": 44, "username": "ana", "email": None},
]


@pytest.mark.parametrize("given, expected", [
    ("42", "42"), (43, "43"), ("jane.roe@example.com", "42"), ("JANE.ROE@example.COM", "42"), ("jdoe", "43"),
    ("john.doe@example.com", "43"), (" ana ", "44"),
])
def test_a_mapped_user_is_found_by_id_or_by_login(given, expected):
    assert resolve_users({"acc-1": given}, QTEST_USERS, {"acc-1"}) == {"acc-1": expected}


def test_every_user_qtest_does_not_have_is_named_at_once():
    with pytest.raises(UnknownUsers) as caught:
        resolve_users({"acc-1": "99", "acc-2": "jane.roe@example.com", "acc-3": "nobody"}, QTEST_USERS,
                      {"acc-1", "acc-2", "acc-3"})
    assert str(caught.value) == "'99' (for accountId acc-1), 'nobody' (for accountId acc-3)"


def test_an_empty_mapping_maps_nobody():
    assert resolve_users({}, QTEST_USERS, {"acc-1"}) == {}


def test_a_name_is_not_a_login():
    with pytest.raises(UnknownUsers):
        resolve_users({"acc-1": "Jane"}, QTEST_USERS, {"acc-1"})


def test_entries_for_accounts_the_project_does_not_hold_are_not_looked_up():
    mapping = {"acc-1": "jdoe", "acc-other-project": "someone.elsewhere@example.com"}
    assert resolve_users(mapping, QTEST_USERS, {"acc-1", "acc-unmapped"}) == {"acc-1": "43"}
