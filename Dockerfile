# The generated Ensemble service (service/, from openapi3_1.yml) behind uvicorn.
#
#   docker build -t specfirst-service .          (context: the repository root)
#   docker compose up                            (with Typesense; copy .env.example to .env first)
#
# specfirst itself is installed too (runtime dependencies only, no test extras), so the
# service can be regenerated inside the image:
#   docker run --rm specfirst-service python -m specfirst generate /opt/specfirst/openapi3_1.yml --out /service
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# specfirst reads templates/ from its source checkout (see README, Known limits), so it is
# installed editable from a copy of the checkout in /opt/specfirst.
WORKDIR /opt/specfirst
COPY pyproject.toml README.md openapi3_1.yml ./
COPY specfirst/ specfirst/
COPY templates/ templates/
COPY scripts/ scripts/
RUN pip install --no-cache-dir -e . \
    && python -c "import specfirst.render as r; assert r.TEMPLATES_DIR.is_dir(), r.TEMPLATES_DIR"

# An unprivileged user owns the service directory (and its data directory, where the named
# volume is mounted and the SQLite database lives by default).
RUN groupadd --system --gid 10001 specfirst \
    && useradd --system --uid 10001 --gid specfirst --home-dir /service --shell /usr/sbin/nologin specfirst

WORKDIR /service
COPY --chown=specfirst:specfirst service/ ./
RUN mkdir -p /service/data && chown specfirst:specfirst /service/data

USER specfirst

EXPOSE 8000

# curl is not in the slim image: ask with Python's standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/openapi.json', timeout=4).status == 200 else 1)"]

CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
