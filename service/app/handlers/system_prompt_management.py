"""Handlers for the operations tagged "System Prompt Management".

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


def generate_system_prompt(
    ctx: HandlerContext, *, service_ids: list[str]
) -> schemas.GenerateSystemPromptResponse:
    """GET /system-prompt: Build an Assistant system prompt from several services"""
    raise NotImplementedError
