"""A tag may be called anything, "webhooks" included: its operations are served, not documented.

The document's own webhooks (requests the API sends) are routes that only document; a tag of
that name once made its operations document-only too, so a list answered 500.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from e2e_server import Server, generate

HOOK = {
    "type": "object",
    "required": ["url"],
    "properties": {"id": {"type": "integer", "readOnly": True}, "url": {"type": "string"}},
}
DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Hooks", "version": "1"},
    "paths": {
        "/hooks": {
            "get": {
                "tags": ["Webhooks"],
                "operationId": "listHooks",
                "responses": {
                    "200": {
                        "description": "the hooks",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Hook"},
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "tags": ["Webhooks"],
                "operationId": "addHook",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Hook"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "added",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Hook"}}
                        },
                    },
                    "400": {"description": "invalid"},
                },
            },
        }
    },
    "webhooks": {
        "hookFired": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Hook"}}
                    }
                },
                "responses": {"200": {"description": "received"}},
            }
        }
    },
    "components": {"schemas": {"Hook": HOOK}},
}


def test_operations_of_a_tag_named_webhooks_are_served(tmp_path: Path) -> None:
    spec = tmp_path / "hooks.json"
    spec.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    generate(spec, tmp_path / "service")
    with Server(tmp_path / "service", db_path=tmp_path / "db.sqlite") as server:
        created = httpx.post(f"{server.url}/hooks", json={"url": "https://example.test/h"})
        assert created.status_code == 201, created.text
        listed = httpx.get(f"{server.url}/hooks")
        assert listed.status_code == 200, listed.text
        assert listed.json() == [created.json()]
