"""The ``UNSET`` sentinel: a value that is not sent at all (distinct from ``None``, sent as null)."""

from __future__ import annotations

from typing import Any, Final, Literal, TypeVar

T = TypeVar("T")


class Unset:
    """The type of :data:`UNSET`; there is only one instance."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:  # noqa: PYI034 - one instance, never a subclass
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False

    def __copy__(self) -> Unset:
        return self

    def __deepcopy__(self, memo: Any) -> Unset:
        return self

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()
"""Leave the parameter (or property) out of the request."""


def is_set(value: T | Unset) -> bool:
    return not isinstance(value, Unset)
