"""The PagedList envelope every Zephyr v2 list route answers with.

The spec lets the server return fewer results than asked ("callers should
always check the returned maxResults"), so the simulator caps `maxResults`
silently and echoes the value it actually used. A client that pages with the
value it asked for skips records here, exactly as it would in production.
"""

from urllib.parse import urlencode

DEFAULT_MAX_RESULTS = 10


def page_window(request, cap):
    """(startAt, effective maxResults) of a list request; invalid values answer 400."""
    start_at = request.int_arg("startAt", default=0, minimum=0)
    max_results = request.int_arg("maxResults", default=DEFAULT_MAX_RESULTS, minimum=1)
    return start_at, min(max_results, cap)


def paged(request, records, render, next_base, cap):
    """The page of `records` the request asks for, each passed through `render`.

    `next_base` is the absolute URL of the route; `next` repeats the request's
    other query parameters with the following startAt and the effective maxResults.
    """
    start_at, max_results = page_window(request, cap)
    window = records[start_at:start_at + max_results]
    total = len(records)
    is_last = start_at + len(window) >= total
    return {
        "next": None if is_last else _next_url(request, next_base, start_at + max_results, max_results),
        "startAt": start_at,
        "maxResults": max_results,
        "total": total,
        "isLast": is_last,
        "values": [render(record) for record in window],
    }


def _next_url(request, base, start_at, max_results):
    kept = [(name, value) for name, values in request.query.items() if name not in ("startAt", "maxResults") for value in values]
    return f"{base}?{urlencode(kept + [('startAt', start_at), ('maxResults', max_results)])}"
