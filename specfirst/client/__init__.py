"""``specfirst client``: a typed Python client package (sync and async) from the same
intermediate model the service is generated from.

:func:`generate_client` reads the document (``specfirst.pipeline.load_api``), plans models
(:mod:`specfirst.client.types`) and methods (:mod:`specfirst.client.operations`), renders
``templates/client/``, copies the runtime (:mod:`specfirst.client_runtime`) verbatim, and
writes everything through :func:`specfirst.writer.write_tree` (only changed files written,
hand edits refused unless forced). The ``custom/`` modules are the user's: written once, then
never touched (the writer keeps them as it keeps a service's handlers).
"""

from __future__ import annotations

from specfirst.client.generate import (
    ClientCheckError,
    ClientResult,
    generate_client,
    render_client,
)

__all__ = ["ClientCheckError", "ClientResult", "generate_client", "render_client"]
