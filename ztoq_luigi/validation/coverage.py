"""Which values of a Zephyr test case no mapping entry covered, and what they fell back to (pure).

The mapping passes an unmapped priority or status name through as it is and
leaves an unmapped owner empty: legitimate, but chosen by no one. The rule
mapping-coverage reports them so that a QA lead sees what the defaults did.
"""


def fallbacks(case, context):
    """(what, Zephyr value, what it became) for each value of `case` that fell back to a default."""
    rules, found = context.rules, []
    for what, ref, names, table in (("priority", case.get("priority"), context.priorities, rules.priorities),
                                    ("status", case.get("status"), context.statuses, rules.statuses)):
        name = names.get((ref or {}).get("id"))
        if name is not None and name not in table:
            found.append((what, name, f"passed through as '{name}'"))
    owner = (case.get("owner") or {}).get("accountId")
    if owner and rules.user(owner) is None:
        found.append(("owner", owner, "left empty"))
    return found
