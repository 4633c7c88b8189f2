"""Build the OpenAPI document that FastAPI derives from a generated app's routes and models.

Run as ``python -m specfirst.validator.derive APP_DIR`` in a fresh interpreter so that
apps generated from different documents (all with a package named ``app``) never share
imported modules. It uses ``fastapi.openapi.utils.get_openapi`` over ``app.routes``,
never ``app.openapi()`` (the generated app serves the source document there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


class DeriveError(RuntimeError):
    """The generated app could not be imported or its document could not be built."""


def derive_in_process(app_dir: Path) -> dict[str, Any]:
    import warnings

    from fastapi.openapi.utils import get_openapi

    sys.path.insert(0, str(app_dir.resolve()))
    warnings.simplefilter("ignore")
    from app.main import create_app  # type: ignore[import-not-found]

    app = create_app()
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        terms_of_service=app.terms_of_service,
        contact=app.contact,
        license_info=app.license_info,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        separate_input_output_schemas=app.separate_input_output_schemas,
        external_docs=app.openapi_external_docs,
    )
    document["x-specfirst-components"] = _component_schemas(document)
    return document


def _component_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema pydantic derives for every component's model or type, as FastAPI would.

    Models nested in them are added to the document's components (FastAPI names them by
    class name too), so the validator can compare components no operation uses.
    """
    from app.schemas import COMPONENTS  # type: ignore[import-not-found]
    from pydantic import TypeAdapter
    from pydantic.json_schema import GenerateJsonSchema

    # One generator for every component, as FastAPI builds its components: each definition
    # is generated once, and a `$ref` inside literal data (a vendor extension) is left alone.
    inputs = [(name, "validation", TypeAdapter(python_type).core_schema) for name, python_type in COMPONENTS.items()]
    generator = GenerateJsonSchema(ref_template="#/components/schemas/{model}")
    schemas, definitions = generator.generate_definitions(inputs)  # type: ignore[arg-type]
    target = document.setdefault("components", {}).setdefault("schemas", {})
    for def_name, definition in definitions.items():
        target.setdefault(def_name, definition)
    return {name: schemas[(name, "validation")] for name in COMPONENTS}


def derive_app_document(app_dir: str | Path) -> dict[str, Any]:
    """The app's derived document, built in a child interpreter."""
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "specfirst.validator.derive", str(Path(app_dir).resolve())],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
        raise DeriveError(f"cannot import the generated app in {app_dir}:\n{tail}")
    return json.loads(proc.stdout)


def main() -> None:
    document = derive_in_process(Path(sys.argv[1]))
    sys.stdout.write(json.dumps(document))


if __name__ == "__main__":
    main()
