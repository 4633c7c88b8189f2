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
    return get_openapi(
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
