"""Resolving the statuses, priorities, environments and folders that request bodies refer to.

Creation bodies name options (`statusName`), update bodies link them by id
(`status: {id}`); either way the option must exist in the project, belong to
the right kind (a test-execution status cannot be a test case's) and not be
archived, or the service answers 400.
"""

from ztoq_luigi.sandbox.http import HttpError

DEFAULT_STATUS_NAMES = {"TEST_CASE": "Draft", "TEST_CYCLE": "Not Executed", "TEST_PLAN": "Not Executed", "TEST_EXECUTION": "Not Executed"}
DEFAULT_PRIORITY_NAME = "Normal"
OPTION_LABELS = {"statuses": "status", "priorities": "priority", "environments": "environment"}


def same_kind(index, collection, status_type=None):
    """Statuses of one type, or every priority or environment: the options a name is looked up among."""
    return index.group("statuses", "statusType", status_type) if status_type else index.records(collection)


def _unknown(collection, ref, status_type):
    kind = f"{status_type} status" if status_type else OPTION_LABELS[collection]
    return HttpError(400, f"The {kind} '{ref}' does not exist or you do not have access to it")


def option_by_name(index, collection, name, status_type=None):
    """The usable option called `name`; statuses are looked up within their type."""
    for record in same_kind(index, collection, status_type):
        if record["name"] == name and not record.get("archived"):
            return record
    raise _unknown(collection, name, status_type)


def option_by_id(index, collection, option_id, status_type=None):
    record = index.by_id[collection].get(option_id)
    if record is None or record.get("archived") or (status_type and record.get("statusType") != status_type):
        raise _unknown(collection, option_id, status_type)
    return record


def check_unique_name(index, collection, name, status_type=None, record=None):
    """Option names are unique within their kind (the spec's DuplicatedNameError); `record` is the one renamed."""
    for other in same_kind(index, collection, status_type):
        if other is not record and other["name"] == name:
            article = "An" if collection == "environments" else "A"
            raise HttpError(400, f"{article} {OPTION_LABELS[collection]} with this name already exists.")


def status_id(index, status_type, name):
    """The status called `name`, or the type's default when no name is given."""
    if name is None:
        return default_option_id(same_kind(index, "statuses", status_type), DEFAULT_STATUS_NAMES[status_type], "statusName")
    return option_by_name(index, "statuses", name, status_type)["id"]


def priority_id(index, name):
    if name is None:
        return default_option_id(index.records("priorities"), DEFAULT_PRIORITY_NAME, "priorityName")
    return option_by_name(index, "priorities", name)["id"]


def default_option_id(candidates, fallback_name, field):
    """The project's default option: the one flagged default, else the one with the usual default name."""
    usable = [record for record in candidates if not record.get("archived")]
    for record in usable:
        if record.get("default"):
            return record["id"]
    for record in usable:
        if record["name"] == fallback_name:
            return record["id"]
    raise HttpError(400, f"{field} must not be null: the project has no default")


def checked_folder_id(index, folder_id, folder_type):
    """`folder_id` when it names a folder of `folder_type`; None stays None (the root)."""
    if folder_id is None:
        return None
    folder = index.by_id["folders"].get(folder_id)
    if folder is None or folder["folderType"] != folder_type:
        raise HttpError(400, f"Folder '{folder_id}' does not exist or is not a {folder_type} folder")
    return folder_id
