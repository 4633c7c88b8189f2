"""Handlers for the operations tagged "Interaction Handling".

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
from app.crud.services import services_table
from app.handlers._assistant import AssistantError, assistant_from_env

EMPTY_INPUT = "Please type a question or a command."


def handle_user_input(
    ctx: HandlerContext, *, body: schemas.HandleUserInputRequest
) -> schemas.HandleUserInputResponse:
    """POST /interact: Process user input and orchestrate Assistant-service dialogue

    The route records every answered call in the interactions log (x-specfirst-log), so
    this handler only answers. ``ctx.state.assistant``, when startup or a test sets it,
    replaces the assistant chosen from the environment.
    """
    user_input = body.user_input if isinstance(body.user_input, str) else ""
    if not user_input.strip():  # user_input is optional: nothing to ask the assistant
        return schemas.HandleUserInputResponse(assistant_response=EMPTY_INPUT, service_responses=[])
    assistant = getattr(ctx.state, "assistant", None) or assistant_from_env()
    try:
        reply = assistant.answer(user_input, services_table.list_items(ctx.db))
    except AssistantError as exc:
        raise ctx.error(500, "assistant_failed", str(exc)) from None
    return schemas.HandleUserInputResponse(
        assistant_response=reply.assistant_response,
        service_responses=[
            schemas.HandleUserInputResponseServiceResponsesItem(**r)
            for r in reply.service_responses
        ],
    )
