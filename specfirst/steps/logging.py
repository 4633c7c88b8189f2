"""Step ``logging``: structured request logs and request ids (``app/core/logging.py``).

Every request is logged as one JSON line (request id, method, path, operationId, status,
duration); the id is returned in ``X-Request-ID`` and taken from the request when the
client sends one. Interaction logs (``x-specfirst-log``) are resources of the plan: the
models and CRUD step stores them and the routes record each call.
"""

from __future__ import annotations

from specfirst.render import StepContext
from specfirst.writer import OutputFile

NAME = "logging"
DESCRIPTION = "JSON request logs with request ids"


def generate(ctx: StepContext) -> list[OutputFile]:
    return [
        ctx.render(
            "app/core/logging.py.j2",
            "app/core/logging.py",
            header=ctx.header("Structured request logs: one JSON line per request, with its id."),
        )
    ]
