# Copied verbatim from specfirst/runtime/docs.py by specfirst 0.1.0. Do not edit: regenerate.
"""The documents a service serves besides its API: none of them comes from another host.

``/openapi.json`` answers the service's ``openapi.json`` file byte for byte (the file the
generator wrote: the source document itself when it is one JSON file, else the bundled
document as JSON), as ``application/json``. ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc)
load their script, style sheet and icon from the service itself, at ``/docs/assets/...``:
the files come with the ``fastapi-offline`` package, so both pages work without internet.

The routes are plain Starlette routes, outside the API: the document FastAPI derives from
the app's routes never lists them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"

# The files served under ASSETS_URL (from the package's ``static`` folder), with their types.
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSETS_PACKAGE = "fastapi_offline"


def _root(request: Request) -> str:
    """The path the app is mounted at (``root_path``), so that URLs in the pages resolve."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _asset_route(name: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint answering one file of the assets package."""
    source = files(ASSETS_PACKAGE) / "static" / name

    async def asset(_request: Request) -> Response:
        return Response(source.read_bytes(), media_type=media_type)

    return asset


def install(app: FastAPI, document: Path) -> None:
    """Serve ``document`` at ``/openapi.json``, and the Swagger UI and ReDoc pages.

    Build ``app`` with ``openapi_url``, ``docs_url`` and ``redoc_url`` set to None, so that
    FastAPI does not add its own (a re-serialized document, and pages loading a CDN).
    """

    async def openapi(_request: Request) -> Response:
        return Response(document.read_bytes(), media_type="application/json")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=root + OPENAPI_URL,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    async def swagger_ui_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=root + OPENAPI_URL,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    app.add_route(OPENAPI_URL, openapi, include_in_schema=False)
    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    for name, media_type in ASSETS.items():
        app.add_route(
            f"{ASSETS_URL}/{name}", _asset_route(name, media_type), include_in_schema=False
        )
