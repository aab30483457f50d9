"""Files embedded in Zephyr rich text: which references are migrated, and how texts are rewritten."""

import pytest

from ztoq_luigi.mapping.attachments import (
    case_texts, execution_texts, file_name, find_files, log_files, payload_files, rewrite, rewrite_log,
    rewrite_payload,
)

ZEPHYR = "https://zephyr.example.com/v2"
HOST = "https://zephyr.example.com"


def test_images_are_found_whatever_the_quoting_and_case_of_the_markup():
    text = (f'<p><img src="{HOST}/files/1/a.png"></p><IMG alt=\'x\' SRC=\'{HOST}/files/2/b.png\'>'
            f'<img width=10 src={HOST}/files/3/c.png>')
    assert find_files(text, ZEPHYR) == [f"{HOST}/files/1/a.png", f"{HOST}/files/2/b.png", f"{HOST}/files/3/c.png"]


def test_entities_in_an_address_are_decoded_to_the_url_a_browser_would_fetch():
    text = f'<img src="{HOST}/files/1/shot.png?size=full&amp;v=2">'
    assert find_files(text, ZEPHYR) == [f"{HOST}/files/1/shot.png?size=full&v=2"]


def test_relative_addresses_are_taken_from_the_zephyr_host_not_its_api():
    text = '<img src="/files/1/a.png"> <img src="../rest/tests/1.0/attachment/image/77">'
    assert find_files(text, ZEPHYR) == [f"{HOST}/files/1/a.png", f"{HOST}/rest/tests/1.0/attachment/image/77"]


def test_a_file_embedded_twice_is_one_file():
    text = f'<img src="{HOST}/files/1/a.png"> again: <img src="/files/1/a.png">'
    assert find_files(text, ZEPHYR) == [f"{HOST}/files/1/a.png"]


def test_images_on_other_hosts_are_files_too():
    text = '<img src="https://jira.example.invalid/secure/attachment/4/e.png">'
    assert find_files(text, ZEPHYR) == ["https://jira.example.invalid/secure/attachment/4/e.png"]


@pytest.mark.parametrize("link", [
    "https://confluence.example.invalid/display/QA/Spec?x=1&amp;y=2",
    "https://jira.example.invalid/browse/APP-7",
    f"{HOST}/v2/testcases/SBX-T1",
    f"{HOST}/",
    "#top",
    "mailto:qa@example.com",
    "javascript:void(0)",
])
def test_links_to_pages_are_not_files(link):
    assert find_files(f'See <a href="{link}">this</a>.', ZEPHYR) == []


@pytest.mark.parametrize("link", [
    f"{HOST}/files/9/spec.pdf",
    "https://wiki.example.com/download/report.XLSX",
    "https://jira.example.invalid/secure/attachment/12/notes",
])
def test_links_to_documents_are_files(link):
    assert find_files(f'<a href="{link}" target="_blank">doc</a>', ZEPHYR) == [link]


def test_inline_data_and_escaped_markup_are_left_alone():
    text = '<img src="data:image/png;base64,iVBORw0KGgo="> &lt;img src="https://x.example/a.png"&gt;'
    assert find_files(text, ZEPHYR) == []


def test_no_text_has_no_files():
    assert find_files(None, ZEPHYR) == [] and find_files("", ZEPHYR) == []


def test_rewriting_replaces_only_the_address_and_keeps_quotes_and_attributes():
    text = (f'Before <img alt="shot" src="{HOST}/files/1/a.png" width="320"> middle '
            f"<a href='/files/2/b.pdf' target=\"_blank\">b.pdf</a> after")
    links = {f"{HOST}/files/1/a.png": "https://qtest.example/att/1",
             f"{HOST}/files/2/b.pdf": "https://qtest.example/att/2"}
    assert rewrite(text, links, ZEPHYR) == (
        'Before <img alt="shot" src="https://qtest.example/att/1" width="320"> middle '
        "<a href='https://qtest.example/att/2' target=\"_blank\">b.pdf</a> after")


def test_rewriting_points_every_occurrence_of_a_file_at_its_new_address():
    text = f'<img src="{HOST}/files/1/a.png"><img src="/files/1/a.png">'
    assert rewrite(text, {f"{HOST}/files/1/a.png": "N"}, ZEPHYR) == '<img src="N"><img src="N">'


def test_a_file_without_a_new_address_keeps_its_original_link():
    text = '<img src="https://jira.example.invalid/secure/attachment/4/e.png"> <a href="https://wiki/x">x</a>'
    assert rewrite(text, {f"{HOST}/files/1/a.png": "N"}, ZEPHYR) == text


def test_a_new_address_is_escaped_for_html_and_an_unquoted_one_gets_quotes():
    text = f"<img src={HOST}/files/1/a.png>"
    assert rewrite(text, {f"{HOST}/files/1/a.png": "https://q/x?a=1&b=\"2\""}, ZEPHYR) == (
        '<img src="https://q/x?a=1&amp;b=&quot;2&quot;">')


def test_case_texts_are_the_fields_qtest_receives():
    case = {"objective": "o", "precondition": None, "name": "not rich text"}
    steps = [{"inline": {"description": "d", "testData": "t", "expectedResult": "e", "customFields": {"Notes": "n"}}},
             {"testCase": {"testCaseKey": "SBX-T2"}}]
    assert sorted(case_texts(case, steps, None)) == ["d", "e", "n", "o", "t"]
    assert case_texts({"objective": ""}, [], {"text": "script"}) == ["script"]


def test_a_payload_is_rewritten_in_description_precondition_and_steps():
    image = f'<img src="{HOST}/files/1/a.png">'
    payload = {"name": "n", "module": "1", "description": image, "precondition": "p" + image, "properties": {},
               "steps": [{"description": "d" + image, "expected": image, "called": None}]}
    assert payload_files(payload, ZEPHYR) == [f"{HOST}/files/1/a.png"]
    new = rewrite_payload(payload, {f"{HOST}/files/1/a.png": "N"}, ZEPHYR)
    assert (new["description"], new["precondition"]) == ('<img src="N">', 'p<img src="N">')
    assert new["steps"] == [{"description": 'd<img src="N">', "expected": '<img src="N">', "called": None}]
    assert payload["description"] == image, "the original payload is not modified"


def test_execution_texts_are_the_comment_and_every_actual_result():
    execution = {"comment": "c &amp; more", "key": "SBX-E1"}
    results = [{"inline": {"actualResult": "a1", "description": "not executed text"}}, {"inline": {"actualResult": None}},
               {"testCase": {"actualResult": "a3"}}, None]
    assert execution_texts(execution, results) == ["c &amp; more", "a1", "a3"]
    assert execution_texts({"comment": None}, None) == []


def test_a_log_is_rewritten_in_its_note_and_actual_results_and_nothing_else():
    image, document = f'<img src="{HOST}/files/1/a.png">', f'<a href="{HOST}/files/2/b.pdf">b</a>'
    log = {"execution": "SBX-E1", "status": "Passed", "note": f"Seen: {image}\n\nZephyr execution SBX-E1",
           "steps": [{"order": 1, "status": "Passed", "actual_result": document + image},
                     {"order": 2, "status": "Failed", "actual_result": ""}]}
    assert log_files(log, ZEPHYR) == [f"{HOST}/files/1/a.png", f"{HOST}/files/2/b.pdf"]
    new = rewrite_log(log, {f"{HOST}/files/1/a.png": "N"}, ZEPHYR)
    assert new["note"] == 'Seen: <img src="N">\n\nZephyr execution SBX-E1'
    assert [step["actual_result"] for step in new["steps"]] == [document + '<img src="N">', ""]
    assert (new["execution"], new["status"], log["note"].startswith("Seen: <img src=\"https")) == ("SBX-E1", "Passed", True)
    assert log_files({"note": "Zephyr execution SBX-E2", "steps": []}, ZEPHYR) == []


@pytest.mark.parametrize("url, content_type, name", [
    (f"{HOST}/files/1/screenshot-21.png", "image/png", "screenshot-21.png"),
    (f"{HOST}/files/1/release%20notes.pdf?download=1", "application/pdf", "release notes.pdf"),
    (f"{HOST}/rest/tests/1.0/attachment/image/77", "image/png", "77.png"),
    (f"{HOST}/", None, "attachment"),
])
def test_a_file_is_named_after_the_last_segment_of_its_path(url, content_type, name):
    assert file_name(url, content_type) == name
