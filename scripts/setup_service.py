"""Master script: run every generator step in order, then validate.

python scripts/setup_service.py SPEC --out DIR [--force]
"""

import sys

from specfirst.scripts import run_all

if __name__ == "__main__":
    sys.exit(run_all())
