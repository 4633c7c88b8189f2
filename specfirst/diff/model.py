"""What a diff finds: located, classified changes, and the report holding them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from specfirst.diff.rules import Direction, Level, level_rank


@dataclass(frozen=True)
class Finding:
    """A change as the comparison sees it, before the rules file gives it its level."""

    rule_id: str
    old_pointer: str
    new_pointer: str
    message: str


@dataclass(frozen=True)
class Location:
    """Where a pointer of a (bundled) document sits in its files."""

    file: str
    pointer: str
    """JSON pointer inside ``file`` (for a multi-file document: inside the file it came from)."""
    line: int | None


@dataclass
class Change:
    """One located, classified change between two documents."""

    rule_id: str
    level: Level
    direction: Direction
    old_pointer: str
    """JSON pointer in the old (bundled) document: the changed node, or where it was added."""
    new_pointer: str
    """JSON pointer in the new (bundled) document: the changed node, or where it was removed."""
    message: str
    operations: list[str] = field(default_factory=list)
    """``"GET /pets/{id}"`` of every operation the change affects (empty: document level)."""
    tags: list[str] = field(default_factory=list)
    """The tags of those operations (new side, else old side), in first-seen order."""
    operation_tags: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """The tags of each operation in ``operations``."""
    old_location: Location | None = None
    new_location: Location | None = None

    @property
    def breaking(self) -> bool:
        """True for an ``error``: it breaks existing clients."""
        return self.level == "error"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.rule_id,
            "level": self.level,
            "direction": self.direction,
            "message": self.message,
            "old": {"pointer": self.old_pointer},
            "new": {"pointer": self.new_pointer},
            "operations": self.operations,
            "tags": self.tags,
        }
        for key, location in (("old", self.old_location), ("new", self.new_location)):
            if location is not None:
                out[key] = {
                    "file": location.file,
                    "pointer": location.pointer,
                    "line": location.line,
                }
        return out


@dataclass
class Report:
    """The changes between two documents, most severe first, then in document order."""

    old: str
    new: str
    changes: list[Change]

    @property
    def breaking(self) -> list[Change]:
        """The ``error``-level changes: what breaks existing clients."""
        return [change for change in self.changes if change.level == "error"]

    def counts(self) -> dict[str, int]:
        """Number of changes per level (every level present, zero included)."""
        counted = Counter(change.level for change in self.changes)
        return {level: counted.get(level, 0) for level in ("error", "warning", "info")}

    def fails(self, fail_on: str) -> bool:
        """True when a change at or above ``fail_on`` exists."""
        threshold = level_rank(fail_on)
        return any(level_rank(change.level) >= threshold for change in self.changes)

    def summary(self, limit: int = 15) -> str:
        """A one-screen summary: the counts, then the most severe changes (at most ``limit``)."""
        counts = self.counts()
        lines = [
            (
                f"{self.old} -> {self.new}: {len(self.changes)} changes "
                f"({counts['error']} breaking, {counts['warning']} warnings, {counts['info']} info)"
            )
        ]
        shown = [c for c in self.changes if c.level != "info"][:limit]
        for change in shown:
            where = change.operations[0] if change.operations else change.new_pointer or "/"
            more = (
                f" (+{len(change.operations) - 1} operations)" if len(change.operations) > 1 else ""
            )
            lines.append(f"  {change.level:7} {change.rule_id}: {where}{more}: {change.message}")
        hidden = len([c for c in self.changes if c.level != "info"]) - len(shown)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (run `specfirst diff` for the whole list)")
        return "\n".join(lines)
