"""The one paginator and the two APIs' paging styles, without HTTP: which pages are asked for, when it stops."""

import pytest

from ztoq_luigi.clients.paging import QTestPages, ZephyrOffsets, aligned_page_size, paginate


@pytest.mark.parametrize("position, limit, size", [
    (0, 1000, 1000), (100, 100, 100), (3000, 1000, 1000), (100, 1000, 100), (340, 40, 20), (999, 1000, 1),
    (7, 5, 1), (8, 5, 2), (2, 3, 1), (30, 7, 5), (31, 7, 1),
])
def test_aligned_page_size_divides_the_position_and_leads_back_to_full_pages(position, limit, size):
    assert aligned_page_size(position, limit) == size


def zephyr_server(records, cap):
    """A Zephyr listing that caps maxResults at `cap` and refuses a misaligned startAt."""
    asked = []

    def fetch(params):
        asked.append((params["startAt"], params["maxResults"]))
        assert params["startAt"] % params["maxResults"] == 0, "misaligned"
        size = min(params["maxResults"], cap)
        values = records[params["startAt"]:params["startAt"] + size]
        return {"startAt": params["startAt"], "maxResults": size, "values": values,
                "isLast": params["startAt"] + size >= len(records)}

    return fetch, asked


def test_zephyr_pages_follow_a_lowered_cap_with_aligned_requests_and_read_everything_once():
    fetch, asked = zephyr_server(list(range(250)), cap=100)
    assert list(paginate(fetch, ZephyrOffsets(1000, lambda page, position: None))) == list(range(250))
    assert asked == [(0, 1000), (100, 100), (200, 100)]


def test_zephyr_paging_ends_on_an_empty_page_even_without_is_last():
    pages = iter([{"startAt": 0, "maxResults": 2, "values": [1, 2]}, {"startAt": 2, "maxResults": 2, "values": []}])
    assert list(paginate(lambda params: next(pages), ZephyrOffsets(2, lambda page, position: None))) == [1, 2]


def test_qtest_envelope_pages_state_their_size_and_stop_at_the_total():
    asked = []

    def fetch(params):
        asked.append(params)
        start = (params["page"] - 1) * 2
        return {"items": list(range(5))[start:start + 2], "page_size": 2, "total": 4}

    assert list(paginate(fetch, QTestPages("pageSize", envelope=True, page_size=2))) == [0, 1, 2, 3]
    assert asked == [{"page": 1, "pageSize": 2}, {"page": 2, "pageSize": 2}]


def test_qtest_array_pages_stop_on_a_short_page_and_an_unpaged_listing_is_one_request():
    pages = {1: [1, 2, 3], 2: [4]}
    assert list(paginate(lambda params: pages[params["page"]], QTestPages("size", page_size=3))) == [1, 2, 3, 4]
    calls = []
    assert list(paginate(lambda params: calls.append(params) or [7, 8], QTestPages(None))) == [7, 8]
    assert calls == [{}]
