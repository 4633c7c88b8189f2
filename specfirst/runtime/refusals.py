"""Which status answers a refused request: the one the spec declares, else HTTP's own.

Every refusal a generated service makes has a kind (a missing credential, a parameter that
does not match its schema, an unknown id ...). Each kind has statuses that can carry it, in
order of preference. An operation's refusal is answered with:

1. the first of them the operation declares exactly;
2. else the first whose range (``4XX``) it declares;
3. else, when it declares ``default``, the first of them;
4. else the *fallback*, HTTP's own status for that refusal.

In the last case the spec is silent: the operation can refuse such a request, and declares
no response for it. The service still refuses (it cannot accept what it must refuse), with an
undeclared status; that is a *spec gap*, not a failure of the service.

This one table and ``choose`` serve both the generator (``specfirst plan`` lists the gaps,
the generated tests expect these statuses) and every generated service, which carries this
module verbatim as ``app/core/refusals.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    kind: str
    preferred: tuple[int, ...]
    fallback: int
    what: str
    """The requests refused, in words: "a missing or wrong credential"."""


CREDENTIALS = Refusal("credentials", (401, 403), 401, "a missing or wrong credential")
INVALID = Refusal(
    "invalid",
    (400, 422),
    422,
    "a query, header, cookie or body value that does not match its schema",
)
INVALID_PATH = Refusal(
    "invalid_path",
    (400, 422, 404),
    422,
    "a path parameter that does not match its schema (the path names nothing)",
)
MALFORMED_BODY = Refusal("malformed_body", (400, 422), 400, "a body that cannot be parsed")
NOT_FOUND = Refusal("not_found", (404, 400), 404, "an id that names no stored item")
CONFLICT = Refusal("conflict", (409, 400, 422), 409, "an id that is already taken")
TOO_LARGE = Refusal("too_large", (413,), 413, "a request body over the size limit")
"""Always 413, in the declared 413's shape, else in the shape of the errors the operation
declares (see ``errors.answering_response``). It is a limit of the service, not a request
the document describes, so ``specfirst plan`` lists no gap for it."""

REFUSALS: tuple[Refusal, ...] = (
    CREDENTIALS,
    INVALID,
    INVALID_PATH,
    MALFORMED_BODY,
    NOT_FOUND,
    CONFLICT,
    TOO_LARGE,
)
BY_KIND: dict[str, Refusal] = {r.kind: r for r in REFUSALS}


def declared_keys(declared: Iterable[str | int | None]) -> set[str]:
    """Response keys as compared: ``"404"``, ``"4XX"``, ``"DEFAULT"``."""
    return {str(k).upper() for k in declared if k is not None}


def choose(declared: Iterable[str | int | None], refusal: Refusal) -> int | None:
    """The status answering ``refusal`` given the declared response keys; None if none fits."""
    keys = declared_keys(declared)
    for status in refusal.preferred:
        if str(status) in keys:
            return status
    for status in refusal.preferred:
        if f"{str(status)[0]}XX" in keys:
            return status
    if "DEFAULT" in keys:
        return refusal.preferred[0]
    return None


def status_for(declared: Iterable[str | int | None], refusal: Refusal) -> int:
    """The status answering ``refusal``: the chosen one, else the fallback (a spec gap)."""
    chosen = choose(declared, refusal)
    return refusal.fallback if chosen is None else chosen


def declares_success(declared: Iterable[str | int | None]) -> bool:
    keys = declared_keys(declared)
    return "DEFAULT" in keys or "2XX" in keys or any(k.startswith("2") for k in keys)
