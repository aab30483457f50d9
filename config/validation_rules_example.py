"""An example of a custom validation rule (README: Validation rules).

Register it in the config file:

    validation:
      plugins: [validation_rules_example:RULES]    # this file's directory on PYTHONPATH

or ship it in a package with an entry point in the group `ztoq.validation_rules`:

    [options.entry_points]
    ztoq.validation_rules =
        no-empty-steps = my_rules:NO_EMPTY_STEPS

A rule gets one view at a time (here a Comparison of a test case: `expected`
is the body the migration sent, `actual` the case as qTest holds it) and
yields Issues; it never reads anything itself.
"""

import re

from ztoq_luigi.kinds import Entity
from ztoq_luigi.validation.rules import Comparison, Issue, Rule, Severity


def no_empty_steps(view):
    """Every step of a migrated test case says what to do in qTest."""
    for step in sorted(view.actual.get("test_steps") or [], key=lambda step: step.get("order") or 0):
        text = re.sub(r"<[^>]*>|&nbsp;|\s", "", step.get("description") or "")
        if not text:
            yield Issue(view.key, "a step description", "empty", f"step {step.get('order')} is empty in qTest")


NO_EMPTY_STEPS = Rule("no-empty-steps", Severity.WARNING, {Entity.TEST_CASE}, no_empty_steps, Comparison,
                      no_empty_steps.__doc__)
RULES = [NO_EMPTY_STEPS]
