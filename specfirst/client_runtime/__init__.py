"""The document-independent runtime of a generated client, copied verbatim into it.

Every module here is real, importable, linted and unit-tested code
(``tests/test_client_runtime.py``); the client generator copies each one as it is into
``<package>/_runtime/`` of the generated client. They import only each other (relatively),
httpx and pydantic, so the copy works in any package.

- ``_types``: the ``UNSET`` sentinel (a parameter or property that is not sent);
- ``_errors``: ``ApiError`` and the connection and timeout errors;
- ``_auth``: credentials for apiKey (header, query, cookie), http basic, bearer and oauth2
  client-credentials (token fetched and refreshed);
- ``_retry``: exponential backoff with jitter, honouring ``Retry-After``;
- ``_models``: the pydantic base model, serialisation and parsing of wire values;
- ``_core``: the HTTP core shared by the sync and async clients;
- ``_pagination``: iterators over every item of a paged list, sync and async;
- ``_sse``: ``text/event-stream`` parsing and stream iterators.
"""

from __future__ import annotations

from pathlib import Path

MODULES = ("_types", "_errors", "_auth", "_retry", "_models", "_core", "_pagination", "_sse")
"""The runtime modules, in the order a reader would meet them."""


def sources() -> dict[str, str]:
    """File name -> text of every runtime module, as the generator copies them."""
    here = Path(__file__).resolve().parent
    return {f"{name}.py": (here / f"{name}.py").read_text(encoding="utf-8") for name in MODULES}
