"""A ``oneOf`` whose object members accept one same plain value is repaired to ``anyOf``.

Real documents give error and request shapes as a ``oneOf`` of objects that differ only in
optional properties: a plain body (the required properties only) matches several members, so
no service answer and no ordinary request is valid as written. The loader warns, located,
and takes ``anyOf``; ``--strict`` refuses. Scalar overlaps (a way to exclude values) and a
``oneOf`` with a discriminator are kept. The generated service validates clean and its
generated suite passes (it failed on every refusal before the repair).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, run_generated_suite

from specfirst.errors import SpecError
from specfirst.loader import load_spec
from specfirst.pipeline import generate

SPEC = REPO / "tests" / "specs" / "overlapping_one_of.yml"


def test_the_overlapping_one_of_is_warned_located_and_taken_as_any_of() -> None:
    spec = load_spec(SPEC)
    warned = {w.pointer: w for w in spec.warnings if "oneOf members" in w.message}
    request = "/paths/~1labels/post/requestBody/content/application~1json/schema/oneOf"
    errors = [
        "/paths/~1labels/post/responses/400/content/application~1json/schema/oneOf",
        "/paths/~1labels~1{labelId}/get/responses/404/content/application~1json/schema/oneOf",
    ]
    assert set(warned) == {request, *errors}
    first = warned[errors[0]]
    assert first.line is not None and first.file.endswith("overlapping_one_of.yml")
    assert first.message.startswith(
        'oneOf members 0 and 1 both accept {"code": "x", "message": "x"}'
    )
    assert first.assumed and "anyOf" in first.assumed
    labels = spec.document["paths"]["/labels"]["post"]
    assert "anyOf" in labels["responses"]["400"]["content"]["application/json"]["schema"]
    assert "oneOf" not in labels["requestBody"]["content"]["application/json"]["schema"]
    label = spec.document["components"]["schemas"]["Label"]["properties"]
    assert "oneOf" in label["weight"]  # scalars: exclusivity kept
    assert "oneOf" in label["shape"]  # a discriminator picks the member


def test_strict_refuses_it() -> None:
    with pytest.raises(SpecError) as refused:
        load_spec(SPEC, strict=True)
    assert any("oneOf members 0 and 1" in p.message for p in refused.value.problems)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("overlap") / "service"
    generate(SPEC, out)
    return out


def test_the_service_validates_clean(service: Path) -> None:
    from specfirst.validator.run import validate

    assert validate(SPEC, service) == []


def test_the_generated_suite_passes(service: Path) -> None:
    result = run_generated_suite(service)
    assert result.returncode == 0, result.stdout[-4000:]
