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
undeclared status; that is a *spec gap*, not a failure of the service. ``specfirst plan``
lists the gaps of a document, and ``specfirst fuzz`` reports an undeclared status that a gap
accounts for as a gap, with the response to declare.

The generated services carry the same table (``app/core/errors.py``); ``gaps`` says which
refusals an operation can make at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from specfirst.ir import NO_VALUE, Operation


@dataclass(frozen=True)
class Refusal:
    kind: str
    preferred: tuple[int, ...]
    fallback: int
    what: str
    """The requests refused, in words: "a missing or wrong credential"."""


CREDENTIALS = Refusal("credentials", (401, 403), 401, "a missing or wrong credential")
INVALID = Refusal(
    "invalid", (400, 422), 422, "a query, header, cookie or body value that does not match its schema"
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

REFUSALS: tuple[Refusal, ...] = (
    CREDENTIALS,
    INVALID,
    INVALID_PATH,
    MALFORMED_BODY,
    NOT_FOUND,
    CONFLICT,
)
BY_KIND = {r.kind: r for r in REFUSALS}


def _keys(declared: Iterable[str | int]) -> set[str]:
    return {str(k).upper() for k in declared}


def choose(declared: Iterable[str | int], refusal: Refusal) -> int | None:
    """The status answering ``refusal`` given the declared response keys; None if none fits."""
    keys = _keys(declared)
    for status in refusal.preferred:
        if str(status) in keys:
            return status
    for status in refusal.preferred:
        if f"{str(status)[0]}XX" in keys:
            return status
    if "DEFAULT" in keys:
        return refusal.preferred[0]
    return None


def status_for(op: Operation, refusal: Refusal) -> int:
    """The status the operation answers ``refusal`` with (the fallback where the spec is silent)."""
    chosen = choose((r.status for r in op.responses), refusal)
    return refusal.fallback if chosen is None else chosen


def declares_success(declared: Iterable[str | int]) -> bool:
    keys = _keys(declared)
    return "DEFAULT" in keys or "2XX" in keys or any(k.startswith("2") for k in keys)


@dataclass(frozen=True)
class Gap:
    """A refusal (or a success) an operation can answer and its spec declares no response for."""

    operation: Operation
    kind: str
    status: int
    """What the service answers instead (HTTP's status for it)."""
    what: str

    @property
    def label(self) -> str:
        return f"{self.operation.method.upper()} {self.operation.path}"

    def render(self) -> str:
        if self.kind == "success":
            return f"{self.label}: declares no success response; a success answers {self.status}"
        refusal = BY_KIND[self.kind]
        wanted = " or ".join(str(s) for s in refusal.preferred)
        return (
            f"{self.label}: refuses {self.what} with {self.status}, and declares no {wanted} "
            f"(nor 4XX, nor default)"
        )


def _can_fail(op: Operation, location: str) -> bool:
    """Whether a parameter in ``location`` can fail validation (a bare string cannot)."""
    for p in op.parameters:
        if p.location != location:
            continue
        if location != "path" and p.required:
            return True
        schema = p.schema.target() if p.schema is not None else None
        if schema is None or p.content:
            return True
        if tuple(schema.types) != ("string",) or schema.enum is not None or schema.const is not NO_VALUE:
            return True
        if schema.format or any(k in schema.constraints for k in ("pattern", "minLength", "maxLength")):
            return True
    return False


def gaps(op: Operation, *, success_status: int, crud_kinds: Iterable[str] = ()) -> list[Gap]:
    """The refusals ``op`` can make that its spec declares no response for.

    ``crud_kinds`` are the refusals its generated CRUD makes (``not_found``, ``conflict``);
    ``success_status`` is what the route answers when the spec declares no success.
    """
    declared = [r.status for r in op.responses]
    found: list[Gap] = []
    kinds: list[str] = []
    requirements = op.effective_security
    if requirements and all(requirements):
        kinds.append("credentials")
    body = op.request_body
    if body is not None and body.contents:
        kinds += ["invalid", "malformed_body"]
    elif any(_can_fail(op, where) for where in ("query", "header", "cookie")):
        kinds.append("invalid")
    if _can_fail(op, "path"):
        kinds.append("invalid_path")
    kinds += [k for k in crud_kinds if k not in kinds]
    for kind in kinds:
        refusal = BY_KIND[kind]
        if choose(declared, refusal) is None:
            found.append(Gap(op, kind, refusal.fallback, refusal.what))
    if not declares_success(declared):
        found.append(Gap(op, "success", success_status, "a success"))
    return found
