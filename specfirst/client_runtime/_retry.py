"""When to retry a request and how long to wait: exponential backoff with jitter, or what the
server asks for in ``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms``."""

from __future__ import annotations

import datetime
import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` retries after the first attempt (0: never retry).

    The n-th retry waits ``initial_delay * 2**(n-1)`` seconds, at most ``max_delay``, minus
    up to ``jitter`` of it at random; a ``Retry-After`` the server sends is honoured instead,
    up to ``max_retry_after`` seconds (beyond that the error is raised).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def retryable_status(self, status: int) -> bool:
        """408, 429 and 5xx but 501 (not implemented: asking again will not change that)."""
        return status in RETRY_STATUSES or (status >= 500 and status != 501)

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based) when the server says nothing."""
        delay = min(self.initial_delay * 2 ** max(retry - 1, 0), self.max_delay)
        return float(delay * (1.0 - self.jitter * self.random()))

    def delay(self, retry: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retry ``retry``; None when the server asks for longer than
        ``max_retry_after``."""
        asked = retry_after(response) if response is not None else None
        if asked is None:
            return self.backoff(retry)
        return asked if asked <= self.max_retry_after else None


def retry_after(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """The wait the server asks for, in seconds, if any."""
    millis = response.headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # an HTTP date is in GMT
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return max(parsed.timestamp() - now(), 0.0)


def may_retry(method: str, idempotency_header: str | None) -> bool:
    """Whether a request may be sent twice: an idempotent method, or one the server
    deduplicates by an idempotency key."""
    return method.upper() in IDEMPOTENT_METHODS or idempotency_header is not None
