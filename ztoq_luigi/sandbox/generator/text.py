"""Names and rich text as real Zephyr projects hold them, awkward parts included.

Real data mixes scripts and writing directions, carries HTML that users pasted in (entities,
`<br>`, lists, links), leaves fields null or empty, and uses characters that break naive
escaping or path handling (`/`, `&`, `<`, quotes, padding spaces). Every builder here draws
from fixed vocabularies with the caller's seeded random source, so the text is reproducible.
"""

from html import escape


def _exactly(text, length, last):
    """`text` repeated and cut to `length` characters, ending with `last` rather than a space."""
    return (text * (length // len(text) + 1))[:length - 1] + last


LONG_ASCII_NAME = _exactly("Verify that a very long test case name written by a thorough tester survives "
                           "the migration unchanged, ", 255, "!")
LONG_UNICODE_NAME = _exactly("長いテストケース名が移行後も変わらないことを確認する・", 255, "終")

SHOWCASE_NAMES = (
    "ログイン画面でエラーメッセージを確認する",
    "验证购物车总价计算",
    "결제 취소 흐름 검증",
    "Проверка входа с просроченным паролем",
    "التحقق من تسجيل الدخول بكلمة مرور منتهية",
    "בדיקת התחברות עם סיסמה שפג תוקפה",
    "Checkout 🛒 happy path ✅",
    "Login / Logout round trip",
    "Terms & Conditions acceptance",
    "Render <script>alert(1)</script> as plain text",
    'Search for "quoted phrase" returns results',
    "Customer's saved addresses",
    "  Leading spaces in the name",
    "Trailing spaces in the name   ",
    LONG_ASCII_NAME,
    LONG_UNICODE_NAME,
    "Mixed العربية / עברית & 中文 <b>not bold</b> 🚀",
)
FOREIGN_NAMES = (
    "Anmeldung mit Umlauten: Größe, Übersicht", "Vérifier l'export PDF (été)", "Búsqueda con ñ y acentos",
    "注文履歴の表示", "用户权限管理", "Отчёт: выгрузка в CSV", "إعدادات الإشعارات", "הגדרות פרופיל",
    "Dark mode 🌙 toggle", "Rocket launch 🚀 smoke",
)

VERBS = ("Verify", "Check", "Ensure", "Validate", "Confirm", "Test")
SUBJECTS = (
    "login", "logout", "password reset", "checkout", "cart totals", "invoice export", "user profile",
    "search filters", "report download", "session timeout", "two-factor prompt", "file upload",
    "payment refund", "audit log", "API rate limit", "dashboard widgets", "notification settings",
    "bulk import", "role permissions", "currency rounding", "terms & conditions", "order history",
)
QUALIFIERS = (
    "with valid data", "with an expired token", "on a slow network", "as an admin", "as a guest",
    "after an upgrade", "with 1000 items", "in dark mode", "on mobile", "with unicode input",
    "when the server returns 500", "twice in a row", "with an empty form",
)
HTML_SUBJECTS = tuple(escape(subject, quote=False) for subject in SUBJECTS)

FOLDER_NAMES = (
    "Regression", "Smoke", "API", "UI", "Mobile", "Payments", "Checkout", "Login", "Archive", "Legacy",
    "Sprint 12", "Nightly", "Performance", "Security", "結合テスト", "Нагрузочные тесты", "اختبارات القبول",
    "בדיקות", "R&D / Experiments", "<Draft>", 'Q3 "Hotfix" items', "Édition spéciale", "  Padded  ",
)
REPEATED_FOLDER_NAME = "Archive"

LABELS = ("Regression", "Smoke", "Automated", "Manual", "flaky", "P1", "needs-review", "UI", "API",
          "mobile", "legacy", "テスト", "безопасность", "a/b", "R&D")

OBJECTIVES = (
    "To ensure {s} works {q}.",
    "<p>To ensure <b>{s}</b> works {q}.</p><p>Scope: UI &amp; API.</p>",
    "Check that {s} handles values &lt; 0 and &gt; 100 correctly.<br>See the specification.",
    "<p>Customer&#39;s view of {s}:</p><ul><li>desktop</li><li>mobile&nbsp;web</li></ul>",
    'Verify {s} against <a href="https://confluence.example.invalid/display/QA/Spec?x=1&amp;y=2">the spec</a>.',
    "Line one about {s}<br>Line two&nbsp;&nbsp;indented<br/>Line three",
    "Plain objective for {s} with \"double\" and 'single' quotes",
    "<p>Проверить {s} &mdash; {q}</p>",
)
PRECONDITIONS = (
    "User is logged in as <b>admin</b>.",
    "<ul><li>Database seeded</li><li>Feature flag <code>new-{n}</code> &quot;on&quot;</li></ul>",
    "Latest build deployed &amp; caches cleared.<br>Browser: any.",
    "<p>At least {n} orders exist.</p><p>&nbsp;</p>",
    "Account with the role &lt;Reviewer&gt; exists.",
    "ユーザーがログインしていること",
)
STEP_DESCRIPTIONS = (
    "Open the {s} page", "Click <b>Save</b>", "Enter a value &lt; {n} in the amount field",
    "Navigate to Settings &gt; {s}", "<p>Fill in the form:</p><ul><li>name</li><li>e-mail</li></ul>",
    "Submit the request twice<br>Wait {n} seconds", "Press the &quot;Undo&quot; button",
    "Ouvrir l&#39;écran de {s}", "Upload a file named <i>report&nbsp;{n}.csv</i>",
)
EXPECTED_RESULTS = (
    "The {s} page is shown", "A confirmation &quot;Saved&quot; appears", "Validation error: value must be &gt; 0",
    "<p>The list shows <b>{n}</b> rows</p>", "No error is logged<br>The status is <i>Done</i>",
    "Redirected to the dashboard", "", "Сообщение об успехе",
)
TEST_DATA = (
    "username = admin; password = s3cr&#39;t", "amount = {n}", "<b>file</b>: data_{n}.csv",
    "email = test+{n}@example.invalid", "locale = ja_JP", "json = {{&quot;id&quot;: {n}}}",
)
PASS_RESULTS = ("", "", "As expected", "OK", "<p>Works &amp; looks fine</p>", "Как ожидалось")
FAIL_RESULTS = (
    "<p>Error <b>HTTP 500</b> on submit</p>", "Button stays disabled", "Got &lt;null&gt; instead of a value",
    "Timeout after 30&nbsp;s", "",
)
COMMENTS = {
    "Pass": ("", None, "Passed on the first try.", "<p>All good&nbsp;👍</p>",
             "Verified on build 2.3.1 &amp; 2.3.2<br>No regressions."),
    "Fail": ("<p>Failed: <b>HTTP 500</b> on submit.</p><ul><li>Browser: Chrome</li><li>User: admin</li></ul>",
             "Error &lt;NullPointerException&gt; in the logs", "Ошибка при сохранении", "",
             'See <a href="https://jira.example.invalid/browse/APP-{n}">APP-{n}</a>'),
    "Blocked": ("Blocked by an environment outage &ndash; see OPS-{n}", "Test data missing", None),
    "In Progress": ("Halfway through", "", None, "Paused: waiting for a fix<br>Resume tomorrow"),
    "Not Executed": (None, "", None),
}
CYCLE_DESCRIPTIONS = (
    None, "", "Regression for release 2.{n}", "<p>Scope:</p><ul><li>{s}</li><li>payments</li></ul>",
    "Nightly run &amp; smoke<br>Owner: QA team", "Cycle for the &quot;{s}&quot; hotfix",
)
PLAN_OBJECTIVES = (
    None, "", "Certify release 2.{n}", "<p>Release plan covering <b>{s}</b> &amp; regression</p>",
    "Plan de pruebas para la versión {n}",
)
CYCLE_NAMES = ("Sprint {n} regression", "Release 2.{n} smoke", "Nightly {n}", "Hotfix 2.{n}.1 / Payments",
               "Спринт {n}: регрессия", "リリース {n} 受け入れ", "UAT #{n} <customer>", "Cycle {n} & retest")
PLAN_NAMES = ("Release 2.{n} plan", "Certification wave {n}", "Plan für Version {n}", "Mobile & web plan {n}",
              "خطة الإصدار {n}")
PLAIN_SCRIPTS = (
    "1. Open the {s} page\n2. Fill in the form\n3. Submit\nExpected: confirmation shown",
    "<p>Open the {s} page</p><ol><li>Fill in the form</li><li>Submit</li></ol><p>Expect &quot;OK&quot;</p>",
    "Run the exploratory charter for {s} for 30 minutes & note anything odd.",
)
PARAMETER_NAMES = ("username", "password", "amount", "locale", "browser", "currency")
PARAMETER_VALUES = ("admin", "guest", "s3cr&t", "100", "ja_JP", "Chrome", "€", "", "<none>")


def fill(rng, template):
    return template.format(s=rng.choice(HTML_SUBJECTS), q=rng.choice(QUALIFIERS), n=rng.randint(1, 99))


def pick(rng, templates):
    template = rng.choice(templates)
    return template if template is None or "{" not in template else fill(rng, template)


def case_name(rng):
    if rng.random() < 0.06:
        return rng.choice(FOREIGN_NAMES)
    return f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(QUALIFIERS)}"


def gherkin(rng):
    subject = rng.choice(SUBJECTS)
    tag = rng.choice(("@smoke", "@regression @web", None))
    lines = [f"Feature: {subject}", "", "  Background:", "    Given the user is signed in", ""]
    if rng.random() < 0.4:
        lines += [f"  Scenario Outline: {subject} for <role>", '    Given a user with role "<role>"',
                  f"    When they open {subject}", "    Then they see <result>", "", "    Examples:",
                  "      | role  | result   |", "      | admin | all rows |", "      | 顧客  | 自分の行 |"]
    else:
        lines += [f"  Scenario: {subject} {rng.choice(QUALIFIERS)}", f"    Given {subject} is available",
                  "    When the user submits the form", "    Then a confirmation is shown",
                  "    And no error is logged"]
    return "\n".join(([tag] if tag else []) + lines)
