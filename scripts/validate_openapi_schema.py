"""Validate a generated service against its spec: python scripts/validate_openapi_schema.py SPEC --out DIR."""

import sys

from specfirst.scripts import run_validate

if __name__ == "__main__":
    sys.exit(run_validate())
