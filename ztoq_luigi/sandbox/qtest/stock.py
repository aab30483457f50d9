"""What a freshly provisioned qTest project contains before anyone migrates into it.

Labels and data types follow a stock qTest Manager project; the numeric ids
are not listed here because a real site's ids are its own (see qtest_ids).
Only the execution statuses keep their usual ids (601 Passed is observed on
real sites; the rest follow the same numbering).
"""

TEXT, TEXT_AREA, COMBO, DATE, USER_LIST, RICH_TEXT, NUMBER, CHECK_BOX, DATE_TIME, URL, MULTI_SELECT = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 17,
)
DATA_TYPES = (TEXT, TEXT_AREA, COMBO, DATE, USER_LIST, RICH_TEXT, NUMBER, CHECK_BOX, DATE_TIME, URL, MULTI_SELECT)
PICKLIST_TYPES = (COMBO, CHECK_BOX, MULTI_SELECT)  # "Combo box/Multi selection combo box/Check box" hold allowed values
MULTIPLE_REQUIRED_TYPES = (CHECK_BOX, MULTI_SELECT)  # "multiple picklist typed": created with multiple=true

FIELD_OBJECT_TYPES = ("releases", "builds", "requirements", "test-cases", "test-suites", "test-runs", "defects")

EXECUTION_STATUSES = (
    {"id": 601, "name": "Passed", "color": "#6cc644", "is_default": False},
    {"id": 602, "name": "Failed", "color": "#d0021b", "is_default": False},
    {"id": 603, "name": "Incomplete", "color": "#f5a623", "is_default": False},
    {"id": 604, "name": "Blocked", "color": "#4a4a4a", "is_default": False},
    {"id": 605, "name": "Unexecuted", "color": "#9b9b9b", "is_default": True},
)

STOCK_USERS = (
    {"first_name": "Jane", "last_name": "Roe", "username": "jane.roe@example.com"},
    {"first_name": "John", "last_name": "Doe", "username": "john.doe@example.com"},
    {"first_name": "Ana", "last_name": "Lima", "username": "ana.lima@example.com"},
)


def _select(label, values, default=None):
    """A combo-box system field: allowed values given by label, optional default label."""
    return {"label": label, "data_type": COMBO, "values": values, "default": default}


def _plain(label, data_type, multiple=False):
    return {"label": label, "data_type": data_type, "multiple": multiple}


STOCK_FIELDS = {
    "test-cases": (
        _select("Status", ("New", "In Review", "Approved", "Needs Update", "Obsolete"), default="New"),
        _select("Type", ("Manual", "Automation", "Performance", "Scenario"), default="Manual"),
        _select("Priority", ("Urgent", "High", "Medium", "Low"), default="Medium"),
        _plain("Assigned To", USER_LIST, multiple=True),
        _select("Automation", ("Yes", "No"), default="No"),
        _plain("Automation Content", TEXT),
    ),
    "test-runs": (
        {"label": "Status", "data_type": COMBO, "statuses": True},
        _select("Priority", ("Urgent", "High", "Medium", "Low"), default="Medium"),
        _plain("Assigned To", USER_LIST),
        _plain("Planned Start Date", DATE_TIME),
        _plain("Planned End Date", DATE_TIME),
        _plain("Run Order", NUMBER),
        _select("Execution Type", ("Functional", "Regression", "Smoke"), default="Functional"),
    ),
    "test-suites": (
        _select("Status", ("New", "In Progress", "Complete"), default="New"),
        _plain("Planned Start Date", DATE_TIME),
        _plain("Planned End Date", DATE_TIME),
        _plain("Assigned To", USER_LIST),
    ),
    "releases": (
        _select("Status", ("Planning", "Implementation", "Testing", "Released"), default="Planning"),
        _plain("Start Date", DATE),
        _plain("End Date", DATE),
    ),
    "builds": (
        _select("Status", ("Scheduled", "Built", "Deployed"), default="Scheduled"),
        _plain("Date", DATE),
    ),
    "requirements": (
        _select("Status", ("New", "Reviewed", "Approved"), default="New"),
        _select("Priority", ("Urgent", "High", "Medium", "Low"), default="Medium"),
        _plain("Assigned To", USER_LIST),
    ),
    "defects": (
        _select("Status", ("New", "Open", "Resolved", "Closed"), default="New"),
        _select("Severity", ("Fatal", "Major", "Average", "Minor"), default="Average"),
        _plain("Assigned To", USER_LIST),
    ),
}
