"""A Zephyr test case, with its steps or script, as the qTest test case it becomes (still in names)."""

import pytest

from ztoq_luigi.kinds import WarningKind
from ztoq_luigi.mapping.folders import UNFILED
from ztoq_luigi.mapping.rules import MappingRules
from ztoq_luigi.mapping.testcases import EMPTY_STEP, CaseContext, MappedCase, map_test_case

PRIORITIES = {10001: "High", 10002: "Normal", 10003: "Low", 10004: "Blocker"}
STATUSES = {20001: "Draft", 20002: "Approved", 20003: "Deprecated", 20004: "Needs Review"}




def messages(result):
    return [notice.message for notice in result.warnings]

def context(rules=None):
    return CaseContext(rules=rules or MappingRules(), priorities=dict(PRIORITIES), statuses=dict(STATUSES))


def case(**overrides):
    base = {"id": 1, "key": "SA-T10", "name": "Check axial pump",
            "project": {"id": 10005, "self": "https://api/v2/projects/10005"},
            "objective": "To ensure the axial pump can be enabled",
            "precondition": "Latest version of the axial pump available",
            "priority": {"id": 10002, "self": "https://api/v2/priorities/10002"},
            "status": {"id": 20001, "self": "https://api/v2/statuses/20001"},
            "folder": {"id": 100006, "self": "https://api/v2/folders/100006"}}
    base.update(overrides)
    return base


def inline(description=None, test_data=None, expected=None, custom=None):
    return {"inline": {"description": description, "testData": test_data, "expectedResult": expected,
                       "customFields": custom}, "testCase": None}


def call(key, parameters=None):
    return {"inline": None, "testCase": {"testCaseKey": key, "self": f"https://api/v2/testcases/{key}/versions/1",
                                         "parameters": parameters}}


def mapped(steps=None, script=None, ctx=None, **case_overrides):
    return map_test_case(case(**case_overrides), steps, script, ctx or context())


# --- texts ---------------------------------------------------------------------------------------

TEXTS = [
    "Plain ASCII",
    "测试轴流泵 — 日本語テスト",
    "בדיקת משאבה צירית — اختبار المضخة",
    "Pump 🚀 works 👍🏽 ✅",
    "Tom &amp; Jerry &lt;tag&gt; &nbsp;&#169;",
    "Line one<br>Line two<br/>Line three",
    "<ul><li>first</li><li>second &amp; third</li></ul><ol><li>1</li></ol>",
    "  leading and trailing spaces  ",
    "<p>Para with <b>bold</b>, <i>italic</i> and <a href=\"https://x.test/?a=1&amp;b=2\">a link</a></p>",
]


@pytest.mark.parametrize("text", TEXTS)
def test_name_objective_and_precondition_are_kept_verbatim(text):
    payload = mapped(name=text, objective=text, precondition=text, steps=[inline("s")]).payload
    assert payload["name"] == text
    assert payload["description"] == text
    assert payload["precondition"] == text


@pytest.mark.parametrize("value", [None, ""])
def test_missing_or_empty_objective_and_precondition_become_empty_strings(value):
    payload = mapped(objective=value, precondition=value).payload
    assert payload["description"] == "" and payload["precondition"] == ""


def test_absent_objective_and_precondition_become_empty_strings():
    raw = case()
    del raw["objective"], raw["precondition"]
    payload = map_test_case(raw, [], None, context()).payload
    assert payload["description"] == "" and payload["precondition"] == ""


def test_result_is_a_mapped_case_with_payload_dependencies_and_warnings():
    result = mapped(steps=[inline("Open the app")])
    assert isinstance(result, MappedCase)
    assert result.depends_on == [] and result.warnings == []
    assert set(result.payload) == {"name", "module", "description", "precondition", "properties", "steps"}


# --- module ----------------------------------------------------------------------------------------

def test_case_lands_in_the_module_of_its_folder_as_a_string_id():
    assert mapped().payload["module"] == "100006"


@pytest.mark.parametrize("folder_link", [None, {}, {"id": None, "self": None}])
def test_case_without_a_folder_lands_in_the_unfiled_module(folder_link):
    assert mapped(folder=folder_link).payload["module"] == UNFILED


# --- properties --------------------------------------------------------------------------------------

@pytest.mark.parametrize("priority_id, expected", [(10001, "High"), (10002, "Medium"), (10003, "Low"),
                                                    (10004, "Blocker")])
def test_priority_names_are_translated_and_unmapped_names_pass_through(priority_id, expected):
    result = mapped(priority={"id": priority_id, "self": "x"})
    assert result.payload["properties"]["Priority"] == expected
    assert result.warnings == []


@pytest.mark.parametrize("status_id, expected", [(20001, "New"), (20002, "Approved"), (20003, "Obsolete"),
                                                  (20004, "Needs Review")])
def test_status_names_are_translated_and_unmapped_names_pass_through(status_id, expected):
    assert mapped(status={"id": status_id, "self": "x"}).payload["properties"]["Status"] == expected


def test_rules_from_a_mapping_file_change_the_translation():
    rules = MappingRules(priorities={"Normal": "P2", "Blocker": "P0"}, statuses={"Draft": "Draft"})
    props = mapped(ctx=context(rules), priority={"id": 10004, "self": "x"}).payload["properties"]
    assert props["Priority"] == "P0" and props["Status"] == "Draft"


def test_unknown_priority_id_is_a_warning_and_leaves_priority_out():
    result = mapped(priority={"id": 99999, "self": "x"})
    assert "Priority" not in result.payload["properties"]
    assert len(result.warnings) == 1
    warning = result.warnings[0].message
    assert result.warnings[0].kind == WarningKind.UNKNOWN_VALUE
    assert "SA-T10" in warning and "99999" in warning and "priority" in warning.lower()
    assert result.payload["properties"]["Status"] == "New"


def test_unknown_status_id_is_a_warning_and_leaves_status_out():
    result = mapped(status={"id": 77, "self": "x"})
    assert "Status" not in result.payload["properties"]
    assert any("77" in w and "status" in w.lower() for w in messages(result))


@pytest.mark.parametrize("link", [None, {}, {"id": None}])
def test_absent_priority_link_leaves_priority_out_without_warning(link):
    result = mapped(priority=link)
    assert "Priority" not in result.payload["properties"]
    assert result.warnings == []


def test_zephyr_key_goes_into_the_default_key_field():
    assert mapped().payload["properties"]["Zephyr Key"] == "SA-T10"


def test_zephyr_key_goes_into_the_configured_key_field():
    props = mapped(ctx=context(MappingRules(key_field="Legacy ID"))).payload["properties"]
    assert props["Legacy ID"] == "SA-T10"
    assert "Zephyr Key" not in props


# --- inline steps -----------------------------------------------------------------------------------

def test_inline_steps_keep_their_order_description_and_expected_result():
    steps = [inline("Open the app", expected="App opens"), inline("Log in", expected="Dashboard"),
             inline("Log out")]
    result = mapped(steps=steps)
    assert result.payload["steps"] == [
        {"description": "Open the app", "expected": "App opens", "called": None},
        {"description": "Log in", "expected": "Dashboard", "called": None},
        {"description": "Log out", "expected": "", "called": None},
    ]
    assert result.depends_on == []


def test_test_data_is_appended_to_the_description():
    step = mapped(steps=[inline("Attempt to login", test_data="Username = SmartBear Password = weLove")])
    assert step.payload["steps"][0]["description"] == (
        "Attempt to login<br><b>Test data:</b> Username = SmartBear Password = weLove")


def test_step_custom_fields_are_appended_by_name_after_test_data_with_readable_values():
    custom = {"Browser": "Chrome", "Automated": False, "Tags": ["smoke", "ui"], "Build": 20, "Empty": "",
              "Nothing": None, "No tags": [], "Zero": 0}
    description = mapped(steps=[inline("Do it", test_data="x=1", custom=custom)]).payload["steps"][0]["description"]
    assert description == ("Do it<br><b>Test data:</b> x=1<br><b>Automated:</b> no<br><b>Browser:</b> Chrome"
                           "<br><b>Build:</b> 20<br><b>Tags:</b> smoke, ui<br><b>Zero:</b> 0")


def test_step_custom_field_names_are_escaped_as_html():
    description = mapped(steps=[inline("Do", custom={"A<B & C": "yes"})]).payload["steps"][0]["description"]
    assert "<b>A&lt;B &amp; C:</b> yes" in description


def test_step_text_is_kept_verbatim_including_html_and_unicode():
    text = "Öffne <b>das</b> Menü 菜单 🚀<br><ul><li>a &amp; b</li></ul>"
    step = mapped(steps=[inline(text, expected=text)]).payload["steps"][0]
    assert step["description"] == text and step["expected"] == text


@pytest.mark.parametrize("empty", [inline(), inline(""), inline("", expected="Something shows"),
                                   {"inline": {}, "testCase": None}, {"inline": None}])
def test_an_empty_step_gets_a_placeholder_and_a_warning(empty):
    result = mapped(steps=[inline("first"), empty])
    step = result.payload["steps"][1]
    assert step["description"] == EMPTY_STEP
    assert step["expected"] == ((empty.get("inline") or {}).get("expectedResult") or "")
    assert len(result.warnings) == 1
    assert "SA-T10" in result.warnings[0].message and "step 2" in result.warnings[0].message


def test_a_step_with_only_test_data_is_not_empty():
    result = mapped(steps=[inline(None, test_data="user=a")])
    assert result.payload["steps"][0]["description"] == "<b>Test data:</b> user=a"
    assert result.warnings == []


@pytest.mark.parametrize("steps", [None, []])
def test_a_case_without_steps_or_script_has_no_steps(steps):
    result = mapped(steps=steps)
    assert result.payload["steps"] == [] and result.depends_on == [] and result.warnings == []


# --- call-to-test steps ------------------------------------------------------------------------------

def test_a_call_step_names_the_callee_and_records_the_dependency():
    result = mapped(steps=[inline("Prepare"), call("SA-T123")])
    assert result.payload["steps"][1] == {"description": "Call to test SA-T123", "expected": "", "called": "SA-T123"}
    assert result.depends_on == ["SA-T123"]


def test_call_parameters_are_flattened_into_text():
    parameters = [{"name": "username", "type": "DEFAULT_VALUE", "value": "admin"},
                  {"name": "role", "type": "MANUAL_INPUT", "value": None},
                  {"name": "markup", "value": "<b>&"},
                  {"name": "flags", "type": "DEFAULT_VALUE", "value": ["a", "b"]}]
    step = mapped(steps=[call("SA-T2", parameters)]).payload["steps"][0]
    assert step["description"] == (
        "Call to test SA-T2<br><b>Parameters:</b> username = admin (default value); role =  (manual input); "
        "markup = &lt;b&gt;&amp; (default value); flags = a, b (default value)")
    assert step["called"] == "SA-T2"


def test_quotes_in_parameters_and_step_field_names_are_not_escaped():
    step = mapped(steps=[call("SA-T2", [{"name": "it's", "value": 'say "hi"'}])]).payload["steps"][0]
    assert step["description"].endswith("""it's = say "hi" (default value)""")
    description = mapped(steps=[inline("x", custom={'Tester\'s "pick"': "y"})]).payload["steps"][0]["description"]
    assert """<b>Tester's "pick":</b> y""" in description


def test_dependencies_are_unique_and_in_first_call_order():
    steps = [call("SA-T3"), call("SA-T1"), inline("x"), call("SA-T3"), call("SA-T2")]
    result = mapped(steps=steps)
    assert result.depends_on == ["SA-T3", "SA-T1", "SA-T2"]
    assert [s["called"] for s in result.payload["steps"]] == ["SA-T3", "SA-T1", None, "SA-T3", "SA-T2"]


def test_a_case_that_calls_itself_keeps_the_step_as_text_with_a_warning():
    result = mapped(steps=[inline("a"), call("SA-T10")])
    step = result.payload["steps"][1]
    assert step == {"description": "Call to test SA-T10", "expected": "", "called": None}
    assert result.depends_on == []
    assert len(result.warnings) == 1 and "SA-T10" in result.warnings[0].message and "step 2" in result.warnings[0].message


# --- scripts ------------------------------------------------------------------------------------------

PLAIN = "Attempt to login to the application<br>Then check the dashboard 🚀"
BDD = ("Feature: Login\n  Scenario: valid user\n    Given I am on the login page\n"
       "    When I enter \"admin\" & <secret>\n    Then I see the 仪表板\n")


@pytest.mark.parametrize("script", [{"id": 1, "type": "plain", "text": PLAIN}, {"id": 2, "type": "bdd", "text": BDD}])
def test_a_script_becomes_one_step_holding_the_text_verbatim(script):
    result = mapped(steps=[], script=script)
    assert result.payload["steps"] == [{"description": script["text"], "expected": "", "called": None}]
    assert result.depends_on == [] and result.warnings == []


@pytest.mark.parametrize("text", ["", None])
def test_an_empty_script_gives_no_steps(text):
    result = mapped(steps=[], script={"id": 1, "type": "plain", "text": text})
    assert result.payload["steps"] == []


def test_a_script_wins_over_steps_when_both_are_given():
    result = mapped(steps=[call("SA-T9")], script={"type": "plain", "text": "Only this"})
    assert [s["description"] for s in result.payload["steps"]] == ["Only this"]
    assert result.depends_on == []


def test_mapping_does_not_modify_its_inputs():
    raw, steps = case(), [inline("a", test_data="b", custom={"X": "y"}), call("SA-T2", [{"name": "p", "value": 1}])]
    before = repr((raw, steps))
    mapped_case = map_test_case(raw, steps, None, context())
    assert repr((raw, steps)) == before
    assert mapped_case.payload["steps"][0] is not steps[0]


# --- owner, labels, custom fields and other attributes ---------------------------------------------------

MAPPED, UNMAPPED = "5b10a2844c20165700ede21a", "557058:f1e2d3c4-0000-4000-8000-000000000001"
PLAN = {"Build Number": {"label": "Build Number", "kind": "number"},
        "Release Date": {"label": "Release Date", "kind": "date"},
        "Implemented": {"label": "Implemented", "kind": "check box"},
        "Catégorie": {"label": "Catégorie", "kind": "multi-select"},
        "Area": {"label": "Area", "kind": "combo box"},
        "Tester": {"label": "Tester", "kind": "user"},
        "Pre-Condition(s)": {"label": "Pre-Condition(s)", "kind": "text area"},
        "Labels": {"label": "Labels (Zephyr)", "kind": "text"}}


def enriched(**case_overrides):
    ctx = CaseContext(rules=MappingRules(), priorities=dict(PRIORITIES), statuses=dict(STATUSES), fields=PLAN,
                      users={MAPPED: "42"})
    return map_test_case(case(**case_overrides), [inline("s")], None, ctx)


def test_a_mapped_owner_becomes_assigned_to_by_qtest_user_id():
    result = enriched(owner={"self": "https://jira/user", "accountId": MAPPED})
    assert result.payload["properties"]["Assigned To"] == "42"
    assert result.warnings == []


def test_an_unmapped_owner_leaves_assigned_to_empty_and_is_reported_with_its_account_id():
    result = enriched(owner={"self": "https://jira/user", "accountId": UNMAPPED})
    assert "Assigned To" not in result.payload["properties"]
    assert messages(result) == [f"SA-T10: user {UNMAPPED} (owner) is not in the user mapping; left empty"]


def test_no_owner_is_no_warning():
    result = enriched(owner=None)
    assert "Assigned To" not in result.payload["properties"] and result.warnings == []


def test_labels_go_to_the_labels_field_once_each():
    props = enriched(labels=["Regression", "テスト", "R&D", "Regression", ""]).payload["properties"]
    assert props["Labels"] == ["Regression", "テスト", "R&D"]
    assert "Labels" not in enriched(labels=[]).payload["properties"]


def test_custom_fields_become_properties_under_their_planned_label():
    props = enriched(customFields={
        "Build Number": 20, "Release Date": "2020-01-01", "Implemented": True, "Catégorie": ["Sécurité"],
        "Area": "Data & Analytics", "Tester": MAPPED,
        "Pre-Condition(s)": "Logged in.<br>On the admin panel &amp; ready",
        "Labels": "legacy labels"}).payload["properties"]
    assert {label: value for label, value in props.items() if label not in ("Zephyr Key", "Priority", "Status")} == {
        "Build Number": "20", "Release Date": "2020-01-01T00:00:00+00:00", "Implemented": True,
        "Catégorie": ["Sécurité"], "Area": "Data & Analytics", "Tester": "42",
        "Pre-Condition(s)": "Logged in.\nOn the admin panel & ready", "Labels (Zephyr)": "legacy labels"}


def test_null_and_empty_custom_values_and_unticked_checkboxes_leave_the_fields_empty():
    result = enriched(customFields={"Build Number": None, "Catégorie": [], "Area": "", "Tester": None,
                                    "Implemented": False})
    assert set(result.payload["properties"]) == {"Zephyr Key", "Priority", "Status"}
    assert result.warnings == []


def test_an_unmapped_user_in_a_custom_field_is_reported_and_left_empty():
    result = enriched(customFields={"Tester": UNMAPPED})
    assert "Tester" not in result.payload["properties"]
    assert messages(result) == [f"SA-T10: user {UNMAPPED} (custom field 'Tester') is not in the user mapping; "
                               "left empty"]


def test_a_value_that_does_not_fit_its_planned_kind_is_reported_and_left_empty():
    result = enriched(customFields={"Build Number": "twenty"})
    assert "Build Number" not in result.payload["properties"]
    assert len(result.warnings) == 1 and "Build Number" in result.warnings[0].message and "twenty" in result.warnings[0].message


def test_a_custom_field_missing_from_the_plan_is_reported():
    result = enriched(customFields={"Surprise": "x"})
    assert messages(result) == ["SA-T10: custom field 'Surprise' is not in the field plan; left out"]


@pytest.mark.parametrize("milliseconds, minutes", [(138000, "2.3"), (15000, "0.25"), (60000, "1"), (0, "0"),
                                                   (3600000, "60"), (1000, "0.02")])
def test_the_estimate_is_kept_in_minutes(milliseconds, minutes):
    assert enriched(estimatedTime=milliseconds).payload["properties"]["Estimated Time (minutes)"] == minutes


def test_component_and_links_are_kept_as_text():
    props = enriched(component={"id": 10101, "self": "https://jira/component/10101"}, links={
        "issues": [{"issueId": 10042, "type": "COVERAGE"}, {"issueId": 10043, "type": None}],
        "webLinks": [{"url": "https://example.invalid/ünïcode path/", "description": "Docs & notes"},
                     {"url": "https://github.com/x#1", "description": ""}]}).payload["properties"]
    assert props["Jira Component ID"] == "10101"
    assert props["Jira Issue Links"] == "Jira issue 10042 (COVERAGE)\nJira issue 10043"
    assert props["Web Links"] == "Docs & notes: https://example.invalid/ünïcode path/\nhttps://github.com/x#1"


def test_no_estimate_component_or_links_adds_no_property():
    props = enriched(estimatedTime=None, component=None, links={"issues": [], "webLinks": []}).payload["properties"]
    assert set(props) == {"Zephyr Key", "Priority", "Status"}
