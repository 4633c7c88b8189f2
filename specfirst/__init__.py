"""specfirst: generate a FastAPI service from an OpenAPI document and prove it matches."""

__version__ = "0.1.0"
