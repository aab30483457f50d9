"""The PagedList envelope every Zephyr v2 list route answers with.

The spec lets the server return fewer results than asked ("callers should
always check the returned maxResults"), so the simulator caps `maxResults`
silently and echoes the value it actually used. A client that pages with the
value it asked for skips records here, exactly as it would in production.

The spec also says `startAt` "should be a multiple of maxResults". The
simulator refuses a request that is not (400 with the spec's Error body)
rather than aligning it quietly: the multiple is checked against the
`maxResults` the request sent (10 when it sent none), because that is the
only value a client can know before the answer. So a client that asks for
1000, is silently given 100, and then asks for `startAt=100&maxResults=1000`
is told so at once instead of being served a page it did not mean.
Optional fields are left out rather than sent as null (the spec declares
none nullable), so the last page has no `next`.
"""

from urllib.parse import urlencode

from ztoq_luigi.sandbox.http import HttpError

DEFAULT_MAX_RESULTS = 10


def page_window(request, cap):
    """(startAt, effective maxResults) of a list request; invalid or misaligned values answer 400."""
    start_at = request.int_arg("startAt", default=0, minimum=0)
    max_results = request.int_arg("maxResults", default=DEFAULT_MAX_RESULTS, minimum=1)
    if start_at % max_results:
        raise HttpError(400, f"startAt must be a multiple of maxResults, got startAt={start_at} and "
                             f"maxResults={max_results}")
    return start_at, min(max_results, cap)


def paged(request, records, render, next_base, cap):
    """The page of `records` the request asks for, each passed through `render`.

    `next_base` is the absolute URL of the route; `next` repeats the request's
    other query parameters with the following startAt and the effective
    maxResults, which that startAt is a multiple of.
    """
    start_at, max_results = page_window(request, cap)
    window = records[start_at:start_at + max_results]
    total = len(records)
    is_last = start_at + len(window) >= total
    page = {
        "startAt": start_at,
        "maxResults": max_results,
        "total": total,
        "isLast": is_last,
        "values": [render(record) for record in window],
    }
    if not is_last:
        page = {"next": _next_url(request, next_base, start_at + max_results, max_results), **page}
    return page


def _next_url(request, base, start_at, max_results):
    kept = [(name, value) for name, values in request.query.items() if name not in ("startAt", "maxResults") for value in values]
    return f"{base}?{urlencode(kept + [('startAt', start_at), ('maxResults', max_results)])}"
