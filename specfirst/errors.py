"""Problems found in a spec, and the exception that carries them.

A problem is either a refusal (collected into a :class:`SpecError`) or, when the defect is
repairable and the meaning clear, a warning that says what was assumed
(``Problem.assumed``); in strict mode every warning is a refusal.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Characters a pointer shows escaped (``\x00``): a message is one line of plain text."""


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
    assumed: str | None = None
    """For a warning: the repair the generator goes on with (None for a refusal)."""

    def __str__(self) -> str:
        """Render as ``file:line:column: pointer: message`` (position omitted when unknown),
        followed by ``; assumed: ...`` for a warning."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        pointer = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", self.pointer) or "/"
        text = f"{where}: {pointer}: {self.message}"
        return f"{text}; assumed: {self.assumed}" if self.assumed else text

    def as_refusal(self) -> Problem:
        """The same problem without its repair: what ``--strict`` refuses."""
        return dataclasses.replace(self, assumed=None)


class SpecError(Exception):
    """Raised when a spec cannot be used; lists every problem found, in document order."""

    problems: list[Problem]

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(problem) for problem in self.problems)
