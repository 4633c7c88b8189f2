"""Runtime code of the generated services that does not depend on the document.

Each module here is real, linted and unit-tested Python. The generator imports what it
needs of it (the refusal table, for ``specfirst plan`` and the generated tests) and copies
every module verbatim into each service (``RUNTIME_MODULES``: module file -> output path),
under a one-line generated header. The modules import each other relatively (``from
.refusals import ...``) so that the same text works in this package and in ``app/core/``.
Whatever a service needs per document comes from its route declarations, never from here.
"""

from __future__ import annotations

from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent

# (module file in this package, path in the generated service, what it holds)
RUNTIME_MODULES: tuple[tuple[str, str, str], ...] = (
    ("refusals.py", "app/core/refusals.py", "which status answers each kind of refusal"),
    ("error_bodies.py", "app/core/error_bodies.py", "error bodies that fit any error schema"),
    ("errors.py", "app/core/errors.py", "error responses in the shape each operation declares"),
    ("docs.py", "app/core/docs.py", "/openapi.json as written, and the offline /docs and /redoc"),
    ("health.py", "app/core/health.py", "GET /healthz: ok or degraded, figures behind a setting"),
    (
        "request_limits.py",
        "app/core/request_limits.py",
        "body size, text, number, depth and id limits every request is held to",
    ),
    ("storage.py", "app/core/storage.py", "SQLite settings and writes retried on a lock"),
)


def header(module: str) -> str:
    """The line a copied module starts with in a generated service."""
    from specfirst import __version__

    return (
        f"# Copied verbatim from specfirst/runtime/{module} by specfirst {__version__}. "
        "Do not edit: regenerate.\n"
    )


def source(module: str) -> str:
    """The text of one runtime module, as it is copied."""
    return (RUNTIME_DIR / module).read_text(encoding="utf-8")
