from ztoq_luigi.kinds import Notice, WarningKind
"""Atlassian accountIds to qTest user ids, through the user mapping and nothing else.

Zephyr exposes only accountIds, which mean nothing to qTest; the mapping
file names the qTest user for each (by numeric id or by login). A login is
looked up among the target's users, and an accountId the mapping leaves out
is never guessed: the value stays empty and the case says so.
"""


class UnknownUsers(ValueError):
    """The mapping names qTest users that the target project does not have."""


def resolve_users(mapping, qtest_users, used):
    """{accountId: qTest user id as a string} for the entries of the mapping (`rules.users`) in use.

    `qtest_users` are the target's users (`id`, `username`, `email`); `used`
    the accountIds the project's cases hold, so that one mapping file can
    serve several projects. An entry is a numeric id or a login (username or
    e-mail, case-insensitive); raises UnknownUsers naming every used entry
    that matches no user.
    """
    ids = {str(user["id"]) for user in qtest_users if user.get("id") is not None}
    logins = {}
    for user in qtest_users:
        for login in (user.get("username"), user.get("email")):
            if login and user.get("id") is not None:
                logins.setdefault(login.casefold(), str(user["id"]))
    directory, unknown = {}, []
    for account_id, given in mapping.items():
        if account_id not in used:
            continue
        given = str(given).strip()
        found = given if given in ids else logins.get(given.casefold())
        if found is None:
            unknown.append(f"'{given}' (for accountId {account_id})")
        else:
            directory[account_id] = found
    if unknown:
        raise UnknownUsers(", ".join(unknown))
    return directory


def unmapped_warning(case_key, account_id, where):
    return Notice(WarningKind.UNMAPPED_USER, f"{case_key}: user {account_id} ({where}) is not in the user mapping; "
                                             "left empty", subject=account_id)
