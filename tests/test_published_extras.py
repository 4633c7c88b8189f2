"""What FastAPI has no parameter for is still published as the document writes it: request body
extensions, and a requirement naming a scheme the document does not define (repaired with a
warning: its alternative refuses every request)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = textwrap.dedent(
    """
    openapi: 3.0.3
    info: {title: Extras, version: "1"}
    paths:
      /notes:
        post:
          operationId: addNote
          security: [{sessionToken: []}]
          requestBody:
            x-original-name: note
            required: true
            content:
              application/json:
                schema: {type: object, properties: {text: {type: string}}}
          responses:
            "204": {description: added}
            "401": {description: refused}
    """
)


def test_body_extensions_and_undefined_scheme_requirements_round_trip(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    warnings: list[object] = []
    found = validate(spec, out, on_warning=warnings.append)
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]
    assert len(warnings) == 1 and "sessionToken" in str(warnings[0])


MAPPED = textwrap.dedent(
    """
    openapi: 3.0.3
    info: {title: Mapped, version: "1"}
    paths:
      /login:
        post:
          operationId: login
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/loginBody"}
              application/x-www-form-urlencoded:
                schema: {$ref: "#/components/schemas/loginBody"}
          responses:
            "204": {description: in}
            "400": {description: refused}
    components:
      schemas:
        loginBody:
          oneOf:
            - {$ref: "#/components/schemas/withPassword"}
            - {$ref: "#/components/schemas/withCode"}
          discriminator:
            propertyName: method
            mapping:
              password: "#/components/schemas/withPassword"
              code: "#/components/schemas/withCode"
        withPassword:
          type: object
          required: [method, password]
          properties: {method: {type: string}, password: {type: string}}
        withCode:
          type: object
          required: [method, code]
          properties: {method: {type: string}, code: {type: string}}
    """
)


def test_a_mapping_in_a_documentation_copy_names_the_documents_components(tmp_path: Path) -> None:
    # the form body is published as the document writes it: its mapping names components the
    # document's way (withPassword), which FastAPI names after their classes (WithPassword)
    spec = tmp_path / "spec.yml"
    spec.write_text(MAPPED, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    found = validate(spec, out)
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]


MTLS = textwrap.dedent(
    """
    openapi: 3.1.0
    info: {title: Certificates, version: "1"}
    paths:
      /secrets:
        get:
          operationId: readSecrets
          security: [{clientCert: []}]
          responses:
            "204": {description: read}
            "401": {description: refused}
    components:
      securitySchemes:
        clientCert: {type: mutualTLS}
    """
)


def test_a_mutual_tls_requirement_is_published_and_its_scheme_is_unpublishable(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(MTLS, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    found = validate(spec, out)
    assert [(d.category, d.pointer) for d in found] == [
        ("unpublishable", "/components/securitySchemes/clientCert")
    ]


FLOW_EXTENSIONS = textwrap.dedent(
    """
    openapi: 3.1.0
    info: {title: Flow extensions, version: "1"}
    security: [{machine: []}]
    paths:
      /jobs:
        get:
          operationId: listJobs
          responses:
            "200": {description: ok, content: {application/json: {schema: {type: object}}}}
            "401": {description: refused}
    components:
      securitySchemes:
        machine:
          type: oauth2
          x-scheme-note: {owner: platform}
          flows:
            clientCredentials:
              tokenUrl: https://auth.example.com/token
              x-token-endpoint-authentication: client_secret_basic
              x-limits: [1, 2, "three"]
              scopes: {}
    """
)


def test_oauth2_flow_extensions_are_published_as_written(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(FLOW_EXTENSIONS, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    found = validate(spec, out)
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]
