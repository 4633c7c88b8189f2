# A generated service behind uvicorn: by default the Ensemble service, service/ from
# openapi3_1.yml.
#
#   docker build -t specfirst-service .          (context: the repository root)
#   docker compose up --build --wait             (with Typesense; ./run_setup.sh does both)
#
# The service is generated here, at build time, never inside a running container: the build
# copies the tree in SERVICE_DIR (its hand-written handlers are kept), regenerates it from
# the document with specfirst and validates it. A change to the document or a handler takes
# a rebuild. Build arguments:
#   SPEC_DIR       the document's directory, relative to the build context (every file the
#                  document refers to must be under it; .dockerignore'd files are not sent)
#   SPEC_FILE      the document's path inside SPEC_DIR
#   SERVICE_DIR    the service tree, relative to the build context (may be empty)
#   PYTHON_IMAGE   the base image: the official python:3.11-slim, or any image with Python
#                  3.11+, pip, bash and useradd (the Docker stack test can use a local stand-in)
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# specfirst reads templates/ from its source checkout (see README, Known limits), so it is
# installed editable from a copy of the checkout in /opt/specfirst (runtime dependencies only).
# Its dependencies first, from pyproject.toml alone: that layer is rebuilt only when they change.
WORKDIR /opt/specfirst
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY README.md openapi3_1.yml ./
COPY specfirst/ specfirst/
COPY templates/ templates/
COPY scripts/ scripts/
RUN pip install --no-cache-dir --no-deps -e . \
    && python -c "import specfirst.render as r; assert r.TEMPLATES_DIR.is_dir(), r.TEMPLATES_DIR"

# An unprivileged user owns the service directory (and its data directory, where the named
# volume is mounted and the SQLite database lives by default).
RUN groupadd --system --gid 10001 specfirst \
    && useradd --system --uid 10001 --gid specfirst --home-dir /service --shell /usr/sbin/nologin specfirst \
    && mkdir /service && chown specfirst:specfirst /service

ARG SPEC_DIR=.
ARG SPEC_FILE=openapi3_1.yml
ARG SERVICE_DIR=service
COPY ${SPEC_DIR}/ /opt/specfirst/spec/
WORKDIR /service
COPY --chown=specfirst:specfirst ${SERVICE_DIR}/ ./
USER specfirst
RUN python -m specfirst generate "/opt/specfirst/spec/${SPEC_FILE}" --out /service \
    && python -m specfirst validate "/opt/specfirst/spec/${SPEC_FILE}" --app /service \
    && rm -rf /service/data && mkdir /service/data

EXPOSE 8000

# curl is not in the slim image: ask with Python's standard library.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/openapi.json', timeout=4).status == 200 else 1)"]

CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
