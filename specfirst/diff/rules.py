"""The catalogue of diff rules: every change ``specfirst diff`` reports has one of these ids.

Each rule has a stable kebab-case id (named after oasdiff's where one of its checks means the
same), a default level (``error``: breaks existing clients, ``warning``: may break them,
``info``: does not), the direction it matters in (``request``, ``response`` or ``both``) and
a one-line description.

Schema rules are families: one change to a schema (a tighter ``maxLength``, a removed enum
value, ...) gets an id naming where the schema sits: ``request-body-``, ``request-property-``
(anywhere below the root of a request body or parameter schema), ``request-parameter-``,
``response-body-``, ``response-property-`` or ``response-header-``. A request that gets
narrower and a response that gets wider break clients; the opposite changes do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Level = Literal["error", "warning", "info"]
Direction = Literal["request", "response", "both"]

LEVELS: Final[tuple[Level, ...]] = ("info", "warning", "error")
"""Levels from the lowest to the highest."""


def level_rank(level: str) -> int:
    """0 for info, 1 for warning, 2 for error."""
    return LEVELS.index(level)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Rule:
    """One kind of change."""

    id: str
    level: Level
    direction: Direction
    description: str


REQUEST_SUBJECTS: Final = {
    "body": "request-body",
    "property": "request-property",
    "parameter": "request-parameter",
}
RESPONSE_SUBJECTS: Final = {
    "body": "response-body",
    "property": "response-property",
    "header": "response-header",
}
SUBJECT_NAMES: Final = {
    "request-body": "the request body",
    "request-property": "a request property",
    "request-parameter": "a request parameter",
    "response-body": "the response body",
    "response-property": "a response property",
    "response-header": "a response header",
}

_N, _W = "narrower", "wider"

# family -> (level in a request, level in a response, what happened); None: not a rule there
_SCHEMA_FAMILIES: dict[str, tuple[Level | None, Level | None, str]] = {
    "type-changed": ("error", "error", "type changed to one that does not include the old one"),
    "type-generalized": ("info", None, "type widened (the old values are still accepted)"),
    "type-specialized": (None, "info", "type narrowed (every new value was valid before)"),
    "format-added": ("warning", "info", "format added (an annotation for many validators)"),
    "format-removed": ("info", "warning", "format removed"),
    "format-changed": ("error", "error", "format changed"),
    "became-enum": ("error", "info", "restricted to a list of enum values"),
    "became-not-enum": ("info", "error", "no longer restricted to a list of enum values"),
    "enum-value-removed": ("error", "info", "enum value removed"),
    "enum-value-added": ("info", "error", "enum value added"),
    "x-extensible-enum-value-removed": (
        "error",
        "info",
        "x-extensible-enum value removed (a value clients may send or must expect)",
    ),
    "became-nullable": ("info", "error", "became nullable"),
    "became-not-nullable": ("error", "info", "became not nullable"),
    "pattern-added": ("error", "info", "pattern added"),
    "pattern-removed": ("info", "warning", "pattern removed"),
    "pattern-changed": ("warning", "warning", "pattern changed"),
    "multiple-of-set": ("error", "info", "multipleOf set"),
    "multiple-of-changed": ("error", "warning", "multipleOf changed"),
    "multiple-of-unset": ("info", "warning", "multipleOf removed"),
    "unique-items-set": ("error", "info", "uniqueItems set"),
    "unique-items-unset": ("info", "warning", "uniqueItems removed"),
    "default-value-added": ("info", "info", "default value added"),
    "default-value-removed": ("warning", "info", "default value removed"),
    "default-value-changed": ("warning", "info", "default value changed"),
    "additional-properties-restricted": (
        "error",
        "info",
        "additional properties no longer accepted",
    ),
    "additional-properties-allowed": ("info", "warning", "additional properties now accepted"),
    "one-of-added": ("info", "error", "oneOf member added"),
    "one-of-removed": ("error", "info", "oneOf member removed"),
    "any-of-added": ("info", "error", "anyOf member added"),
    "any-of-removed": ("error", "info", "anyOf member removed"),
    "all-of-added": ("error", "info", "allOf member added"),
    "all-of-removed": ("info", "warning", "allOf member removed"),
    "discriminator-added": ("warning", "info", "discriminator added"),
    "discriminator-removed": ("info", "warning", "discriminator removed"),
    "discriminator-property-name-changed": ("error", "error", "discriminator property renamed"),
    "discriminator-mapping-added": ("info", "error", "discriminator mapping entry added"),
    "discriminator-mapping-deleted": ("error", "info", "discriminator mapping entry removed"),
    "discriminator-mapping-changed": ("error", "error", "discriminator mapping entry changed"),
}

BOUNDS: Final[dict[str, tuple[str, bool]]] = {
    # keyword -> (id stem, is an upper bound)
    "maxLength": ("max-length", True),
    "maximum": ("max", True),
    "exclusiveMaximum": ("exclusive-max", True),
    "maxItems": ("max-items", True),
    "maxProperties": ("max-properties", True),
    "minLength": ("min-length", False),
    "minimum": ("min", False),
    "exclusiveMinimum": ("exclusive-min", False),
    "minItems": ("min-items", False),
    "minProperties": ("min-properties", False),
}


def bound_family(keyword: str, old: float | None, new: float | None) -> str | None:
    """The family id of a bound's change (None when it did not change)."""
    stem = BOUNDS[keyword][0]
    if old == new:
        return None
    if old is None:
        return f"{stem}-set"
    if new is None:
        return f"{stem}-unset"
    return f"{stem}-{'increased' if new > old else 'decreased'}"


def _bound_families() -> dict[str, tuple[Level | None, Level | None, str]]:
    out: dict[str, tuple[Level | None, Level | None, str]] = {}
    for keyword, (stem, upper) in BOUNDS.items():
        tighter = "decreased" if upper else "increased"
        looser = "increased" if upper else "decreased"
        out[f"{stem}-{tighter}"] = ("error", "info", f"{keyword} {tighter} ({_N})")
        out[f"{stem}-{looser}"] = ("info", "warning", f"{keyword} {looser} ({_W})")
        out[f"{stem}-set"] = ("error", "info", f"{keyword} set ({_N})")
        out[f"{stem}-unset"] = ("info", "warning", f"{keyword} removed ({_W})")
    return out


SCHEMA_FAMILIES: Final = {**_SCHEMA_FAMILIES, **_bound_families()}
"""Every schema family: (level in a request, level in a response, description)."""

# Rules about object members, structure, operations and security: id -> (level, direction, text)
_OTHER_RULES: dict[str, tuple[Level, Direction, str]] = {
    # request object members
    "new-required-request-property": ("error", "request", "new required request property"),
    "new-optional-request-property": ("info", "request", "new optional request property"),
    "request-property-removed": ("warning", "request", "request property removed"),
    "request-property-became-required": ("error", "request", "request property became required"),
    "request-property-became-optional": ("info", "request", "request property became optional"),
    "request-required-property-became-read-only": (
        "warning",
        "request",
        "required request property became read-only (the server ignores it now)",
    ),
    "request-optional-property-became-read-only": (
        "info",
        "request",
        "optional request property became read-only",
    ),
    "request-required-property-became-not-read-only": (
        "error",
        "request",
        "read-only property became a required request property",
    ),
    "request-optional-property-became-not-read-only": (
        "info",
        "request",
        "read-only property became an optional request property",
    ),
    "request-property-deprecated": ("info", "request", "request property deprecated"),
    "request-property-reactivated": ("info", "request", "request property no longer deprecated"),
    # response object members
    "response-required-property-removed": (
        "error",
        "response",
        "required response property removed",
    ),
    "response-optional-property-removed": (
        "warning",
        "response",
        "optional response property removed",
    ),
    "response-required-property-added": ("info", "response", "required response property added"),
    "response-optional-property-added": ("info", "response", "optional response property added"),
    "response-property-became-optional": ("error", "response", "response property became optional"),
    "response-property-became-required": ("info", "response", "response property became required"),
    "response-required-property-became-write-only": (
        "error",
        "response",
        "required response property became write-only (no longer returned)",
    ),
    "response-optional-property-became-write-only": (
        "warning",
        "response",
        "optional response property became write-only (no longer returned)",
    ),
    "response-property-became-not-write-only": (
        "info",
        "response",
        "write-only property is now returned",
    ),
    "response-property-deprecated": ("info", "response", "response property deprecated"),
    "response-property-reactivated": (
        "info",
        "response",
        "response property no longer deprecated",
    ),
    # parameters
    "new-required-request-parameter": ("error", "request", "new required request parameter"),
    "new-optional-request-parameter": ("info", "request", "new optional request parameter"),
    "request-parameter-removed": ("warning", "request", "request parameter removed"),
    "request-parameter-removed-with-deprecation": (
        "info",
        "request",
        "deprecated request parameter removed",
    ),
    "request-parameter-removed-before-sunset": (
        "error",
        "request",
        "deprecated request parameter removed before its sunset date",
    ),
    "request-parameter-became-required": ("error", "request", "request parameter became required"),
    "request-parameter-became-optional": ("info", "request", "request parameter became optional"),
    "request-parameter-in-changed": (
        "error",
        "request",
        "request parameter moved (its `in` changed)",
    ),
    "request-parameter-style-changed": ("error", "request", "request parameter style changed"),
    "request-parameter-explode-changed": ("error", "request", "request parameter explode changed"),
    "request-parameter-allow-reserved-removed": (
        "error",
        "request",
        "request parameter no longer allows reserved characters",
    ),
    "request-parameter-allow-empty-value-removed": (
        "error",
        "request",
        "request parameter no longer allows an empty value",
    ),
    "request-parameter-deprecated": ("info", "request", "request parameter deprecated"),
    "request-parameter-reactivated": ("info", "request", "request parameter no longer deprecated"),
    "request-parameter-media-type-changed": (
        "error",
        "request",
        "media type of a request parameter's content changed",
    ),
    # request bodies
    "request-body-added-required": ("error", "request", "required request body added"),
    "request-body-added-optional": ("info", "request", "optional request body added"),
    "request-body-removed": ("warning", "request", "request body removed"),
    "request-body-became-required": ("error", "request", "request body became required"),
    "request-body-became-optional": ("info", "request", "request body became optional"),
    "request-body-media-type-removed": ("error", "request", "request body media type removed"),
    "request-body-media-type-added": ("info", "request", "request body media type added"),
    # responses
    "response-success-status-removed": ("error", "response", "success response status removed"),
    "response-non-success-status-removed": (
        "warning",
        "response",
        "non-success response status removed",
    ),
    "response-success-status-added": ("info", "response", "success response status added"),
    "response-non-success-status-added": ("info", "response", "non-success response status added"),
    "response-status-added-without-default": (
        "warning",
        "response",
        "response status added to an operation without a default response",
    ),
    "response-default-removed": ("warning", "response", "default response removed"),
    "response-default-added": ("info", "response", "default response added (it documents errors)"),
    "response-media-type-removed": ("error", "response", "response media type removed"),
    "response-media-type-added": ("info", "response", "response media type added"),
    "response-body-removed": ("error", "response", "response body removed"),
    "response-body-added": ("info", "response", "response body added"),
    "required-response-header-removed": ("error", "response", "required response header removed"),
    "optional-response-header-removed": (
        "warning",
        "response",
        "optional response header removed",
    ),
    "response-header-added": ("info", "response", "response header added"),
    "response-header-became-optional": ("error", "response", "response header became optional"),
    "response-header-became-required": ("info", "response", "response header became required"),
    # paths and operations
    "api-path-removed-without-deprecation": (
        "error",
        "both",
        "path removed without deprecation",
    ),
    "api-path-removed-with-deprecation": ("info", "both", "deprecated path removed"),
    "api-path-removed-before-sunset": (
        "error",
        "both",
        "deprecated path removed before its sunset date",
    ),
    "api-removed-without-deprecation": (
        "error",
        "both",
        "operation removed without deprecation",
    ),
    "api-removed-with-deprecation": ("info", "both", "deprecated operation removed"),
    "api-removed-before-sunset": (
        "error",
        "both",
        "deprecated operation removed before its sunset date",
    ),
    "endpoint-added": ("info", "both", "operation added"),
    "endpoint-deprecated": ("info", "both", "operation deprecated"),
    "endpoint-deprecated-with-sunset": ("info", "both", "operation deprecated with a sunset date"),
    "endpoint-reactivated": ("info", "both", "operation no longer deprecated"),
    "api-sunset-date-changed-too-small": (
        "warning",
        "both",
        "sunset date of a deprecated operation moved earlier",
    ),
    "api-operation-id-removed": ("error", "both", "operationId removed or changed"),
    "api-operation-id-added": ("info", "both", "operationId added"),
    "api-tag-removed": ("info", "both", "operation tag removed"),
    "api-tag-added": ("info", "both", "operation tag added"),
    # security
    "api-security-became-required": (
        "error",
        "request",
        "operation requires credentials it did not require",
    ),
    "api-security-became-optional": (
        "info",
        "request",
        "operation accepts requests without credentials",
    ),
    "api-security-removed": (
        "error",
        "request",
        "a security alternative clients could use is no longer accepted",
    ),
    "api-security-added": ("info", "request", "security alternative added"),
    "api-security-scope-added": ("error", "request", "scope added to a security requirement"),
    "api-security-scope-removed": ("info", "request", "scope removed from a security requirement"),
    "api-security-component-type-changed": (
        "error",
        "request",
        "security scheme type changed",
    ),
    "api-security-component-api-key-changed": (
        "error",
        "request",
        "API key scheme reads its key from another place",
    ),
    "api-security-component-http-scheme-changed": (
        "error",
        "request",
        "HTTP authentication scheme changed",
    ),
    "api-security-component-oauth-url-changed": (
        "info",
        "request",
        "OAuth authorization URL changed",
    ),
    "api-security-component-oauth-token-url-changed": (
        "info",
        "request",
        "OAuth token URL changed",
    ),
    "api-security-component-oauth-scope-added": ("info", "request", "OAuth scope added"),
    "api-security-component-oauth-scope-removed": ("warning", "request", "OAuth scope removed"),
}


def schema_rule_id(subject: str, family: str) -> str:
    """The id of a schema family at a subject (``request-body``, ``response-header``, ...)."""
    return f"{subject}-{family}"


def _catalogue() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for family, (request_level, response_level, text) in SCHEMA_FAMILIES.items():
        for level, subjects, direction in (
            (request_level, REQUEST_SUBJECTS, "request"),
            (response_level, RESPONSE_SUBJECTS, "response"),
        ):
            if level is None:
                continue
            for subject in subjects.values():
                rule_id = schema_rule_id(subject, family)
                rules[rule_id] = Rule(
                    rule_id,
                    level,
                    direction,
                    f"{SUBJECT_NAMES[subject]}: {text}",  # type: ignore[arg-type]
                )
    for rule_id, (level, direction, text) in _OTHER_RULES.items():
        rules[rule_id] = Rule(rule_id, level, direction, text)
    return dict(sorted(rules.items()))


RULES: Final[dict[str, Rule]] = _catalogue()
"""Every rule by id, sorted by id."""
