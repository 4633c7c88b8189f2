"""specfirst.firstrun: keys for every scheme in .env (the environment wins) and a curl line to try."""

from __future__ import annotations

import shlex
from pathlib import Path

from specfirst.firstrun import ensure_keys, main, pick_request, read_env_file
from specfirst.pipeline import load_api

SPEC = """\
openapi: 3.1.0
info: {title: keys, version: "1"}
components:
  securitySchemes:
    queryKey: {type: apiKey, in: query, name: "api key's"}
    bearerAuth: {type: http, scheme: bearer}
    basicAuth: {type: http, scheme: basic}
    clientCert: {type: mutualTLS}
security:
  - queryKey: []
paths:
  /things/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: one}}
  /things:
    get:
      parameters: [{name: q, in: query, required: true, schema: {type: string}}]
      responses: {"200": {description: found}}
    post:
      responses: {"201": {description: made}}
  /a/b:
    get:
      security: [{basicAuth: []}]
      responses: {"200": {description: ok}}
  /open:
    get:
      security: []
      responses: {"200": {description: ok}}
  /c:
    get:
      security: [{clientCert: []}, {bearerAuth: [], queryKey: []}]
      responses: {"200": {description: ok}}
"""


def _api(tmp_path: Path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    return load_api(spec)


def test_missing_keys_are_generated_into_env_and_the_environment_wins(tmp_path: Path) -> None:
    api = _api(tmp_path)
    env_file = tmp_path / ".env"
    env_file.write_text("# settings\nQUERY_KEY_KEYS=\nBASIC_AUTH_KEYS=\nOTHER=1\n")
    report = ensure_keys(api, env_file, env={"BEARER_AUTH_KEYS": "from-env"})
    values = read_env_file(env_file)
    assert set(report.generated) == {"QUERY_KEY_KEYS", "BASIC_AUTH_KEYS"}
    assert values["QUERY_KEY_KEYS"] == report.generated["QUERY_KEY_KEYS"]
    assert values["BASIC_AUTH_KEYS"].startswith("local:")  # user:password, as HTTP Basic checks
    assert "BEARER_AUTH_KEYS" not in values and values["OTHER"] == "1"
    assert env_file.read_text().startswith("# settings\n")
    assert any("CLIENT_CERT_KEYS" in line and "mutualTLS" in line for line in report.lines)
    again = ensure_keys(api, env_file, env={"BEARER_AUTH_KEYS": "from-env"})
    assert again.generated == {} and read_env_file(env_file) == values


def test_the_request_to_try_needs_no_value_and_prefers_a_key(tmp_path: Path) -> None:
    api = _api(tmp_path)
    keys = {"QUERY_KEY_KEYS": "k1", "BEARER_AUTH_KEYS": "t1", "BASIC_AUTH_KEYS": "local:pw"}
    request = pick_request(api, "http://127.0.0.1:9/", keys)
    assert request is not None and request.operation is not None
    assert request.operation.path == "/c"  # a keyed GET with no value to fill, shortest path
    words = shlex.split(request.curl())
    assert words == [
        "curl",
        "-i",
        "-H",
        "Authorization: Bearer t1",
        "http://127.0.0.1:9/c?api+key%27s=k1",
    ]
    # Without the keys it needs, only the anonymous operation is left.
    anonymous = pick_request(api, "http://127.0.0.1:9", {})
    assert anonymous is not None and anonymous.url == "http://127.0.0.1:9/open"
    basic_only = pick_request(api, "http://127.0.0.1:9", {"BASIC_AUTH_KEYS": "local:pw"})
    assert basic_only is not None and basic_only.curl().split()[2:4] == ["-u", "local:pw"]


def test_a_bad_document_is_a_located_message(tmp_path: Path, capsys) -> None:
    assert main(["keys", str(tmp_path / "missing.yaml"), "--env-file", str(tmp_path / ".env")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    assert not (tmp_path / ".env").exists()
