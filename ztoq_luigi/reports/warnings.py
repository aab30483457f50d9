"""Warnings grouped by kind, with counts and a few examples, instead of one row per event.

A migration records a warning per entity: the same six unmapped users
appear once for every test case they own. Reports read the messages as
stored, so databases written by earlier versions group the same way. A
message starts with the key of the entity it is about; that prefix is
dropped where the key is shown in a column of its own. Each known kind
names its subject (the user, the file, the status) so that the groups
say "user X: 66 test cases" rather than repeating the sentence 66 times;
a message of no known kind is grouped with the messages that read the
same once numbers are left out.
"""

import json
import re
from dataclasses import dataclass, field

EXAMPLES = 3
SUBJECTS = 10


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    pattern: re.Pattern


KINDS = tuple(Kind(name, title, re.compile(pattern)) for name, title, pattern in (
    ("unmapped-user", "Users not in the user mapping: the field is left empty",
     r"^user (?P<subject>\S+) \((?P<detail>[^)]*)\) is not in the user mapping"),
    ("file-not-fetched", "Embedded files that could not be downloaded: the text keeps the original link",
     r"^embedded file (?P<subject>\S+) could not be fetched"),
    ("execution-without-date", "Executions without an end date: no test log (qTest needs an execution date)",
     r"^'(?P<subject>[^']*)' execution has no readable actualEndDate"),
    ("case-not-extracted", "Executions whose test case was not extracted: not migrated",
     r"^its test case (?P<subject>\S+) was not extracted"),
    ("step-status", "Step results with a status qTest does not have: step log left out",
     r"^step \d+ has status '(?P<subject>[^']*)'"),
    ("unmatched-step-results", "Step results without a step in the migrated test case: left out of the test log",
     r"^\d+ step results have no step in the migrated test case"),
    ("call-as-text", "Calls to other test cases kept as text",
     r"^(step \d+ calls the case itself|calls? to (?P<subject>.+?) (kept as text|cannot be linked))"),
    ("empty-step", "Steps without a description in Zephyr: qTest requires one, a placeholder is used",
     r"^step \d+ has no description"),
    ("unknown-value", "Values that are not among the project's values: left empty",
     r"^(?P<subject>\w+) id \S+ is not among the project's"),
    ("field-renamed", "Custom fields renamed because the migration fills a field of that name",
     r"^custom field '(?P<subject>[^']*)' has the name of a field the migration fills"),
    ("field-as-text", "Custom fields with mixed values: migrated as text",
     r"^custom field '(?P<subject>[^']*)' .*; migrated as a"),
    ("field-value", "Custom field values unlike the field's other values, or outside the field plan: left out",
     r"^custom field '(?P<subject>[^']*)'"),
))


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


def classify(text):
    """(kind, title, subject) of a message already stripped of its entity key."""
    for kind in KINDS:
        match = kind.pattern.match(text)
        if match:
            return kind.name, kind.title, match.groupdict().get("subject")
    shape = re.sub(r"\d+", "N", text)
    return f"other:{shape}", text, None


def group_warnings(events):
    """Groups of (entity_key, message) pairs, largest first; `events` may be a lazy query."""
    groups = {}
    for entity_key, message in events:
        text = without_key(message, entity_key)
        kind, title, subject = classify(text)
        groups.setdefault(kind, Group(kind, title)).add(entity_key, text, subject)
    return [group.as_dict() for group in sorted(groups.values(), key=lambda group: (-group.count, group.title))]


def event_entity_key(event):
    return json.loads(event.context or "{}").get("entity_key")
