"""The refusals an operation can make, and the spec gaps `specfirst plan` lists.

The table of refusals and ``choose`` (which status answers each kind) live in
``specfirst.runtime.refusals``, the module every generated service carries verbatim as
``app/core/refusals.py``: the generator and the services decide with the same code. What
depends on the document (an operation's declared responses, which refusals it can make at
all) is here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from specfirst.ir import NO_VALUE, Operation
from specfirst.runtime import refusals as _table
from specfirst.runtime.refusals import (
    BY_KIND,
    CONFLICT,
    CREDENTIALS,
    INVALID,
    INVALID_PATH,
    MALFORMED_BODY,
    NOT_FOUND,
    REFUSALS,
    TOO_LARGE,
    Refusal,
    choose,
    declares_success,
)

__all__ = [
    "BY_KIND",
    "CONFLICT",
    "CREDENTIALS",
    "INVALID",
    "INVALID_PATH",
    "MALFORMED_BODY",
    "NOT_FOUND",
    "REFUSALS",
    "TOO_LARGE",
    "Gap",
    "Refusal",
    "choose",
    "declares_success",
    "gaps",
    "status_for",
]


def status_for(op: Operation, refusal: Refusal) -> int:
    """The status the operation answers ``refusal`` with (the fallback where the spec is silent)."""
    return _table.status_for((r.status for r in op.responses), refusal)


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
        if (
            tuple(schema.types) != ("string",)
            or schema.enum is not None
            or schema.const is not NO_VALUE
        ):
            return True
        if schema.format or any(
            k in schema.constraints for k in ("pattern", "minLength", "maxLength")
        ):
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
