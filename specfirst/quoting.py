"""The one way document text enters generated code: one quoting function per context.

A document is data written by someone else. Whatever it says reaches a generated file
through exactly one of these:

- :func:`py_literal`: a Python expression for a JSON value (strings always escaped by
  ``repr``; never text between quotes in a template);
- :func:`comment_text`: text folded to one line for a ``#`` comment (every line break
  folded, NUL and other control characters removed);
- :func:`docstring_text`: text for the inside of a triple-quoted docstring (every backslash and
  double quote escaped, so nothing in it can end the string or start an escape);
- identifiers and module or file names: :mod:`specfirst.naming` only.

A docstring holds document text only through :func:`docstring_text` (the generated client's
methods and models); elsewhere document text goes into a string constant (a
``description=`` literal) or a comment. The templates use these as the Jinja filters
``py_literal`` and ``comment`` (see :data:`FILTERS`); ``tests/test_template_quoting.py``
fails when a template interpolates anything else.
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from collections.abc import Callable
from typing import Any

# Everything str.splitlines() breaks on, plus the Unicode separators: a comment is one line.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def py_literal(value: Any) -> str:
    """A Python expression for a JSON value (YAML/JSON scalars, lists and mappings).

    Strings are ``repr``-escaped; non-finite floats (which ``repr`` would spell as the bare
    names ``inf`` and ``nan``) become ``float('inf')`` and friends.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if value is None or isinstance(value, (str, int, float, bytes)):
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def comment_text(text: Any) -> str:
    """``text`` as the body of a one-line ``#`` comment.

    Line breaks of every kind (``\\n``, ``\\r``, form feed, vertical tab, U+0085, U+2028,
    U+2029 ...) become spaces; NUL, other control characters and lone surrogates are removed.
    """
    out: list[str] = []
    for ch in str(text):
        if ch in _LINE_BREAKS or ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def docstring_text(text: Any, indent: int = 0, width: int = 88) -> str:
    """``text`` as the inside of a triple-quoted docstring, its lines after the first
    indented by ``indent`` spaces, a line longer than ``width`` columns (with its indent)
    wrapped at spaces.

    Every backslash is doubled and every double quote escaped, so nothing in the text can end
    the string literal or form an escape sequence; line breaks of every kind become ``\\n``,
    tabs spaces, and NUL, other control characters and lone surrogates are removed. Leading
    and trailing blank lines and trailing spaces go; blank lines inside stay.
    """
    out: list[str] = []
    for ch in str(text).replace("\r\n", "\n"):
        if ch in _LINE_BREAKS:
            out.append("\n")
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        elif ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        else:
            out.append(ch)
    lines = [line.rstrip() for line in "".join(out).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if lines:
        lines[0] = lines[0].lstrip()
    room = max(40, width - indent)
    wrapped: list[str] = []
    for line in lines:
        lead = line[: len(line) - len(line.lstrip())]
        if len(line) <= room:
            wrapped.append(line)
            continue
        wrapped += textwrap.wrap(
            line,
            room,
            subsequent_indent=lead,
            break_long_words=False,
            break_on_hyphens=False,
        )
    lines = wrapped
    pad = " " * indent
    return "\n".join(
        line if index == 0 or not line else pad + line for index, line in enumerate(lines)
    )


FILTERS: dict[str, Callable[..., str]] = {
    "py_literal": py_literal,
    "comment": comment_text,
    "docstring": docstring_text,
}
"""The Jinja filters through which a template may print document text."""
