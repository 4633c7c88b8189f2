"""`specfirst fuzz`: schemathesis against a running generated service.

The runs start real servers on loopback ports and take a few seconds each (the whole module
stays well under a minute with the small example counts used here).
"""

from __future__ import annotations

import json
import socket
import textwrap
import tomllib
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import REPO, SPEC

from specfirst import fuzz
from specfirst.fuzz import NOT_IMPLEMENTED_REASON, Failure, FuzzReport, Observations

pytest.importorskip(
    "schemathesis", reason="schemathesis is in the test extras: pip install -e '.[test]'"
)

MAX_EXAMPLES = 10

# A small document whose two operations need credentials in a query parameter and in a
# bearer token: when both come out as "not implemented", the generated keys got through.
PROBE_SPEC = """\
openapi: 3.1.0
info: {title: Fuzz probe, version: "1.0"}
components:
  securitySchemes:
    queryKey: {type: apiKey, in: query, name: api_key}
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Error:
      type: object
      required: [code, message]
      properties: {code: {type: string}, message: {type: string}}
  responses:
    Invalid:
      description: The request is not valid
      content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
    Refused:
      description: Missing or wrong credentials
      content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
paths:
  /things:
    get:
      operationId: listThings
      security: [{queryKey: []}]
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 10}}
      responses:
        "200":
          description: The things
          content: {application/json: {schema: {type: array, items: {type: string}}}}
        "400": {$ref: "#/components/responses/Invalid"}
        "401": {$ref: "#/components/responses/Refused"}
  /things/{thingId}:
    get:
      operationId: getThing
      security: [{bearerAuth: []}]
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string, maxLength: 5}}
      responses:
        "200":
          description: The thing
          content: {application/json: {schema: {type: string}}}
        "400": {$ref: "#/components/responses/Invalid"}
        "401": {$ref: "#/components/responses/Refused"}
"""

# A hand-written app that breaks its document: the response misses a required property.
BROKEN_SPEC = """\
openapi: 3.1.0
info: {title: Broken, version: "1.0"}
paths:
  /items/{itemId}:
    get:
      operationId: getItem
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: The item
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties: {id: {type: integer}, name: {type: string}}
"""

BROKEN_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
async def get_item(item_id: int) -> dict:
    return {"id": item_id}
"""


def _port_is_closed(base_url: str) -> bool:
    address = urlsplit(base_url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((address.hostname or "127.0.0.1", address.port or 80)) != 0


def _files(directory: Path) -> set[Path]:
    return {p.relative_to(directory) for p in directory.rglob("*") if "__pycache__" not in p.parts}


def _assert_well_formed(report: FuzzReport) -> None:
    """What every report promises, whatever the service does."""
    assert report.errors == [], f"schemathesis reported errors: {report.errors}"
    assert report.operations, "the spec's operations are listed"
    assert sorted(report.tested + [s.operation for s in report.skipped]) == sorted(
        report.operations
    )
    for skipped in report.skipped:
        assert skipped.operation in report.operations
        assert skipped.reason, f"{skipped.operation} is skipped without a reason"
    for failure in report.failures:
        assert failure.operation and failure.check and failure.code
        assert "curl " in failure.curl and report.base_url in failure.curl, failure.curl
        assert failure.render().count("reproduce: ") == 1
    assert _port_is_closed(report.base_url), "the server is stopped after the run"
    assert report.test_cases > 0


# --------------------------------------------------------------------------- the repo's service


@pytest.fixture(scope="module")
def service_report() -> FuzzReport:
    return fuzz.run_fuzz(SPEC, REPO / "service", max_examples=MAX_EXAMPLES, seed=0)


def test_fuzz_report_on_the_service_is_well_formed(service_report: FuzzReport) -> None:
    _assert_well_formed(service_report)
    assert len(service_report.operations) == 8
    for skipped in service_report.skipped:
        assert skipped.reason == NOT_IMPLEMENTED_REASON, skipped
    rendered = service_report.render()
    for skipped in service_report.skipped:
        assert f"SKIPPED {skipped.operation}: {NOT_IMPLEMENTED_REASON}" in rendered
    assert set(service_report.server_env) >= {"API_KEY_AUTH_KEYS", "ADMIN_API_KEY_AUTH_KEYS"}
    # The app under fuzz cannot reach other hosts (handlers fetch URLs the fuzzer made up).
    assert service_report.server_env["HTTPS_PROXY"] == fuzz.CLOSED_PROXY
    assert service_report.server_env["OPENAI_API_KEY"] == ""


def test_fuzz_finds_no_failure_in_the_service(service_report: FuzzReport) -> None:
    # The one assertion about the generated code itself: schemathesis, with every check,
    # finds nothing wrong in the committed service. Each failure below comes with a curl
    # line that reproduces it against `uvicorn app.main:app` started with the keys shown.
    assert service_report.failures == [], (
        f"schemathesis found {len(service_report.failures)} failure(s) in service/ "
        "(generator or handler bugs, not test bugs):\n" + service_report.render()
    )


def test_fuzz_leaves_the_app_directory_as_it_was(tmp_path: Path) -> None:
    app_dir = tmp_path / "service"
    fuzz_probe_app(app_dir)
    before = _files(app_dir)
    fuzz.run_fuzz(app_dir / "probe.yml", app_dir, max_examples=2, seed=1)
    assert _files(app_dir) == before, (
        "the run writes nothing into the app (its database is a temp file)"
    )


# --------------------------------------------------------------------------- a generated probe app


def fuzz_probe_app(app_dir: Path) -> Path:
    from specfirst.pipeline import generate

    app_dir.mkdir(parents=True, exist_ok=True)
    spec = app_dir / "probe.yml"
    spec.write_text(PROBE_SPEC, encoding="utf-8")
    generate(spec, app_dir)
    return spec


def test_unimplemented_operations_are_skipped_not_failed(tmp_path: Path) -> None:
    app_dir = tmp_path / "probe"
    spec = fuzz_probe_app(app_dir)
    report = fuzz.run_fuzz(spec, app_dir, max_examples=MAX_EXAMPLES, seed=0)
    _assert_well_formed(report)
    # Both operations reached their (missing) handler: the query key and the bearer token
    # were accepted, and the 501s are reported as skips, not failures.
    assert [(s.operation, s.reason) for s in report.skipped] == [
        ("GET /things", NOT_IMPLEMENTED_REASON),
        ("GET /things/{thingId}", NOT_IMPLEMENTED_REASON),
    ]
    assert report.suppressed > 0
    assert report.failures == [], report.render()
    assert report.exit_code == 0


# --------------------------------------------------------------------------- a broken app


def test_a_failure_is_reported_with_a_reproduction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text(BROKEN_APP)
    spec = tmp_path / "broken.yml"
    spec.write_text(BROKEN_SPEC)
    code = fuzz.fuzz_command([str(spec), "--app", str(tmp_path), "--max-examples", "5"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAIL GET /items/{itemId}: response_schema_conformance" in out
    assert "reproduce: curl -X GET http://127.0.0.1:" in out
    report = fuzz.run_fuzz(spec, tmp_path, max_examples=5)
    _assert_well_formed(report)
    assert report.skipped == []
    assert any(
        f.check == "response_schema_conformance" and f.status == 200 for f in report.failures
    )


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz.fuzz_command([str(SPEC), "--app", str(tmp_path)]) == 2
    assert "no generated service" in capsys.readouterr().err


# --------------------------------------------------------------------------- pieces


def test_credentials_follow_each_scheme(tmp_path: Path) -> None:
    document = {
        "components": {
            "securitySchemes": {
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
                "basicAuth": {"type": "http", "scheme": "basic"},
                "bearerAuth": {"type": "http", "scheme": "Bearer"},
                "oauth": {"type": "oauth2", "flows": {}},
                "mtls": {"type": "mutualTLS"},
            }
        }
    }
    credentials, unusable = fuzz.make_credentials(document, tmp_path)
    by_scheme = {c.scheme: c for c in credentials}
    assert by_scheme["apiKeyAuth"].env_var == "API_KEY_AUTH_KEYS"
    assert by_scheme["apiKeyAuth"].auth == {"api_key": by_scheme["apiKeyAuth"].env_value}
    basic = by_scheme["basicAuth"]
    assert basic.env_value == f"{basic.auth['username']}:{basic.auth['password']}"
    assert by_scheme["bearerAuth"].auth == {"bearer": by_scheme["bearerAuth"].env_value}
    assert by_scheme["oauth"].auth == {"bearer": by_scheme["oauth"].env_value}
    assert unusable == ["mtls (mutualTLS)"]
    config = tomllib.loads(fuzz.schemathesis_config(credentials))
    assert config["auth"]["openapi"]["basicAuth"] == basic.auth


def test_schemes_sent_in_one_place_share_a_key(tmp_path: Path) -> None:
    document = {
        "components": {
            "securitySchemes": {
                "userToken": {"type": "http", "scheme": "bearer"},
                "appToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "keyId": {"type": "apiKey", "in": "header", "name": "X-Key-Id"},
                "keySecret": {"type": "apiKey", "in": "header", "name": "X-Key-Secret"},
            }
        }
    }
    credentials, _ = fuzz.make_credentials(document, tmp_path)
    by_scheme = {c.scheme: c.env_value for c in credentials}
    # one Authorization header can carry both bearer schemes of an AND requirement
    assert by_scheme["userToken"] == by_scheme["appToken"]
    assert by_scheme["keyId"] != by_scheme["keySecret"]


def test_credentials_use_the_apps_own_variable_names(tmp_path: Path) -> None:
    (tmp_path / "app" / "core").mkdir(parents=True)
    (tmp_path / "app" / "core" / "security.py").write_text(
        'ENV_VARS: dict[str, str] = {"weird scheme": "CUSTOM_KEYS"}\n'
    )
    document = {
        "components": {
            "securitySchemes": {"weird scheme": {"type": "apiKey", "in": "cookie", "name": "k"}}
        }
    }
    (credential,), _ = fuzz.make_credentials(document, tmp_path)
    assert credential.env_var == "CUSTOM_KEYS"


def test_curl_line_quotes_everything() -> None:
    request = {
        "method": "POST",
        "uri": "http://127.0.0.1:1/a?b=c d",
        "headers": {"X-K": ["it's"], "Content-Type": ["application/json"]},
        "body": {"$base64": "eyJhIjogIid4In0="},  # {"a": "'x"}
    }
    assert fuzz.curl_line(request) == (
        "curl -X POST -H 'X-K: it'\"'\"'s' -H 'Content-Type: application/json' "
        "--data-binary '{\"a\": \"'\"'\"'x\"}' 'http://127.0.0.1:1/a?b=c d'"
    )
    binary = fuzz.curl_line({"method": "PUT", "uri": "http://h/x", "body": {"$base64": "AP8="}})
    assert binary == "printf %s 00ff | xxd -r -p | curl -X PUT --data-binary @- http://h/x"


def _failure(operation: str, check: str, status: int, message: str = "m") -> Failure:
    return Failure(
        operation=operation,
        check=check,
        code="ST000",
        title="t",
        message=message,
        status=status,
        response_body="",
        curl=f"curl -X GET http://h{operation.split()[1]}",
        case_id="c",
        phase="fuzzing",
        generation_mode="negative",
        description="",
    )


def test_classify_skips_501_operations_but_keeps_validation_failures() -> None:
    observed = Observations(
        not_implemented={"GET /a"},
        answered={"GET /a", "GET /b"},
        skip_reasons={"GET /c": "No examples in schema"},
        failures=[
            ("GET /a", _failure("GET /a", "not_a_server_error", 501)),
            ("GET /a", _failure("GET /a", "status_code_conformance", 501)),
            # invalid data reached the missing handler: a validation gap, still a failure
            ("GET /a", _failure("GET /a", "negative_data_rejection", 501)),
            ("GET /b", _failure("GET /b", "not_a_server_error", 500, "Received: 500 (1)")),
            ("GET /b", _failure("GET /b", "not_a_server_error", 500, "Received: 500 (2)")),
        ],
    )
    report = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1)
    fuzz.classify(["GET /a", "GET /b", "GET /c"], observed, report)
    assert [(s.operation, s.reason) for s in report.skipped] == [
        ("GET /a", NOT_IMPLEMENTED_REASON),
        ("GET /c", "not tested: No examples in schema"),
    ]
    assert report.tested == ["GET /b"]
    assert report.suppressed == 2
    assert [(f.operation, f.check, f.occurrences) for f in report.failures] == [
        ("GET /a", "negative_data_rejection", 1),
        ("GET /b", "not_a_server_error", 2),
    ]
    assert json.loads(json.dumps(report.to_json()))["ok"] is False


def test_report_renders_skips_failures_and_totals() -> None:
    report = FuzzReport(spec="s.yml", app_dir="d", seed=3, max_examples=4, base_url="http://h")
    fuzz.classify(
        ["GET /a", "GET /b"],
        Observations(
            not_implemented={"GET /a"},
            answered={"GET /a", "GET /b"},
            failures=[("GET /b", _failure("GET /b", "response_schema_conformance", 200, "bad"))],
        ),
        report,
    )
    text = textwrap.dedent(report.render())
    assert "SKIPPED GET /a: not implemented: answers 501" in text
    assert "FAIL GET /b: response_schema_conformance (ST000 t)" in text
    assert "    reproduce: curl -X GET http://h/b" in text
    assert text.splitlines()[-1].startswith("2 operations: 1 tested, 1 skipped;")
    assert report.exit_code == 1


def test_classify_lists_spec_gaps_apart_from_failures() -> None:
    """An undeclared 401 on an operation that declares no 401/403 is a spec gap; an undeclared
    422 where 400 is declared is the service's fault, a failure."""
    gaps = {("GET /a", 401): "GET /a: refuses a missing or wrong credential with 401 ..."}
    observed = Observations(
        answered={"GET /a"},
        failures=[
            ("GET /a", _failure("GET /a", "status_code_conformance", 401)),
            ("GET /a", _failure("GET /a", "status_code_conformance", 401)),
            ("GET /a", _failure("GET /a", "status_code_conformance", 422)),
            # the gap excuses the undeclared status, nothing else
            ("GET /a", _failure("GET /a", "content_type_conformance", 401)),
        ],
    )
    report = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1)
    fuzz.classify(["GET /a"], observed, report, {"GET /a": {"200", "400"}}, gaps)
    assert [(g.operation, g.status, g.occurrences) for g in report.spec_gaps] == [
        ("GET /a", 401, 2)
    ]
    assert [(f.check, f.status) for f in report.failures] == [
        ("content_type_conformance", 401),
        ("status_code_conformance", 422),
    ]
    text = report.render()
    assert "SPEC GAP GET /a: refuses a missing or wrong credential with 401" in text
    assert text.splitlines()[-1].endswith(
        f"2 failures, 0 errors, 1 spec gaps in {report.elapsed:.1f}s"
    )

    only_gaps = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1)
    fuzz.classify(
        ["GET /a"],
        Observations(answered={"GET /a"}, failures=observed.failures[:2]),
        only_gaps,
        None,
        gaps,
    )
    assert only_gaps.exit_code == 0 and not only_gaps.failures
    strict = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1, strict=True)
    fuzz.classify(
        ["GET /a"],
        Observations(answered={"GET /a"}, failures=observed.failures[:2]),
        strict,
        None,
        gaps,
    )
    assert strict.exit_code == 1
    assert "FAIL (strict) spec gap GET /a" in strict.render()
    assert json.loads(json.dumps(strict.to_json()))["spec_gaps"][0]["status"] == 401


def test_a_missing_header_answered_with_a_declared_status_schemathesis_did_not_expect() -> None:
    """schemathesis wants 401 for a missing Authorization header; an operation that declares
    403 and no 401 leaves the service the declared 403: a spec gap. Where 401 (or 4XX) is
    declared, or the answer is not declared, it stays a failure."""

    def missing(operation: str, status: int) -> Failure:
        message = f"Got {status} when missing required 'Authorization' header, expected 401"
        return _failure(operation, "missing_required_header", status, message)

    observed = Observations(
        answered={"GET /a", "GET /b", "GET /c"},
        failures=[
            ("GET /a", missing("GET /a", 403)),
            ("GET /b", missing("GET /b", 403)),
            ("GET /c", missing("GET /c", 400)),
        ],
    )
    report = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1)
    declared = {"GET /a": {"200", "403"}, "GET /b": {"200", "4XX", "403"}, "GET /c": {"200"}}
    fuzz.classify(["GET /a", "GET /b", "GET /c"], observed, report, declared, {})
    assert [(g.operation, g.status) for g in report.spec_gaps] == [("GET /a", 403)]
    assert "expects 401, which the operation does not declare" in report.spec_gaps[0].explanation
    assert [(f.operation, f.status) for f in report.failures] == [("GET /b", 403), ("GET /c", 400)]


def test_valid_data_refused_with_a_declared_4xx_is_a_declared_refusal() -> None:
    """A made-up id or paging cursor refused with a 4xx the operation declares (exactly, by
    range or by default) is a declared refusal; an undeclared 4xx stays a failure."""
    observed = Observations(
        answered={"GET /a", "GET /b", "GET /c", "GET /d"},
        failures=[
            (op, _failure(op, "positive_data_acceptance", status))
            for op, status in (("GET /a", 404), ("GET /b", 400), ("GET /c", 400), ("GET /d", 400))
        ],
    )
    report = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1)
    declared = {
        "GET /a": {"200", "404"},
        "GET /b": {"200", "4XX"},
        "GET /c": {"200", "default"},
        "GET /d": {"200", "404"},
    }
    fuzz.classify(["GET /a", "GET /b", "GET /c", "GET /d"], observed, report, declared, {})
    assert sorted(r.operation for r in report.declared_refusals) == ["GET /a", "GET /b", "GET /c"]
    assert [(f.operation, f.status) for f in report.failures] == [("GET /d", 400)]


def test_a_form_or_xml_body_whose_label_was_lost_is_a_note() -> None:
    """Schemathesis labels the JSON value it generated; what the form or XML bytes read as
    (``specfirst.wire``) decides whether the service was wrong."""
    from specfirst.wire import Reading

    def case(check: str, case_id: str, media: str, negative_in: tuple[str, ...]) -> Failure:
        return replace(
            _failure("PUT /pet", check, 200 if check == "negative_data_rejection" else 422),
            case_id=case_id,
            media_type=media,
            negative_in=negative_in,
            request={"body": {"$base64": "eA=="}},
        )

    form = "application/x-www-form-urlencoded"
    failures = [
        case("negative_data_rejection", "n1", form, ("body",)),  # the bytes are valid: a note
        case("negative_data_rejection", "n2", form, ("body",)),  # the bytes are invalid: a failure
        case("negative_data_rejection", "n3", form, ("body", "query")),  # not only the body
        case("positive_data_acceptance", "p1", "application/xml", ()),  # bytes invalid: a note
        case("negative_data_rejection", "j1", "application/json", ("body",)),  # JSON is faithful
    ]
    assert [fuzz._wire_candidate(f) for f in failures] == [True, True, False, True, False]
    readings = {
        "n1": Reading(True, {"name": "Dogs"}),
        "n2": Reading(False, {"name": 1}, "name: Input should be a valid string"),
        "p1": Reading(False, {"tags": ["id"]}, "tags.0: Input should be a valid dictionary"),
    }
    report = FuzzReport(spec="s", app_dir="d", seed=0, max_examples=1)
    fuzz.classify(
        ["PUT /pet"],
        Observations(answered={"PUT /pet"}, failures=[("PUT /pet", f) for f in failures]),
        report,
        None,
        None,
        readings,
    )
    assert [(n.check, n.media_type) for n in report.encoding_notes] == [
        ("negative_data_rejection", form),
        ("positive_data_acceptance", "application/xml"),
    ]
    # n2 and n3 are one distinct failure (same operation, check, status, media type), j1 another
    assert sorted((f.media_type, f.occurrences) for f in report.failures) == [
        ("application/json", 1),
        (form, 2),
    ]
    text = report.render()
    assert 'reads as {"name": "Dogs"}: valid; its label did not survive the encoding' in text
    assert json.loads(json.dumps(report.to_json()))["encoding_notes"][1]["valid"] is False


def test_operations_behind_path_item_refs_are_counted() -> None:
    # A bundled multi-file document keeps its path items as `$ref`s into
    # components/pathItems, sometimes through a chain; a dangling or circular chain counts
    # nothing rather than failing.
    document = {
        "paths": {
            "/a": {"$ref": "#/components/pathItems/a"},
            "/b": {"$ref": "#/components/pathItems/b"},
            "/loop": {"$ref": "#/components/pathItems/loop"},
            "/gone": {"$ref": "#/components/pathItems/gone"},
        },
        "components": {
            "pathItems": {
                "a": {"get": {"responses": {"200": {}}}, "delete": {"responses": {"204": {}}}},
                "b": {"$ref": "#/components/pathItems/b~1target"},
                "b/target": {"post": {"responses": {"201": {}, "400": {}}}},
                "loop": {"$ref": "#/components/pathItems/loop"},
            }
        },
    }
    assert fuzz.spec_operations(document) == ["GET /a", "DELETE /a", "POST /b"]
    assert fuzz.declared_statuses(document) == {
        "GET /a": {"200"},
        "DELETE /a": {"204"},
        "POST /b": {"201", "400"},
    }
