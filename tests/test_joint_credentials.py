"""A requirement that ANDs schemes sent in the same place (two bearer schemes) can be met.

One request holds one ``Authorization`` header, so the generated suite gives such schemes one
secret each of them accepts besides its own; the generated service checks each scheme on its
own, so that request passes both and a request with only one scheme's own secret does not.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from test_generated_suites import run_suite

from specfirst.pipeline import generate

SPEC = textwrap.dedent(
    """
    openapi: 3.0.3
    info: {title: Joint bearer, version: "1"}
    security:
      - userToken: []
        appToken: []
    paths:
      /things/{name}:
        get:
          operationId: getThing
          parameters:
            - {name: name, in: path, required: true, schema: {type: string}}
          responses:
            "200":
              description: a thing
              content:
                application/json:
                  schema:
                    type: object
                    properties: {name: {type: string}}
            "401": {description: no or wrong token}
      /app-only:
        get:
          operationId: appOnly
          security: [{appToken: []}]
          responses:
            "204": {description: done}
            "401": {description: no or wrong token}
    components:
      securitySchemes:
        userToken: {type: http, scheme: bearer}
        appToken: {type: http, scheme: bearer, bearerFormat: JWT}
    """
)


def test_joint_bearer_requirement_is_met_and_enforced(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    conftest = (out / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert "joint-user_token-app_token" in conftest
    proc, skips = run_suite(out)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # the valid requests get past both schemes to the handler, which is not written (501)
    assert "passed" in proc.stdout, proc.stdout[-2000:]
    assert skips and all(s.reason.startswith("not implemented") for s in skips), skips
