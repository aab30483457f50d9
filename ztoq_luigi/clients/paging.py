"""The one paginator both clients read their listings with, and the paging styles of the two APIs.

`paginate` is the only loop that walks pages: it asks a style for the
first request, reads the page's items, and asks the style for the next
request until the style says the listing is done. A style knows its API's
rules, and nothing else does:

- ZephyrOffsets: the v2 PagedList (`startAt`, `maxResults`, `values`,
  `isLast`, `total`). The server may lower the page size silently, so the
  size it returns is used from then on; and `startAt` "should be a multiple
  of maxResults" (a server may compute pages from that quotient), so every
  request's startAt is a multiple of the maxResults sent with it: where the
  position reached is not a multiple of the size (the size changed
  mid-list, or a page came back short), the next request asks for a smaller
  size that divides the position (aligned_page_size), which never re-reads
  or skips a record, and the pages after it are full again.
- QTestPages: `page` from 1 and a size parameter (`size` or `pageSize`, as
  each swagger operation names it), the answer a bare array or an
  `{items, page_size, total}` envelope; it always states its page size,
  never trusting a default, and ends on a short page or at `total`.
"""

from dataclasses import dataclass
from typing import Optional


def paginate(fetch, style):
    """Yield every item of a listing; `fetch(params)` returns one page's payload."""
    params = style.first()
    while params is not None:
        page = fetch(params)
        items = style.items(page, params)
        yield from items
        params = style.following(params, page, items)


def aligned_page_size(position, limit):
    """The page size to ask for at `position`, which must be a multiple of it; never more than `limit`.

    `limit` itself when the position is a multiple of it; else the gap to the
    next multiple of `limit` if the position is a multiple of that gap (one
    short page, then full ones); else the largest size that divides the
    position, from which later pages work their way back up.
    """
    gap = limit - position % limit
    if position % gap == 0:
        return gap
    return next(size for size in range(min(limit, position), 0, -1) if position % size == 0)


class ZephyrOffsets:
    """Zephyr Scale v2 PagedList paging; `check(page, position)` raises on a malformed page."""

    def __init__(self, page_size, check):
        self.size = page_size
        self._check = check

    def first(self):
        return {"startAt": 0, "maxResults": aligned_page_size(0, self.size)}

    def items(self, page, params):
        self._check(page, params["startAt"])
        return page.get("values") or []

    def following(self, params, page, items):
        position = params["startAt"] + len(items)
        if page["maxResults"] < params["maxResults"]:
            self.size = max(page["maxResults"], 1)
        total = page.get("total")
        if page.get("isLast") or not items or (total is not None and position >= total):
            return None
        return {"startAt": position, "maxResults": aligned_page_size(position, self.size)}


@dataclass(frozen=True)
class QTestPages:
    """How a qTest listing pages, as its swagger operation documents it: the size parameter and the answer's shape.

    `size_param` None: the operation documents no paging, and the whole list
    comes in one answer (paging it would read the whole list again for
    every page).
    """

    size_param: Optional[str]
    envelope: bool = False
    page_size: int = 100

    def first(self):
        return {} if self.size_param is None else {"page": 1, self.size_param: self.page_size}

    def items(self, page, params):
        return page["items"] if self.envelope else page

    def following(self, params, page, items):
        if self.size_param is None:
            return None
        size = page["page_size"] if self.envelope else self.page_size
        total = page.get("total") if self.envelope else None
        if len(items) < size or (total is not None and (params["page"] - 1) * size + len(items) >= total):
            return None
        return dict(params, page=params["page"] + 1)
