"""Handlers for the operations tagged "System Prompt Management".

Written once by specfirst from openapi3_1.yml; this file is yours. Regenerating adds a
function for each new operation and never changes what is here. A handler that raises
NotImplementedError answers 501 in the operation's error schema; raise ctx.error(status,
code, message) for any declared error response.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta  # noqa: F401
from typing import Any, Literal  # noqa: F401

from app import schemas
from app.core.context import HandlerContext
from app.crud.base import NotFound
from app.crud.services import services_table
from app.handlers._prompt import build_system_prompt


def generate_system_prompt(
    ctx: HandlerContext, *, service_ids: list[str]
) -> schemas.GenerateSystemPromptResponse:
    """GET /system-prompt: Build an Assistant system prompt from several services

    One section per service, in the order of ``service_ids`` (repeats dropped); an unknown
    id is the declared 400. A document that cannot be fetched is said so in its section.
    """
    services = []
    for service_id in dict.fromkeys(service_ids):
        try:
            services.append(services_table.read(ctx.db, service_id))
        except NotFound:
            raise ctx.error(
                400, "unknown_service", f"no service {service_id!r} is registered"
            ) from None
    return schemas.GenerateSystemPromptResponse(system_prompt=build_system_prompt(services))
