# Copied verbatim from specfirst/runtime/health.py by specfirst 0.1.0. Do not edit: regenerate.
"""``GET /healthz``: ``ok`` or ``degraded`` for anyone, the figures behind a setting.

Without the setting the answer is ``{"status": "ok"}`` or ``{"status": "degraded"}`` and
nothing else: the figures of a part (node addresses, error text, outbox depth) tell an
attacker where the service's internals live and what fails, so they are shown only when the
operator turns them on (``HEALTHZ_DETAILS=true``, e.g. behind a private network). The
answer is 200 either way: the process is alive and serves what it can; ``degraded`` says a
part (the Typesense sync) is failing. A part that cannot even report counts as degraded and
is logged, never answered with its exception.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import FastAPI

logger = logging.getLogger("app")

OK = "ok"
DEGRADED = "degraded"


class HealthPart(Protocol):
    """A part of the service that reports on itself (the Typesense sync)."""

    def problems(self) -> list[str]:
        """What is failing now, in words for an operator (empty: nothing)."""
        ...

    def status(self) -> dict[str, Any]:
        """The part's figures, for operators only."""
        ...


def report(parts: Mapping[str, HealthPart], *, details: bool) -> dict[str, Any]:
    """The ``/healthz`` body: the status alone, or with every part's figures and problems."""
    problems: list[str] = []
    figures: dict[str, Any] = {}
    for name, part in parts.items():
        try:
            problems.extend(f"{name}: {problem}" for problem in part.problems())
            if details:
                figures[name] = part.status()
        except Exception:  # a part that cannot report is failing; its error goes to the log only
            logger.exception("health of %s could not be read", name)
            problems.append(f"{name}: its health could not be read (see the log)")
            figures[name] = None
    body: dict[str, Any] = {"status": DEGRADED if problems else OK}
    if details:
        body["problems"] = problems
        body.update(figures)
    return body


def install(app: FastAPI, parts: Mapping[str, HealthPart], *, details: bool = False) -> None:
    """Add ``GET /healthz`` (not in the OpenAPI document) reporting on ``parts``."""

    def healthz() -> dict[str, Any]:
        """``ok`` or ``degraded``; with HEALTHZ_DETAILS on, each part's figures and problems too."""
        return report(parts, details=details)

    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
