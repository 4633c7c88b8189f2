#!/usr/bin/env bash
# Set up specfirst, generate and validate the service for openapi3_1.yml, then serve it.
#
#   ./run_setup.sh [--local] [--no-serve] [--spec FILE] [--out DIR] [--port N]
#
# Local path (the one CI exercises): a virtualenv in .venv, the package installed from this
# checkout, `specfirst generate` + `specfirst validate`, then uvicorn on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"

SPEC=openapi3_1.yml
OUT=service
PORT=${PORT:-8000}
SERVE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --local) shift ;;  # the only path until the Docker stack lands
    --no-serve) SERVE=0; shift ;;
    --spec) SPEC=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run_setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

step() { echo "==> $*"; }
fail() { echo "run_setup.sh: step failed: $1" >&2; exit 1; }

step "virtualenv (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv || fail "virtualenv"
PY=.venv/bin/python

step "install specfirst and its dependencies"
$PY -m pip install --quiet --disable-pip-version-check -e '.[test]' || fail "install"

step "generate $OUT from $SPEC"
$PY -m specfirst generate "$SPEC" --out "$OUT" || fail "generate"

step "validate $OUT against $SPEC"
$PY -m specfirst validate "$SPEC" --app "$OUT" || fail "validate"

if [ "$SERVE" = 1 ]; then
  step "serve on http://127.0.0.1:$PORT (Ctrl-C stops)"
  cd "$OUT"
  exec "../$PY" -m uvicorn app.main:app --host 127.0.0.1 --port "$PORT"
fi
step "done"
