"""Turns stored Zephyr records into the JSON the v2 API returns.

The API never embeds a name in a reference: every reference is an `{id, self}`
link (users are `{self, accountId}`), and an execution points at a test-case
*version* whose key exists only inside its `self` URL. Rendering every link
through the few helpers here keeps those quirks identical on every route.
Links into Jira (components, versions, users, issues) point at a Jira base URL
that the simulator does not serve, as in production.

The spec declares no field nullable, so a field without a value is left out
rather than sent as null, with the two exceptions the spec itself makes in
prose: a root folder's `parentId` is null ("Must be `null` for root
folders"), and a custom field left blank holds null ("To leave any of them
blank, please set them null").
"""

from urllib.parse import quote

JIRA_ISSUE_ID_BASE = 10000


def issue_id_for_key(project_key, issue_key):
    """The sandbox's imaginary Jira numbers issue `PROJ-N` with id 10000 + N.

    The v2 API stores only numeric Jira issue ids, yet `/issuelinks/{issueKey}`
    takes a key; real Zephyr asks Jira. This fixed rule stands in for Jira, so
    a dataset links issue `SA-7` by storing `issueId` 10007. Keys of other
    projects resolve to no issue.
    """
    prefix, _, number = issue_key.rpartition("-")
    if prefix != project_key or not number.isdigit():
        return None
    return JIRA_ISSUE_ID_BASE + int(number)


def version_id(case, version):
    """The id of one version of a test case; stored maps may use int or str keys."""
    ids = case["versionIds"]
    return ids[version] if version in ids else ids[str(version)]


def present(body, keep=()):
    """`body` without its fields that have no value, except those named in `keep`."""
    return {name: value for name, value in body.items() if value is not None or name in keep}


class ZephyrRenderer:
    def __init__(self, api_url, jira_url, project):
        self.api = api_url
        self.jira = jira_url.rstrip("/")
        self.project = project

    def url(self, *segments):
        return "/".join([self.api, *(quote(str(part), safe="") for part in segments)])

    def link(self, collection, entity_id):
        if entity_id is None:
            return None
        return {"id": entity_id, "self": self.url(collection, entity_id)}

    def jira_link(self, kind, entity_id):
        if entity_id is None:
            return None
        return {"id": entity_id, "self": f"{self.jira}/rest/api/2/{kind}/{entity_id}"}

    def user(self, account_id):
        if account_id is None:
            return None
        return {"self": f"{self.jira}/rest/api/2/user?accountId={account_id}", "accountId": account_id}

    def project_link(self):
        return self.link("projects", self.project["id"])

    def case_version_link(self, case, version):
        return {"id": version_id(case, version), "self": self.url("testcases", case["key"], "versions", version)}

    def created(self, self_url, entity_id, key=None):
        """The body of a 201: CreatedResource, or KeyedCreatedResource when the entity has a key."""
        body = {"id": entity_id, "self": self_url}
        if key:
            body["key"] = key
        return body

    def project_record(self):
        project = self.project
        return {"id": project["id"], "jiraProjectId": project["jiraProjectId"], "key": project["key"], "enabled": project["enabled"]}

    def folder(self, folder):
        return present({
            "id": folder["id"], "parentId": folder.get("parentId"), "name": folder["name"],
            "index": folder["index"], "folderType": folder["folderType"], "project": self.project_link(),
        }, keep=("parentId",))

    def option(self, record, extras):
        """A status, priority or environment: OptionValue plus the extras of its kind."""
        body = {
            "id": record["id"], "project": self.project_link(), "name": record["name"],
            "description": record.get("description"), "index": record["index"],
        }
        body.update({name: record.get(name, False) for name in extras})
        return present(body)

    def issue_links(self, record):
        return [
            {"self": self.url("links", link["id"]), "issueId": link["issueId"], "id": link["id"],
             "target": f"{self.jira}/rest/api/2/issue/{link['issueId']}", "type": link["type"]}
            for link in record.get("issueLinks") or ()
        ]

    def web_links(self, record):
        return [
            present({"self": self.url("links", link["id"]), "description": link.get("description"), "url": link["url"],
                     "id": link["id"], "type": link["type"]})
            for link in record.get("webLinks") or ()
        ]

    def case_links(self, case):
        return {"self": self.url("testcases", case["key"], "links"), "issues": self.issue_links(case), "webLinks": self.web_links(case)}

    def cycle_links(self, cycle, plan_links):
        return {
            "self": self.url("testcycles", cycle["id"], "links"),
            "issues": self.issue_links(cycle),
            "webLinks": self.web_links(cycle),
            "testPlans": [
                {"id": link["id"], "self": self.url("links", link["id"]), "testPlanId": plan["id"],
                 "type": link["type"], "target": self.url("testplans", plan["id"])}
                for plan, link in plan_links
            ],
        }

    def execution_links(self, execution):
        return {"self": self.url("testexecutions", execution["id"], "links"), "issues": self.issue_links(execution)}

    def test_case(self, case, version=None):
        """A test case; `version` renders the id of that version (the content is the stored one)."""
        script = case.get("script")
        body = {
            "id": version_id(case, version) if version is not None else case["id"],
            "key": case["key"], "name": case["name"], "project": self.project_link(),
            "createdOn": case.get("createdOn"), "objective": case.get("objective"),
            "precondition": case.get("precondition"), "estimatedTime": case.get("estimatedTime"),
            "labels": list(case.get("labels") or []),
            "component": self.jira_link("component", case.get("componentId")),
            "priority": self.link("priorities", case["priorityId"]),
            "status": self.link("statuses", case["statusId"]),
            "folder": self.link("folders", case.get("folderId")),
            "owner": self.user(case.get("ownerId")),
            "customFields": dict(case.get("customFields") or {}),
            "links": self.case_links(case),
        }
        if script:
            where = "teststeps" if script["type"] == "steps" else "testscript"
            body["testScript"] = {"self": self.url("testcases", case["key"], where)}
        return present(body)

    def test_step(self, step):
        """Exactly one of `inline` and `testCase` is set; the other is left out."""
        if step.get("inline") is not None:
            inline = step["inline"]
            return {"inline": present({
                "description": inline.get("description"), "testData": inline.get("testData"),
                "expectedResult": inline.get("expectedResult"),
                "customFields": dict(inline.get("customFields") or {}), "reflectRef": inline.get("reflectRef"),
            })}
        call = step["testCase"]
        return {"testCase": {
            "self": self.url("testcases", call["testCaseKey"], "versions", call.get("version") or 1),
            "testCaseKey": call["testCaseKey"],
            "parameters": [dict(parameter) for parameter in call.get("parameters") or ()],
        }}

    def test_cycle(self, cycle, plan_links):
        return present({
            "id": cycle["id"], "key": cycle["key"], "name": cycle["name"], "project": self.project_link(),
            "jiraProjectVersion": self.jira_link("version", cycle.get("jiraProjectVersionId")),
            "status": self.link("statuses", cycle["statusId"]),
            "folder": self.link("folders", cycle.get("folderId")),
            "description": cycle.get("description"),
            "plannedStartDate": cycle.get("plannedStartDate"), "plannedEndDate": cycle.get("plannedEndDate"),
            "owner": self.user(cycle.get("ownerId")),
            "customFields": dict(cycle.get("customFields") or {}),
            "links": self.cycle_links(cycle, plan_links),
        })

    def test_plan(self, plan):
        return present({
            "id": plan["id"], "key": plan["key"], "name": plan["name"], "objective": plan.get("objective"),
            "project": self.project_link(), "status": self.link("statuses", plan["statusId"]),
            "folder": self.link("folders", plan.get("folderId")), "owner": self.user(plan.get("ownerId")),
            "customFields": dict(plan.get("customFields") or {}), "labels": list(plan.get("labels") or []),
            "links": {
                "webLinks": self.web_links(plan),
                "issues": self.issue_links(plan),
                "testCycles": [
                    {"id": link["id"], "self": self.url("links", link["id"]), "testCycleId": link["testCycleId"],
                     "type": link["type"], "target": self.url("testcycles", link["testCycleId"])}
                    for link in plan.get("testCycleLinks") or ()
                ],
            },
        })

    def test_execution(self, execution, case):
        return present({
            "id": execution["id"], "key": execution.get("key"), "project": self.project_link(),
            "testCase": self.case_version_link(case, execution["testCaseVersion"]),
            "environment": self.link("environments", execution.get("environmentId")),
            "jiraProjectVersion": self.jira_link("version", execution.get("jiraProjectVersionId")),
            "testExecutionStatus": self.link("statuses", execution["statusId"]),
            "actualEndDate": execution.get("actualEndDate"), "estimatedTime": execution.get("estimatedTime"),
            "executionTime": execution.get("executionTime"), "executedById": execution.get("executedById"),
            "assignedToId": execution.get("assignedToId"), "comment": execution.get("comment"),
            "automated": bool(execution.get("automated")),
            "testCycle": self.link("testcycles", execution.get("testCycleId")),
            "customFields": dict(execution.get("customFields") or {}),
            "links": self.execution_links(execution),
        })

    def execution_step(self, result):
        inline = result["inline"]
        return {"inline": present({
            "description": inline.get("description"), "testData": inline.get("testData"),
            "expectedResult": inline.get("expectedResult"), "actualResult": inline.get("actualResult"),
            "testDataRowNumber": inline.get("testDataRowNumber"), "reflectRef": inline.get("reflectRef"),
            "status": self.link("statuses", inline.get("statusId")),
        })}
