"""How a list answer is shaped around its items, and how its declared headers are filled.

A list operation answers its items either as a bare array or inside an envelope: totals and
counts (``total``, ``articlesCount``, ``meta.pagination.total``), page figures (``page``,
``pages``, ``limit``), ``has_more``, cursors (``next_cursor``, ``after``), links (``next``,
``links.next``, HAL ``_links.next.href``) and the items themselves, possibly nested
(``data.items``, ``_embedded.articles``). This module reads the response schema once, at
generation time, and writes a *recipe*: for every property of the envelope, where its value
comes from (a :data:`SOURCES` name the generated service computes for each page) or, for a
property no rule recognises, a constant the schema accepts. The generated service
(``app/crud/paging.py``) follows the recipe; it never guesses.

The same goes for response headers: ``Link``, total-count and page headers of a list,
rate-limit headers, ``Location`` on a create, and a schema-valid constant for any other
required header.

A recipe is plain data (dicts, lists, strings, numbers), so it reaches generated code through
:func:`specfirst.pytypes.py_literal` like any other document value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from specfirst import synth
from specfirst.ir import NO_VALUE, Operation, Parameter, Response, Schema

# What the service knows about every page it answers (see app/crud/paging.py).
SOURCES = {
    "items": "the items of the page",
    "total": "total",
    "count": "items in this page",
    "limit": "page size",
    "offset": "offset",
    "page": "page number",
    "pages": "page count",
    "has_more": "has more",
    "has_prev": "has previous",
    "next_cursor": "next page cursor",
    "prev_cursor": "previous page cursor",
    "next_page": "next page number",
    "prev_page": "previous page number",
    "next_offset": "next page offset",
    "self_link": "this page link",
    "next_link": "next page link",
    "prev_link": "previous page link",
    "first_link": "first page link",
    "last_link": "last page link",
    "link_header": "next, previous, first and last page links",
    "location": "the created item's URL",
}
_INTEGER_SOURCES = frozenset(
    {"total", "count", "limit", "offset", "page", "pages", "next_page", "prev_page", "next_offset"}
)
_BOOLEAN_SOURCES = frozenset({"has_more", "has_prev"})

# Query parameters that page, by role; names are compared without case and punctuation
# (``page[size]`` is ``pagesize``, ``starting_after`` is ``startingafter``).
PAGING_PARAMS = {
    "limit": (
        "limit",
        "pagesize",
        "perpage",
        "size",
        "max",
        "count",
        "maxresults",
        "pagelimit",
        "maxitems",
    ),
    "offset": ("offset", "skip", "start", "pageoffset"),
    "page": ("page", "pagenumber", "pagenum", "pageindex", "pageno"),
    "after": (
        "cursor",
        "after",
        "startingafter",
        "pagetoken",
        "nextpagetoken",
        "marker",
        "nexttoken",
        "continuationtoken",
        "pagecursor",
        "pageafter",
        "startafter",
        "nextcursor",
        "continuation",
    ),
    "before": (
        "before",
        "endingbefore",
        "pagebefore",
        "prevpagetoken",
        "prevcursor",
        "previouscursor",
    ),
}
_DEFAULT_PAGE_SIZE = 20  # the page size of a page-numbered list that declares no size parameter

_TOTAL_NAMES = {
    "total",
    "totalcount",
    "totalitems",
    "itemstotal",
    "totalresults",
    "totalrecords",
    "totalelements",
    "totalsize",
    "totalentries",
    "totalhits",
    "numfound",
    "numresults",
    "resultcount",
    "recordcount",
    "itemcount",
    "totalitemcount",
    "odatacount",
}
_PAGES_NAMES = {"pages", "totalpages", "pagecount", "numpages", "lastpage", "totalpagecount"}
_PAGE_NAMES = {"page", "currentpage", "pagenumber", "pagenum", "pageindex", "pageno"}
_LIMIT_NAMES = {"limit", "perpage", "pagesize", "size", "maxresults", "pagelimit", "maxitems"}
_OFFSET_NAMES = {"offset", "skip", "start", "startindex"}
_HAS_MORE_NAMES = {
    "hasmore",
    "more",
    "hasnext",
    "hasnextpage",
    "nextexists",
    "moreitems",
    "hasmoreitems",
}
_HAS_PREV_NAMES = {"hasprev", "hasprevious", "haspreviouspage", "hasprevpage"}
_NEXT_CURSOR_NAMES = {
    "nextcursor",
    "cursor",
    "after",
    "endcursor",
    "nextpagetoken",
    "nexttoken",
    "nextmarker",
    "marker",
    "continuationtoken",
    "nextkey",
    "startingafter",
    "nextpagecursor",
}
_PREV_CURSOR_NAMES = {
    "prevcursor",
    "previouscursor",
    "before",
    "startcursor",
    "prevpagetoken",
    "previouspagetoken",
    "endingbefore",
}
_NEXT_NAMES = {
    "next",
    "nextpage",
    "nexturl",
    "nextpageurl",
    "nextpageuri",
    "nextlink",
    "nexthref",
    "nexturi",
    "odatanextlink",
}
_PREV_NAMES = {
    "prev",
    "previous",
    "prevpage",
    "previouspage",
    "prevurl",
    "previousurl",
    "prevpageurl",
    "previouspageurl",
    "prevpageuri",
    "previouspageuri",
    "prevlink",
    "previouslink",
    "prevhref",
    "prevuri",
}
_LINK_ROLES = {
    "self": "self_link",
    "first": "first_link",
    "last": "last_link",
    "next": "next_link",
    "prev": "prev_link",
    "previous": "prev_link",
}
_HREF_NAMES = {"href", "url", "uri", "link"}
_LINK_CONTAINERS = {"links", "link", "pagination", "paging", "navigation"}
_LINKY = ("url", "uri", "link", "href")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def paging_role(param: Parameter) -> str | None:
    """The paging role of a query parameter (limit, offset, page, after, before), if any."""
    if param.location != "query":
        return None
    key = _key(param.name)
    return next((role for role, names in PAGING_PARAMS.items() if key in names), None)


# -- recipes ------------------------------------------------------------------------------------


@dataclass
class Recipe:
    """How one list answer is built: ``body`` for the service, ``lines`` for ``specfirst plan``."""

    body: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)  # required properties no value was found for

    @property
    def sources(self) -> set[str]:
        """Every source the recipe reads."""
        found: set[str] = set()
        stack = [self.body]
        while stack:
            node = stack.pop()
            if "fields" in node:
                stack.extend(node["fields"].values())
            else:
                found.add(node["source"])
        return found


def _kind(s: Schema) -> str:
    t = s.target()
    if len(t.types) == 1:
        return t.types[0]
    return "any" if not t.types else "mixed"


def _fits(source: str, kind: str) -> bool:
    if kind == "any":
        return True
    if source in _INTEGER_SOURCES:
        return kind in ("integer", "number", "string")
    if source in _BOOLEAN_SOURCES:
        return kind == "boolean"
    return kind == "string"


def _constant(s: Schema) -> Any:
    """A value the schema accepts (the spec's const, example or default first), or NO_VALUE."""
    try:
        return synth.example_value(s)
    except (synth.SynthesisError, RecursionError):
        return NO_VALUE


class _Builder:
    def __init__(self, items_path: tuple[str, ...], cursor_paged: bool) -> None:
        self.items_path = items_path
        self.cursor_paged = cursor_paged
        self.items_name = _key(items_path[-1]) if items_path else ""
        self.lines: list[str] = []
        self.unfilled: list[str] = []

    def source_for(self, name: str, s: Schema, siblings: set[str], role: str | None) -> str | None:
        """The source that fills property ``name`` (``role``: the link its enclosing key names)."""
        key = _key(name)
        kind = _kind(s)
        target = s.target()
        if target.const is not NO_VALUE or target.enum is not None:
            return None  # a fixed value: the schema's own
        linky = any(part in key for part in _LINKY) or target.format in (
            "uri",
            "uri-reference",
            "url",
            "iri",
        )
        candidates: list[str] = []
        if role is not None:
            candidates.append(role)
        if key in _LINK_ROLES and kind == "string" and key not in ("next", "prev", "previous"):
            candidates.append(_LINK_ROLES[key])
        named = self.items_name
        counts = {f"{named}count", f"{named}total", f"total{named}", f"num{named}"}  # articlesCount
        if key in _TOTAL_NAMES or key in counts:
            candidates.append("total")
        elif key == "count":  # the page's own count when a total sits beside it
            candidates.append("count" if siblings & (_TOTAL_NAMES | counts) else "total")
        if key in _PAGES_NAMES:
            candidates.append("pages")
        if key in _PAGE_NAMES:
            candidates.append("page")
        if key in _LIMIT_NAMES:
            candidates.append("limit")
        if key in _OFFSET_NAMES:
            candidates.append("offset")
        if key in _HAS_MORE_NAMES:
            candidates.append("has_more")
        if key in _HAS_PREV_NAMES:
            candidates.append("has_prev")
        for names, cursor, page, link in (
            (_NEXT_NAMES, "next_cursor", "next_page", "next_link"),
            (_PREV_NAMES, "prev_cursor", "prev_page", "prev_link"),
        ):
            if key in names:
                if kind in ("integer", "number"):
                    candidates.append(page)
                elif linky or not self.cursor_paged:
                    candidates.append(link)
                else:
                    candidates.append(cursor)
        for prefix, link in (("first", "first_link"), ("last", "last_link"), ("self", "self_link")):
            if linky and key.startswith(prefix) and key not in _PAGES_NAMES:
                candidates.append(link)
        if key in _NEXT_CURSOR_NAMES:
            candidates.append("next_cursor")
        if key in _PREV_CURSOR_NAMES:
            candidates.append("prev_cursor")
        if key in ("nextoffset",):
            candidates.append("next_offset")
        return next((c for c in candidates if _fits(c, kind)), None)

    def node(
        self,
        s: Schema,
        path: tuple[str, ...],
        required: bool,
        role: str | None = None,
        depth: int = 0,
    ) -> dict[str, Any] | None:
        """The recipe of the value at ``path`` (None: an optional property left out)."""
        where = ".".join(path) or "(the answer)"
        target = s.target()
        if path == self.items_path:
            self.lines.append(f"{where} <- {SOURCES['items']}")
            return {"source": "items"}
        inside = self.items_path[: len(path)] == path
        props = target.all_properties() if target.is_object or target.all_of else {}
        if props and depth < 6 and (inside or _kind(s) in ("object", "any")):
            wanted = set(target.all_required())
            siblings = {_key(n) for n in props}
            fields: dict[str, Any] = {}
            container = _key(path[-1]) if path else ""
            for name, prop in props.items():
                key = _key(name)
                child_role: str | None = None
                if container in _LINK_CONTAINERS and key in _LINK_ROLES:
                    child_role = _LINK_ROLES[key]  # links.next, _links.self
                elif key in _LINK_ROLES and _kind(prop.schema) == "object":
                    child_role = _LINK_ROLES[key]  # next: {href}
                elif role is not None and key in _HREF_NAMES:
                    child_role = role  # the href of a link object
                child = self.node_or_leaf(
                    prop.schema, (*path, name), name in wanted, siblings, child_role, depth + 1
                )
                if child is not None:
                    fields[name] = child
            out: dict[str, Any] = {"fields": fields}
            if required and path:
                out["required"] = True
            return out if (fields or required) else None
        return None

    def node_or_leaf(
        self,
        s: Schema,
        path: tuple[str, ...],
        required: bool,
        siblings: set[str],
        role: str | None,
        depth: int,
    ) -> dict[str, Any] | None:
        name = path[-1]
        if path == self.items_path or self.items_path[: len(path)] == path:
            return self.node(s, path, required, role, depth)
        source = self.source_for(name, s, siblings, role)
        where = ".".join(path)
        if source is None and _kind(s) in ("object", "any") and s.target().all_properties():
            return self.node(s, path, required, role, depth)
        if source is None and not required:
            return None
        leaf: dict[str, Any] = {"source": source or "value", "type": _kind(s)}
        if required:
            leaf["required"] = True
        if required and _accepts_null(s):
            leaf["nullable"] = True
        target = s.target()
        for keyword, short in (
            ("minimum", "min"),
            ("maximum", "max"),
            ("exclusiveMinimum", "xmin"),
            ("exclusiveMaximum", "xmax"),
        ):
            bound = target.constraints.get(keyword)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                leaf[short] = bound
        constant = _constant(s) if required else NO_VALUE
        if constant is not NO_VALUE:
            leaf["fallback"] = constant
        if source is not None:
            self.lines.append(f"{where} <- {SOURCES[source]}")
        elif constant is not NO_VALUE:
            self.lines.append(f"{where} <- constant {constant!r}")
        else:
            self.unfilled.append(where)
            self.lines.append(f"{where} <- nothing fits (the answer will not validate)")
        return leaf


def _accepts_null(s: Schema) -> bool:
    from specfirst.resources import accepts_null  # resources builds on this module

    return accepts_null(s)


def list_recipe(
    schema: Schema | None, items_path: tuple[str, ...], *, cursor_paged: bool
) -> Recipe:
    """The recipe of a list answer whose items are at ``items_path`` (() for a bare array)."""
    builder = _Builder(items_path, cursor_paged)
    if schema is None or not items_path:
        return Recipe(body={"source": "items"}, lines=[])
    body = builder.node(schema, (), True) or {"source": "items"}
    return Recipe(body=body, lines=builder.lines, unfilled=builder.unfilled)


# -- headers ------------------------------------------------------------------------------------

_SELF_SET = frozenset(
    {
        "content-type",
        "content-length",
        "x-request-id",
        "allow",
        "date",
        "server",
        "transfer-encoding",
    }
)


def _raw_kind(raw: dict[str, Any]) -> str:
    kind = raw.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind if isinstance(kind, str) else "string"


def _raw_constant(raw: dict[str, Any], wanted: Any = NO_VALUE) -> Any:
    """A value a (raw) header schema accepts: ``wanted`` clamped to its bounds, its example, ..."""
    for key in ("const",):
        if key in raw:
            return raw[key]
    enum = raw.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    for key in ("default", "example"):
        if key in raw and wanted is NO_VALUE:
            return raw[key]
    examples = raw.get("examples")
    if wanted is NO_VALUE and isinstance(examples, list) and examples:
        return examples[0]
    kind = _raw_kind(raw)
    if kind in ("integer", "number"):
        value = wanted if isinstance(wanted, int | float) else 0
        low, high = raw.get("minimum"), raw.get("maximum")
        if isinstance(raw.get("exclusiveMinimum"), int | float) and not isinstance(
            raw.get("exclusiveMinimum"), bool
        ):
            low = raw["exclusiveMinimum"] + 1
        if isinstance(raw.get("exclusiveMaximum"), int | float) and not isinstance(
            raw.get("exclusiveMaximum"), bool
        ):
            high = raw["exclusiveMaximum"] - 1
        if isinstance(low, int | float) and value < low:
            value = math.ceil(low) if kind == "integer" else low
        if isinstance(high, int | float) and value > high:
            value = math.floor(high) if kind == "integer" else high
        return value
    if kind == "boolean":
        return bool(wanted) if wanted is not NO_VALUE else False
    if kind == "string":
        fmt = raw.get("format")
        if fmt == "date-time":
            return "1970-01-01T00:00:00Z"
        if fmt == "date":
            return "1970-01-01"
        if fmt in ("uri", "url", "uri-reference"):
            return "http://localhost/"
        if fmt == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        if raw.get("pattern") is not None or raw.get("minLength"):
            return NO_VALUE
        return "" if wanted is NO_VALUE else str(wanted)
    return NO_VALUE


@dataclass
class HeaderRecipe:
    headers: dict[str, dict[str, Any]]  # wire name -> {"source", "fallback", "type", bounds}
    lines: list[str] = field(default_factory=list)


def header_recipe(response: Response | None, kind: str) -> HeaderRecipe:
    """How the declared headers of an operation's success response are filled (``kind``: its CRUD kind)."""
    recipe = HeaderRecipe(headers={})
    if response is None:
        return recipe
    for name, header in response.headers.items():
        if not isinstance(header, dict) or name.lower() in _SELF_SET:
            continue
        raw = header.get("schema") if isinstance(header.get("schema"), dict) else {}
        if not raw and isinstance(header.get("content"), dict):
            media = next(iter(header["content"].values()), {})
            raw = media.get("schema", {}) if isinstance(media, dict) else {}
        required = header.get("required") is True
        key = name.lower()
        flat = _key(name)
        source: str | None = None
        wanted: Any = NO_VALUE
        if kind in ("list", "search"):
            if key == "link":
                source = "link_header"
            elif "total" in flat and ("page" in flat and "count" not in flat or "pages" in flat):
                source = "pages"
            elif "total" in flat:
                source = "total"
            elif flat.endswith(("perpage", "pagesize", "limit")) and "rate" not in flat:
                source = "limit"
            elif flat.endswith(("page", "currentpage")):
                source = "page"
            elif flat.endswith("offset"):
                source = "offset"
            elif flat.endswith(("nextcursor", "nextpagetoken", "cursor")):
                source = "next_cursor"
        if source is None and key == "location" and kind in ("create", "read", "update"):
            source = "location"
        if source is None and ("ratelimit" in flat or "rate" in flat and "limit" in flat):
            wanted = 0 if "reset" in flat or "retry" in flat else 1000
            source = "value"
        if source is None and not required:
            continue
        entry: dict[str, Any] = {
            "source": source or "value",
            "type": _raw_kind(raw),
            "required": required,
        }
        constant = _raw_constant(raw, wanted)
        if constant is not NO_VALUE:
            entry["fallback"] = constant
        for keyword, short in (("minimum", "min"), ("maximum", "max")):
            if isinstance(raw.get(keyword), int | float) and not isinstance(raw.get(keyword), bool):
                entry[short] = raw[keyword]
        if entry["source"] == "value" and "fallback" not in entry:
            recipe.lines.append(f"header {name} <- nothing fits")
            continue
        recipe.headers[name] = entry
        shown = f"constant {constant!r}" if entry["source"] == "value" else SOURCES[entry["source"]]
        recipe.lines.append(f"header {name} <- {shown}")
    return recipe


def declares_invalid(op: Operation, status: int) -> bool:
    """Whether ``op`` declares the status a refused parameter gets (exactly, by range or default)."""
    keys = {r.status.upper() for r in op.responses}
    return str(status) in keys or f"{str(status)[0]}XX" in keys or "DEFAULT" in keys
