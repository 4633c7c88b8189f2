"""Iterators over every item of a paged list, page after page (sync and async).

:class:`Paging` says, for one list operation, where the items are in an answer and how the
next page is asked for: an offset and a size, a page number, a cursor (given by the answer,
or the id of the last item), a next-page link in the body, or a ``Link: <...>; rel="next"``
header. A generated client fills it from the same reading of the document the generated
service pages by.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from ._models import parse
from ._types import Unset

T = TypeVar("T")
Path = tuple[str, ...]


@dataclass(frozen=True)
class Paging:
    """How one list operation pages (wire names of query parameters, paths into the answer)."""

    items: Path = ()
    limit: str | None = None
    offset: str | None = None
    page: str | None = None
    page_base: int = 1
    cursor: str | None = None
    next_cursor: Path | None = None
    cursor_from_item: str | None = None
    has_more: Path | None = None
    next_link: Path | None = None
    link_header: bool = False
    total: Path | None = None
    default_size: int | None = None


def dig(data: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def next_request(
    paging: Paging, query: Mapping[str, Any], data: Any, response: httpx.Response, count: int
) -> tuple[dict[str, Any], str | None] | None:
    """The query (and the URL, for a link) of the page after this one; None after the last."""
    if count == 0:
        return None
    if paging.link_header:
        link = response.links.get("next", {}).get("url")
        if link:
            return dict(query), str(link)
    if paging.next_link is not None:
        link = dig(data, paging.next_link)
        if isinstance(link, str) and link:
            return dict(query), link
    if paging.has_more is not None and dig(data, paging.has_more) is False:
        return None
    nxt = {k: v for k, v in query.items() if not isinstance(v, Unset)}
    size = _int(nxt.get(paging.limit)) if paging.limit else None
    size = size if size is not None else paging.default_size
    if paging.cursor is not None:
        cursor: Any = None
        if paging.next_cursor is not None:
            cursor = dig(data, paging.next_cursor)
        elif paging.cursor_from_item is not None:
            items = dig(data, paging.items)
            last = items[-1] if isinstance(items, Sequence) and items else None
            cursor = last.get(paging.cursor_from_item) if isinstance(last, Mapping) else None
        if cursor in (None, "") or cursor == nxt.get(paging.cursor):
            return None
        nxt[paging.cursor] = cursor
        return nxt, None
    if size is not None and count < size:
        return None
    if paging.offset is not None:
        offset = (_int(nxt.get(paging.offset)) or 0) + count
        total = _int(dig(data, paging.total)) if paging.total is not None else None
        if total is not None and offset >= total:
            return None
        nxt[paging.offset] = offset
        return nxt, None
    if paging.page is not None:
        page = _int(nxt.get(paging.page))
        nxt[paging.page] = (page if page is not None else paging.page_base) + 1
        return nxt, None
    return None


def _items(data: Any, paging: Paging) -> list[Any]:
    items = dig(data, paging.items)
    return list(items) if isinstance(items, list) else []


class SyncPager(Generic[T]):
    """Every item of a list, fetching the pages as the iteration reaches them."""

    def __init__(
        self,
        fetch: Callable[[Mapping[str, Any], str | None], httpx.Response],
        paging: Paging,
        item: Any,
        query: Mapping[str, Any],
    ) -> None:
        self._fetch = fetch
        self._paging = paging
        self._item = item
        self._query = dict(query)

    def pages(self) -> Iterator[list[T]]:
        """The items page by page."""
        query: dict[str, Any] = self._query
        url: str | None = None
        while True:
            response = self._fetch(query, url)
            data = response.json()
            raw = _items(data, self._paging)
            yield [parse(self._item, value) for value in raw]
            step = next_request(self._paging, query, data, response, len(raw))
            if step is None:
                return
            query, url = step

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page


class AsyncPager(Generic[T]):
    """Every item of a list (``async for``), fetching the pages as the iteration reaches them."""

    def __init__(
        self,
        fetch: Callable[[Mapping[str, Any], str | None], Awaitable[httpx.Response]],
        paging: Paging,
        item: Any,
        query: Mapping[str, Any],
    ) -> None:
        self._fetch = fetch
        self._paging = paging
        self._item = item
        self._query = dict(query)

    async def pages(self) -> AsyncIterator[list[T]]:
        """The items page by page."""
        query: dict[str, Any] = self._query
        url: str | None = None
        while True:
            response = await self._fetch(query, url)
            data = response.json()
            raw = _items(data, self._paging)
            yield [parse(self._item, value) for value in raw]
            step = next_request(self._paging, query, data, response, len(raw))
            if step is None:
                return
            query, url = step

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page:
                yield item
