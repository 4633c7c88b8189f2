"""An empty value of a delimited array query parameter (``style: form, explode: false``).

``?orderBy=`` reads first as ``[]``; where ``[]`` is invalid (``minItems: 1``) the only
valid reading is ``[""]``, and the service takes it instead of refusing valid data.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from specfirst.pipeline import generate

DOC = """
openapi: 3.1.0
info: {title: Ordered, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - name: orderBy
          in: query
          style: form
          explode: false
          schema: {type: array, minItems: 1, items: {type: string}}
        - name: tags
          in: query
          style: form
          explode: false
          schema: {type: array, items: {type: string}}
        - name: strict
          in: query
          style: pipeDelimited
          schema: {type: array, minItems: 1, items: {type: string, minLength: 1}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {n: {type: integer}}}
        '422':
          description: invalid
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
"""


def test_an_empty_delimited_value_takes_its_only_valid_reading(
    tmp_path: Path, monkeypatch: Any, fresh_app_modules: None
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(DOC)
    out = tmp_path / "out"
    generate(spec, out)
    monkeypatch.syspath_prepend(str(out))
    monkeypatch.chdir(out)
    params = importlib.import_module("app.core.params")
    app = importlib.import_module("app.main").app
    with TestClient(app) as client:
        # valid readings pass validation and reach the (unwritten) handler: 501
        for query in ("orderBy=", "orderBy=a,b", "tags=", "orderBy=a,,b", "strict=a|b"):
            assert client.get(f"/things?{query}").status_code == 501, query
        # neither [] nor [""] is valid: refused
        assert client.get("/things?strict=").status_code == 422

    order_by = params.StyledQuery("orderBy", list[str], explode=False)
    tags = params.StyledQuery("tags", list[str], explode=False)

    class _Request:
        def __init__(self, query: str) -> None:
            from starlette.datastructures import QueryParams

            self.query_params = QueryParams(query)

    assert order_by(_Request("orderBy=")) == []  # [] is valid: the first reading stays
    assert tags(_Request("tags=a,b")) == ["a", "b"]
