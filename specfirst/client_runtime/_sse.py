"""``text/event-stream`` answers: events parsed as the HTML standard says, and iterators
that yield each event's data decoded as the declared type (sync and async)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from ._models import parse

T = TypeVar("T")


@dataclass(frozen=True)
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None


class EventParser:
    """Feeds lines, returns the events they complete."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        line = line.rstrip("\r\n")
        if not line:
            if not self._data and not self._event:
                return None
            event = ServerSentEvent(
                event=self._event or "message",
                data="\n".join(self._data),
                id=self._id,
                retry=self._retry,
            )
            self._data, self._event = [], ""
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\x00" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None


def iter_events(lines: Iterable[str]) -> Iterator[ServerSentEvent]:
    parser = EventParser()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
    event = parser.feed("")
    if event is not None:
        yield event


def decode_event(event: ServerSentEvent, item: Any) -> Any:
    """The event's data as ``item`` (``str``: as it is; anything else: parsed from JSON)."""
    if item is str:
        return event.data
    if item is ServerSentEvent:
        return event
    return parse(item, json.loads(event.data))


class Stream(Generic[T]):
    """The events of an answer, each decoded; close it (or use ``with``) when done early."""

    def __init__(self, response: httpx.Response, item: Any) -> None:
        self.response = response
        self._item = item

    def events(self) -> Iterator[ServerSentEvent]:
        try:
            yield from iter_events(self.response.iter_lines())
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[T]:
        for event in self.events():
            yield decode_event(event, self._item)

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """The events of an answer (``async for``), each decoded."""

    def __init__(self, response: httpx.Response, item: Any) -> None:
        self.response = response
        self._item = item

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        parser = EventParser()
        try:
            async for line in self.response.aiter_lines():
                event = parser.feed(line)
                if event is not None:
                    yield event
            event = parser.feed("")
            if event is not None:
                yield event
        finally:
            await self.response.aclose()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for event in self.events():
            yield decode_event(event, self._item)

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
