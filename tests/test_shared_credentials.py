"""Two security schemes whose credentials the service would read from one environment variable
are refused when the document is modelled: a key for one would open the other."""

from __future__ import annotations

from pathlib import Path

import pytest

from specfirst import cli
from specfirst.naming import env_var_for_scheme

DOCUMENT = """\
openapi: 3.0.3
info: {title: Keys, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      security: [{keyAuth: []}, {key-auth: []}, {KEY_AUTH: []}]
      responses:
        "200": {description: ok}
components:
  securitySchemes:
    keyAuth: {type: apiKey, in: header, name: X-Key}
    other: {type: http, scheme: bearer}
    key-auth: {type: apiKey, in: query, name: key}
    KEY_AUTH: {type: http, scheme: basic}
"""


def test_the_spellings_share_one_variable() -> None:
    assert {
        env_var_for_scheme(name) for name in ("keyAuth", "key-auth", "KEY_AUTH", "key auth")
    } == {"KEY_AUTH_KEYS"}
    assert env_var_for_scheme("keyAuth2") != env_var_for_scheme("keyAuth")


def test_schemes_reading_one_variable_are_a_located_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(DOCUMENT)

    assert cli.main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2

    first = f"({spec}:12: /components/securitySchemes/keyAuth)"
    shared = (
        f"would read its credentials from KEY_AUTH_KEYS, as scheme 'keyAuth' does {first}: a key for "
        "one would open the other; rename one of them"
    )
    assert capsys.readouterr().err.splitlines() == [
        f"{spec}:14:15: /components/securitySchemes/key-auth: security scheme 'key-auth' {shared}",
        f"{spec}:15:15: /components/securitySchemes/KEY_AUTH: security scheme 'KEY_AUTH' {shared}",
    ]
    assert not (tmp_path / "out").exists()


def test_distinct_variables_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(DOCUMENT.replace("key-auth", "queryKey").replace("KEY_AUTH", "basicAuth"))
    assert cli.main(["plan", str(spec)]) == 0
