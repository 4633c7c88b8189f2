"""The normalizer's memo tables change how often work is done, never its result."""

from __future__ import annotations

import json
from typing import Any

from specfirst.validator import align as A
from specfirst.validator import normalize as N


def _cyclic_document(width: int) -> dict[str, Any]:
    """Schemas S0..S{width-1}, each referring to every other one (and S0 nullable, titled...)."""
    names = [f"S{i}" for i in range(width)]
    schemas: dict[str, Any] = {}
    for i, name in enumerate(names):
        others = [n for n in names if n != name]
        schemas[name] = {
            "type": "object",
            "title": name,
            "properties": {
                **{f"to_{o}": {"$ref": f"#/components/schemas/{o}"} for o in others},
                "either": {
                    "anyOf": [
                        {"type": "string", "enum": ["b", "a"], "title": "Letters"},
                        {"$ref": f"#/components/schemas/{others[0]}"},
                        {"type": "number", "maximum": 2.0, "x-note": {"k": [1, 2.0]}},
                    ]
                },
                "kind": {
                    "oneOf": [{"$ref": f"#/components/schemas/{o}"} for o in others],
                    "discriminator": {
                        "propertyName": "t",
                        "mapping": {o.lower(): f"#/components/schemas/{o}" for o in others},
                    },
                },
            },
            "required": [f"to_{others[0]}"],
            "nullable": i == 0,
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/S0"}}
                            },
                        }
                    }
                }
            }
        },
        "components": {"schemas": schemas},
    }


def _hub_document(width: int) -> dict[str, Any]:
    """H refers to A0..An, each Ai back to H and to C, and C to H only: inlining C under
    ``H -> Ai`` can only ever meet H, whichever Ai is on the stack."""
    doc = _cyclic_document(2)
    ref = "#/components/schemas/{}".format
    schemas: dict[str, Any] = {
        "S0": {"$ref": ref("H")},
        "H": {
            "type": "object",
            "properties": {f"a{i}": {"$ref": ref(f"A{i}")} for i in range(width)},
        },
        "C": {"type": "object", "properties": {"up": {"$ref": ref("H")}}},
    }
    for i in range(width):
        schemas[f"A{i}"] = {
            "type": "object",
            "properties": {
                "hub": {"$ref": ref("H")},
                "c": {"$ref": ref("C")},
                "n": {"type": "integer"},
            },
        }
    doc["components"]["schemas"] = schemas
    return doc


def test_each_recursive_component_is_normalized_once() -> None:
    for doc in (_cyclic_document(4), _hub_document(4)):
        normalizer = N._Normalizer(doc, (3, 0))
        normalizer.document()
        refs = {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}
        recursive = {ref for ref in refs if ref in normalizer._reach_of(ref)}
        # one marker target per recursive component, the others inlined once each
        assert recursive and set(normalizer._targets) == recursive
        assert all(t.final is not None for t in normalizer._targets.values())
        assert set(normalizer._inline_memo) <= refs - recursive


def test_memoized_member_sort_key_equals_the_plain_one() -> None:
    """Members without recursion markers: the composed key is the key of the plain text."""
    normalizer = N._Normalizer(_cyclic_document(4), (3, 0))
    checked: list[Any] = []
    memoized = normalizer._member_sort_key

    def check(member: Any) -> N.SortKey:
        key = memoized(member)
        plain = N.canonical_json(N._sort_repr(member))
        if N.RECURSIVE not in plain:
            assert key.prefix == plain[: N.SORT_PREFIX_CHARS]
            assert key.exact == (len(plain) <= N.SORT_PREFIX_CHARS)
            assert key == N._compose([plain]) or not key.exact or key.prefix == plain
            checked.append(member)
        return key

    normalizer._member_sort_key = check  # type: ignore[method-assign]
    normalizer.document()
    assert len(checked) >= 2


def test_a_marker_sorts_by_the_schema_it_stands_for_not_its_name() -> None:
    """Renaming the components changes no key: the keys of the markers of S1..S3 differ
    (their schemas do), and stay the same whatever the components are called."""

    def keys(doc: dict[str, Any]) -> list[N.SortKey]:
        normalizer = N._Normalizer(doc, (3, 0))
        normalizer.document()
        (target,) = [t for ref, t in normalizer._targets.items() if ref.endswith("1")]
        marker = {N.RECURSIVE: "", N._TARGET: target}
        schema = N.resolve_marker(marker)
        members = schema["properties"]["kind"]["oneOf"]
        return sorted(normalizer._member_sort_key(m) for m in members)

    doc = _cyclic_document(4)
    text = json.dumps(doc)
    for i in range(4):
        text = text.replace(f'schemas/S{i}"', f'schemas/R{i}"')
    renamed = json.loads(text)
    schemas = renamed["components"]["schemas"]
    renamed["components"]["schemas"] = {f"R{name[1:]}": schema for name, schema in schemas.items()}
    original = keys(doc)
    assert len(set(original)) == 3
    assert original == keys(renamed)


def _ladder_document(depth: int) -> dict[str, Any]:
    """L0..L{depth-1}: each refers to the next one four times (two properties, an anyOf member,
    a oneOf member inside array items), the last one back to L0. Expanded as a tree the
    schema of ``/x`` has more than 4**depth nodes; as a graph it has a few per component."""
    ref = "#/components/schemas/L{}".format
    schemas: dict[str, Any] = {}
    for i in range(depth):
        nxt = {"$ref": ref((i + 1) % depth)}
        schemas[f"L{i}"] = {
            "type": "object",
            "title": f"L{i}",
            "properties": {
                "a": nxt,
                "b": nxt,
                "n": {"type": "integer", "maximum": i},
                "u": {"anyOf": [nxt, {"type": "string"}]},
                "o": {"type": "array", "items": {"oneOf": [nxt, {"type": "integer"}]}},
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": ref(0)}}},
                        }
                    }
                }
            }
        },
        "components": {"schemas": schemas},
    }


def _count_calls(monkeypatch: Any, owner: Any, name: str, counts: dict[str, int]) -> None:
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[name] = counts.get(name, 0) + 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)


def test_a_reference_graph_is_normalized_aligned_and_compared_per_node_not_per_path(
    monkeypatch: Any,
) -> None:
    import copy

    from specfirst.validator import compare as C

    counts: dict[str, int] = {}
    _count_calls(monkeypatch, N._Normalizer, "_finalize", counts)
    _count_calls(monkeypatch, N._Normalizer, "_member_sort_key", counts)
    _count_calls(monkeypatch, A, "align_schema", counts)
    _count_calls(monkeypatch, C, "_diff_pair", counts)
    depth = 14  # 4**14 paths: walking them would never finish
    spec = _ladder_document(depth)
    assert C.compare_documents(spec, copy.deepcopy(spec), spec_version=(3, 1)) == []
    # work grows with the components (times the cycle length, for the recursion depths)
    bound = 60 * depth * depth
    assert 0 < counts["_finalize"] < bound
    assert 0 < counts["_member_sort_key"] < bound
    assert 0 < counts["align_schema"] < bound
    assert 0 < counts["_diff_pair"] < bound


def test_a_difference_in_a_shared_component_is_reported_on_every_path() -> None:
    import copy

    from specfirst.validator import compare as C

    spec = _ladder_document(2)
    app = copy.deepcopy(spec)
    app["components"]["schemas"]["L1"]["properties"]["n"]["maximum"] = 7
    found = C.compare_documents(spec, app, spec_version=(3, 1))
    prefix = "/paths/~1x/get/responses/200/content/application~1json/schema"
    # L1 is reached from L0 through a, b, u's anyOf member and o's oneOf member; below it
    # the recursion back to L0 is a marker, so each path to L1 reports its maximum once
    via = ["/properties/a", "/properties/b", "/properties/u/anyOf/0", "/properties/o/items/oneOf/0"]
    assert sorted(d.pointer for d in found) == sorted(
        f"{prefix}{p}/properties/n/maximum" for p in via
    )
    assert {(d.spec, d.app, d.kind) for d in found} == {(1, 7, "changed")}


def test_sort_keys_order_like_the_canonical_texts() -> None:
    # texts that differ within the prefix a key keeps order like the texts
    texts = [
        '{"a":1}',
        '{"a":2}',
        "[1]",
        '"x' + "y" * 3000 + '"',
        '"x' + "z" * 3000 + '"',
        '"x"',
        '"xy"',
    ]
    keys = [N._compose([t]) for t in texts]
    assert [t for _, t in sorted(zip(keys, texts, strict=True))] == sorted(texts)
    assert [k.exact for k in keys] == [True, True, True, False, False, True, True]
    # texts sharing their whole prefix are still told apart, by digest
    long = ['"' + "y" * 3000 + '"', '"' + "y" * 2999 + 'z"']
    assert N._compose([long[0]]) != N._compose([long[1]])
    assert N._compose(['{"a":', N._compose(["1"]), "}"]) == N._compose(
        ['{"a":', N._compose(["1"]), "}"]
    )


def test_a_dense_reference_cycle_is_compared_in_time_proportional_to_it() -> None:
    """Twelve schemas each referring to all the others: expanded until each cycle closes,
    one response schema is more than 11! nodes (the comparison never finished); compared
    as markers, every schema is normalized once and the walk stays a few nodes per schema."""
    import copy

    from specfirst.validator import compare as C

    doc = _cyclic_document(12)
    normalizer = N._Normalizer(doc, (3, 0))
    normalizer.document()
    assert len(normalizer._targets) == 12
    assert len(normalizer._final_memo) < 12 * 40
    assert C.compare_documents(doc, copy.deepcopy(doc), spec_version=(3, 0)) == []
    app = copy.deepcopy(doc)
    app["components"]["schemas"]["S7"]["properties"]["either"]["anyOf"][2]["maximum"] = 3
    found = C.compare_documents(doc, app, spec_version=(3, 0))
    # the members of the oneOf lists that hold S7 are sorted by content, so S7 moves there;
    # where its "either" is compared with itself, the difference is the bound
    assert any(d.pointer.endswith("/maximum") and (d.spec, d.app) == (2, 3) for d in found)
