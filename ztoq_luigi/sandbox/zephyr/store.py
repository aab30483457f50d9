"""The Zephyr simulator's data: what a Zephyr Scale project holds, before it is rendered as JSON.

Records are plain dicts whose field names follow the Zephyr v2 API, except
that references are stored as plain ids (`priorityId`, `folderId`, ...) and
rendered by the server as `{id, self}` links under its own base URL. The
generator fills a dataset; the server only reads it (and appends on the
seeding POST routes). Record shapes:

project       {id, key, jiraProjectId, enabled}
statuses      {id, name, description, index, color, archived, default, statusType}
priorities    {id, name, description, index, color, default}
environments  {id, name, description, index, archived}
folders       {id, parentId|None, name, index, folderType}
testcases     {id, key, name, createdOn, objective, precondition, estimatedTime, labels,
               componentId|None, priorityId, statusId, folderId|None, ownerId|None,
               customFields, version, versionIds {version: id},
               script: None | {"type": "steps"} | {"id", "type": "plain"|"bdd", "text"},
               steps: [{"inline": {description, testData, expectedResult, customFields, reflectRef}}
                       | {"testCase": {testCaseKey, version, parameters: [{name, type, value}]}}],
               issueLinks [{id, issueId, type}], webLinks [{id, url, description, type}]}
testcycles    {id, key, name, description, plannedStartDate, plannedEndDate, statusId,
               folderId|None, ownerId|None, jiraProjectVersionId|None, customFields,
               issueLinks, webLinks}
testplans     {id, key, name, objective, statusId, folderId|None, ownerId|None, customFields,
               labels, issueLinks, webLinks, testCycleLinks [{id, testCycleId, type}]}
testexecutions {id, key, testCaseKey, testCaseVersion, environmentId|None,
               jiraProjectVersionId|None, statusId, actualEndDate, estimatedTime, executionTime,
               executedById, assignedToId, comment, automated, testCycleId|None, customFields,
               issueLinks, stepResults [{"inline": {description, testData, expectedResult,
               actualResult, testDataRowNumber, reflectRef, statusId}}]}
files         {path: (content_type, bytes)}: embedded images and file links served by the
               Zephyr host (outside the API base) to a request carrying the bearer token.
jira_files    {path: (content_type, bytes)}: embedded files kept by the Jira site (paths
               /secure/attachment/{id}/{name}), served by the Jira stand-in (sandbox/jira.py)
               to HTTP Basic auth only.

Rich text refers to the Zephyr host as ROOT_PLACEHOLDER and to the Jira site
as JIRA_PLACEHOLDER because the ports are only known once the servers start;
the Zephyr server substitutes both when rendering.
"""

from dataclasses import dataclass, field

ROOT_PLACEHOLDER = "{{zephyr-root}}"
JIRA_PLACEHOLDER = "{{jira-root}}"

STATUS_TYPES = ("TEST_CASE", "TEST_PLAN", "TEST_CYCLE", "TEST_EXECUTION")
FOLDER_TYPES = ("TEST_CASE", "TEST_PLAN", "TEST_CYCLE")


@dataclass
class ZephyrDataset:
    project: dict
    statuses: list = field(default_factory=list)
    priorities: list = field(default_factory=list)
    environments: list = field(default_factory=list)
    folders: list = field(default_factory=list)
    testcases: list = field(default_factory=list)
    testcycles: list = field(default_factory=list)
    testplans: list = field(default_factory=list)
    testexecutions: list = field(default_factory=list)
    users: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    jira_files: dict = field(default_factory=dict)

    @property
    def key(self):
        return self.project["key"]

    def counts(self):
        return {
            "folders": len(self.folders),
            "testcases": len(self.testcases),
            "testcycles": len(self.testcycles),
            "testplans": len(self.testplans),
            "testexecutions": len(self.testexecutions),
        }
