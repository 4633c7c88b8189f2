"""Run the `api_routes` generator step: python scripts/generate_api_routes.py SPEC --out DIR [--force]."""

import sys

from specfirst.scripts import run_step

if __name__ == "__main__":
    sys.exit(run_step("api_routes"))
