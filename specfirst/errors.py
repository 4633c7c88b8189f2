"""Problems found in a spec, and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a spec document, located by file, JSON pointer and (if known) position."""

    file: str
    """The file as displayed: as the user passed it, or relative to the root spec's directory."""
    pointer: str
    """RFC 6901 JSON pointer inside ``file``; ``""`` is the document root."""
    message: str
    line: int | None = None
    """1-based line, when known."""
    column: int | None = None
    """1-based column, when known."""

    def __str__(self) -> str:
        """Render as ``file:line:column: pointer: message`` (position omitted when unknown)."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.pointer or '/'}: {self.message}"


class SpecError(Exception):
    """Raised when a spec cannot be used; lists every problem found, in document order."""

    problems: list[Problem]

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(problem) for problem in self.problems)
