"""Run the `models_and_crud` generator step: python scripts/generate_models_and_crud.py SPEC --out DIR [--force]."""

import sys

from specfirst.scripts import run_step

if __name__ == "__main__":
    sys.exit(run_step("models_and_crud"))
