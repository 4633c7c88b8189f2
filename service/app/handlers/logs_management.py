"""Handlers for the operations tagged "Logs Management".

Written once by specfirst from openapi3_1.yml; this file is yours. Regenerating adds a
function for each new operation and never changes what is here. A handler that raises
NotImplementedError answers 501 in the operation's error schema; raise ctx.error(status,
code, message) for any declared error response.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta  # noqa: F401
from typing import Any, Literal  # noqa: F401

from app import schemas  # noqa: F401
from app.core.context import HandlerContext  # noqa: F401


def retrieve_logs(ctx: HandlerContext, *, limit: int, offset: int) -> schemas.RetrieveLogsResponse:
    """GET /logs: Fetch the history of prompt-driven interactions"""
    raise NotImplementedError
