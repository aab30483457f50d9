"""Warnings grouped by kind, with counts and a few examples, instead of one row per event.

A migration records a warning per entity: the same six unmapped users
appear once for every test case they own. Each warning is recorded with
its kind and its subject (the user, the file's host, the status:
kinds.WarningKind and Notice), so the groups say "user X: 66 test cases"
rather than repeating the sentence 66 times. A message starts with the key
of the entity it is about; that prefix is dropped where the key is shown in
a column of its own. A warning recorded without a kind (by an earlier
version) is grouped with those that read the same once numbers are left out.
"""

import re
from dataclasses import dataclass, field

from ztoq_luigi.kinds import WarningKind

EXAMPLES = 3
SUBJECTS = 10

TITLES = {
    WarningKind.UNMAPPED_USER: "Users not in the user mapping: the field is left empty",
    WarningKind.FILE_NOT_FETCHED: "Embedded files that could not be downloaded: the text keeps the original link",
    WarningKind.EXECUTION_WITHOUT_DATE: "Executions without an end date: no test log (qTest needs an execution date)",
    WarningKind.CASE_NOT_EXTRACTED: "Executions whose test case was not extracted: not migrated",
    WarningKind.STEP_STATUS: "Step results with a status qTest does not have: step log left out",
    WarningKind.CALL_AS_TEXT: "Calls to other test cases kept as text",
    WarningKind.EMPTY_STEP: "Steps without a description in Zephyr: qTest requires one, a placeholder is used",
    WarningKind.UNKNOWN_VALUE: "Values that are not among the project's values: left empty",
    WarningKind.FIELD_RENAMED: "Custom fields renamed because the migration fills a field of that name",
    WarningKind.FIELD_AS_TEXT: "Custom fields with mixed values: migrated as text",
    WarningKind.FIELD_VALUE: "Custom field values unlike the field's other values, or outside the field plan: left out",
    WarningKind.RUN_LOCK_TAKEN_OVER: "Run locks taken over from a process that had stopped",
}


@dataclass
class Group:
    kind: str
    title: str
    count: int = 0
    entities: set = field(default_factory=set)
    subjects: dict = field(default_factory=dict)
    examples: list = field(default_factory=list)

    def add(self, entity_key, message, subject):
        self.count += 1
        if entity_key:
            self.entities.add(entity_key)
        if len(self.examples) < EXAMPLES:
            self.examples.append({"entity_key": entity_key, "message": message})
        if subject:
            item = self.subjects.setdefault(subject, {"subject": subject, "count": 0, "examples": []})
            item["count"] += 1
            if entity_key and len(item["examples"]) < EXAMPLES and entity_key not in item["examples"]:
                item["examples"].append(entity_key)

    def as_dict(self):
        subjects = sorted(self.subjects.values(), key=lambda item: (-item["count"], item["subject"]))
        return {"kind": self.kind, "title": self.title, "count": self.count, "entities": len(self.entities),
                "subject_count": len(subjects), "subjects": subjects[:SUBJECTS], "examples": self.examples}


def without_key(message, entity_key):
    """The message without its leading 'KEY: ' when KEY is the entity it is about."""
    prefix = f"{entity_key}: " if entity_key else None
    return message[len(prefix):] if prefix and message.startswith(prefix) else message


def group_warnings(records, tallies=()):
    """Groups of warnings, largest first.

    `records` are (entity_key, message, kind, subject) tuples (a lazy query
    will do) grouped here; `tallies` are kinds already counted by the
    database (db/journal.warning_tallies), which only need their titles.
    """
    groups = {}
    for entity_key, message, kind, subject in records:
        text = without_key(message, entity_key)
        if kind in TITLES:
            name, title = str(kind), TITLES[WarningKind(kind)]
        else:
            name, title, subject = "other:" + re.sub(r"\d+", "N", text), text, None
        groups.setdefault(name, Group(name, title)).add(entity_key, text, subject)
    grouped = [group.as_dict() for group in groups.values()]
    grouped += [dict(tally, title=TITLES[WarningKind(tally["kind"])],
                     examples=[{"entity_key": key, "message": without_key(message, key)}
                               for key, message in tally["examples"]]) for tally in tallies]
    return sorted(grouped, key=lambda group: (-group["count"], group["title"]))
