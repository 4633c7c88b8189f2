"""Errors answered in the shape and media type each operation declares.

Every refusal (``ApiError``, a request FastAPI could not validate, a body it could not parse,
an unexpected failure) becomes a ``Problem``: status, title, detail, code, the request id
(``X-Request-ID``, set by the request log middleware), the request's path and the issues
(where each bad value is). The route's declared response for that status (exactly, by range,
``default``) gives the model and the media type; ``error_bodies.body_for`` fills the model
from the problem, so the body is always an instance of the declared schema, sent in the
declared media type (``application/problem+json``, ``application/vnd.api+json`` ...). A
declared response without content is answered without a body, a non-JSON one with the
detail as text. Which status answers each kind of refusal comes from ``refusals``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from .error_bodies import Issue, Location, Problem, body_for, candidates, plain_body
from .refusals import BY_KIND, choose

logger = logging.getLogger("app.errors")


class ApiError(Exception):
    """An error answered with the error response the operation declares for its status.

    ``location`` says where the bad value is (``("path", "petId")``), ``title`` overrides
    the HTTP phrase.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        title: str | None = None,
        location: Location = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.title = title
        self.location = location

    @property
    def issues(self) -> tuple[Issue, ...]:
        return (Issue(self.location, self.message, self.code),) if self.location else ()


def not_implemented(operation_id: str) -> ApiError:
    """What a route raises until its operation is implemented."""
    return ApiError(501, "not_implemented", f"operation {operation_id} is not implemented yet")


def _route(request: Request) -> APIRoute | None:
    route = request.scope.get("route")
    return route if isinstance(route, APIRoute) else None


def _route_media_type(route: APIRoute | None) -> str:
    """The JSON media type FastAPI publishes a route's response models under: its response
    class's (a vendor ``+json`` type where the document declares one), else application/json."""
    response_class = getattr(route, "response_class", None)
    # FastAPI wraps the default class in a DefaultPlaceholder (its value is the class)
    response_class = getattr(response_class, "value", response_class)
    media_type = getattr(response_class, "media_type", None)
    if isinstance(media_type, str) and is_json(media_type) and "*" not in media_type:
        return media_type
    return "application/json"


def is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base in ("application/json", "*/*", "application/*") or base.endswith("+json")


def declared_response(route: APIRoute | None, status: int) -> dict[str, Any] | None:
    """The response the route declares for ``status``: exactly, by range, or as default.

    The route's own status (its primary response) is declared too, with its response model.
    """
    if route is None:
        return None
    responses: dict[Any, Any] = route.responses or {}
    for key in (status, str(status), f"{str(status)[0]}XX", "default"):
        if str(key) == str(route.status_code):
            entry = dict(responses.get(key) or responses.get(str(key)) or {})
            entry["model"] = route.response_model
            if route.response_model is not None and not entry.get("content"):
                entry["content"] = {"application/json": {}}
            return entry
        if key in responses:
            return responses[key]
    return None


def answering_response(route: APIRoute | None, status: int) -> dict[str, Any] | None:
    """The declared response whose shape answers ``status``: its own, else for an
    undeclared status the route's 5XX or default error, else any error it declares with a
    JSON body (a model, or a schema written as it is)."""
    declared = declared_response(route, status)
    if declared is not None or route is None:
        return declared
    responses: dict[Any, Any] = route.responses or {}
    for fallback in (500, "5XX", "default"):
        if fallback in responses:
            return responses[fallback]
    for key, response in responses.items():
        if not str(key).startswith("2") and _has_json_schema(response):
            return response
    return None


def _has_json_schema(response: dict[str, Any]) -> bool:
    """Whether a declared response has a body shape: a model, or a JSON media type's schema
    written as it is (``application/problem+json`` ...)."""
    if response.get("model") is not None:
        return True
    content: dict[str, Any] = response.get("content") or {}
    return any(
        is_json(media_type) and isinstance((media or {}).get("schema"), dict | bool)
        for media_type, media in content.items()
    )


def error_model(route: APIRoute | None, status: int) -> Any:
    """The declared error model for a status (see ``answering_response``); None if none."""
    return (answering_response(route, status) or {}).get("model")


def refusal_status(request: Request, kind: str) -> int:
    """The status for a refusal of ``kind`` (see ``refusals.choose``), else its fallback."""
    refusal = BY_KIND[kind]
    route = _route(request)
    declared = [*(route.responses or {}), route.status_code] if route is not None else []
    chosen = choose(declared, refusal)
    return refusal.fallback if chosen is None else chosen


def problem_for(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    title: str | None = None,
    issues: tuple[Issue, ...] = (),
) -> Problem:
    """What the service knows about this refusal of ``request``."""
    return Problem(
        status=status,
        code=code,
        detail=message,
        title=title or "",
        request_id=str(getattr(request.state, "request_id", "") or ""),
        instance=request.url.path,
        url=str(request.url),
        issues=issues,
    )


def build_error_body(
    model: Any, status: int, code: str, message: str, problem: Problem | None = None
) -> Any:
    """An instance of the error model describing the refusal, as JSON data."""
    problem = problem or Problem(status=status, code=code, detail=message)
    if model is None:
        return plain_body(problem)
    return body_for(model, problem)


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    title: str | None = None,
    issues: tuple[Issue, ...] = (),
) -> Response:
    """An error in the shape and media type the operation declares for ``status``."""
    route = _route(request)
    answering = answering_response(route, status) or {}
    content: dict[str, Any] = answering.get("content") or {}
    model = answering.get("model")
    if declared_response(route, status) is not None and model is None:
        if not content:
            return Response(status_code=status, headers=headers)
        if not any(is_json(media_type) for media_type in content):
            media_type = next(iter(content))
            return Response(message, status_code=status, headers=headers, media_type=media_type)
    declared = (mt for mt in content if is_json(mt) and "*" not in mt)
    media_type = next(declared, None) or _route_media_type(route)
    problem = problem_for(request, status, code, message, title=title, issues=issues)
    literal = (content.get(media_type) or {}).get("schema")
    if model is None and isinstance(literal, dict | bool):  # a schema declared as it is written
        body = next(iter(candidates(literal, problem)), plain_body(problem))
    else:
        body = build_error_body(model, status, code, message, problem)
    return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(
        request,
        exc.status,
        exc.code,
        exc.message,
        exc.headers,
        title=exc.title,
        issues=exc.issues,
    )


def validation_issues(exc: RequestValidationError) -> tuple[Issue, ...]:
    """The issues of a request FastAPI could not validate, where they are and why."""
    issues = []
    for error in exc.errors():
        if error.get("type") == "missing_sentinel_error":
            continue  # the "absent" branch of an optional field: says nothing to the client
        location = tuple(p for p in error.get("loc", ()) if isinstance(p, str | int))
        issues.append(
            Issue(location, str(error.get("msg", "invalid")), str(error.get("type", "invalid")))
        )
    return tuple(issues)


def _describe(issues: tuple[Issue, ...]) -> str:
    return "; ".join(f"{issue.dotted}: {issue.message}" for issue in issues) or "invalid request"


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    """Answer with the error response the operation declares for an invalid request.

    A path parameter that does not match its schema names nothing: a declared 404 fits it
    too. Where the operation declares no fitting status, FastAPI's own 422 answers.
    """
    assert isinstance(exc, RequestValidationError)
    in_path = any(tuple(error.get("loc", ()))[:1] == ("path",) for error in exc.errors())
    status = refusal_status(request, "invalid_path" if in_path else "invalid")
    if declared_response(_route(request), status) is None:
        return await request_validation_exception_handler(request, exc)
    code = "not_found" if status == 404 else "invalid_request"
    issues = validation_issues(exc)
    return error_response(request, status, code, _describe(issues), issues=issues)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """HTTP errors raised by the framework (a body that does not parse, a method not allowed)."""
    assert isinstance(exc, StarletteHTTPException)
    if _route(request) is None:
        return await http_exception_handler(request, exc)
    status = exc.status_code
    if status == 400:  # FastAPI could not parse the body
        status = refusal_status(request, "malformed_body")
    try:
        code = HTTPStatus(status).phrase.lower().replace(" ", "_")
    except ValueError:
        code = "error"
    headers = dict(exc.headers or {}) or None
    return error_response(request, status, code, str(exc.detail), headers)


async def handle_unexpected_error(request: Request, exc: Exception) -> Response:
    """Any other failure: logged with its traceback, answered with the declared 500 error."""
    logger.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        request, 500, "internal_error", "the server failed to answer this request"
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, handle_unexpected_error)
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
