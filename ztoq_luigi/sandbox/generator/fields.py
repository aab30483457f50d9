"""Custom fields and links: the attributes that cases, cycles, plans and executions share.

Zephyr has no custom-field definition endpoint, so the migration infers each field's type from
the values it sees. Every field name therefore keeps one value type across the whole project
(even when two entity kinds share a name), while values go missing, null or empty as they do in
real projects. Link ids come from one sequence because Zephyr addresses links as `/links/{id}`.
"""

from ztoq_luigi.sandbox.generator.context import DAY, PROJECT_DAYS, PROJECT_EPOCH, iso_date

CASE_FIELDS = {
    "Build Number": "number", "Risk Score": "decimal", "Release Date": "date", "Implemented": "checkbox",
    "Component Area": "single", "Catégorie": "multi", "Tester": "user", "Notes": "text",
    "Pre-Condition(s)": "multiline",
}
STEP_FIELDS = {"Browser": "single", "Step Weight": "number"}
CYCLE_FIELDS = {"Sprint Goal": "text", "Build Number": "number", "Sign-off": "checkbox"}
PLAN_FIELDS = {"Release Train": "single", "Release Date": "date", "Approvers": "multi"}
EXECUTION_FIELDS = {"Build Number": "number", "Browser Version": "text", "Retest": "checkbox",
                    "Reviewer": "user"}
OPTIONS = {
    "Component Area": ("Frontend", "Backend", "Mobile", "Data & Analytics", "Ops/Infra"),
    "Catégorie": ("Performance", "Regression", "Sécurité", "UX", "Accessibility"),
    "Browser": ("Chrome", "Firefox", "Safari", "Edge"),
    "Release Train": ("Q1", "Q2", "Q3", "Q4"),
    "Approvers": ("QA lead", "Product owner", "Security", "Compliance"),
}
TEXTS = ("", "RC-2", "see wiki", "Ünïcödé text", "needs <review>", "a & b", "   ")
LINES = ("User should have logged in.", "User should have navigated to the administration panel.",
         "Данные загружены", "Cache &amp; cookies cleared")
JIRA_ISSUE_IDS = 10001  # The sandbox's Jira numbers issue PROJ-N as 10000 + N (see zephyr_render).
LINK_TYPES = ("COVERAGE", "BLOCKS", "RELATED")
LINK_TYPE_WEIGHTS = (70, 10, 20)
WEB_LINKS = (
    ("https://confluence.example.invalid/display/QA/Login+spec?version=3&lang=en", "Login specification"),
    ("https://github.com/example/app/issues/42#issuecomment-1", ""),
    ("https://example.invalid/docs/ünïcode path/", "Docs with a non-ASCII path"),
    ("https://wiki.example.invalid/pages/viewpage.action?pageId=123456", "Design notes & mock-ups"),
    ("http://intranet.example.invalid:8080/test-data.xlsx", "Test data (intranet, plain HTTP)"),
)


def custom_fields(ctx, definitions, presence):
    """Each field present with probability `presence`; a present value is sometimes null."""
    rng = ctx.rng
    values = {}
    for name, kind in definitions.items():
        if rng.random() < presence:
            values[name] = None if rng.random() < 0.05 else _value(ctx, name, kind)
    return values


def _value(ctx, name, kind):
    rng = ctx.rng
    if kind == "number":
        return rng.randint(0, 5000)
    if kind == "decimal":
        return round(rng.uniform(0.01, 9.99), 2)
    if kind == "date":
        return iso_date(PROJECT_EPOCH + rng.randrange(PROJECT_DAYS) * DAY)
    if kind == "checkbox":
        return rng.random() < 0.5
    if kind == "single":
        return rng.choice(OPTIONS[name])
    if kind == "multi":
        return rng.sample(OPTIONS[name], rng.randint(0, 3))
    if kind == "user":
        return ctx.user()
    if kind == "multiline":
        return "<br>".join(rng.sample(LINES, rng.randint(2, 3)))
    return rng.choice(TEXTS)


def issue_links(ctx, present, most=3):
    rng = ctx.rng
    if not present:
        return []
    issues = rng.sample(range(JIRA_ISSUE_IDS, JIRA_ISSUE_IDS + ctx.scale.jira_issues), rng.randint(1, most))
    return [{"id": ctx.link_ids.next(), "issueId": issue, "type": rng.choices(LINK_TYPES, LINK_TYPE_WEIGHTS)[0]}
            for issue in issues]


def web_links(ctx, present, most=2):
    rng = ctx.rng
    if not present:
        return []
    return [{"id": ctx.link_ids.next(), "url": url, "description": description, "type": "RELATED"}
            for url, description in rng.sample(WEB_LINKS, rng.randint(1, most))]
