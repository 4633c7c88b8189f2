"""The normalizer's memo tables change how often work is done, never its result."""

from __future__ import annotations

from typing import Any

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
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}},
                        }
                    }
                }
            }
        },
        "components": {"schemas": schemas},
    }


class _StackAndReachKey(N._Normalizer):
    """The original memo key: every stack ref the target can reach at all."""

    def _stack_seen(self, ref: str, stack: frozenset[str]) -> frozenset[str]:
        return stack & self._reach_of(ref)


def _hub_document(width: int) -> dict[str, Any]:
    """H refers to A0..An, each Ai back to H and to C, and C to H only: inlining C under
    ``H -> Ai`` can only ever meet H, whichever Ai is on the stack."""
    doc = _cyclic_document(2)
    ref = "#/components/schemas/{}".format
    schemas: dict[str, Any] = {
        "S0": {"$ref": ref("H")},
        "H": {"type": "object", "properties": {f"a{i}": {"$ref": ref(f"A{i}")} for i in range(width)}},
        "C": {"type": "object", "properties": {"up": {"$ref": ref("H")}}},
    }
    for i in range(width):
        schemas[f"A{i}"] = {
            "type": "object",
            "properties": {"hub": {"$ref": ref("H")}, "c": {"$ref": ref("C")}, "n": {"type": "integer"}},
        }
    doc["components"]["schemas"] = schemas
    return doc


def test_memo_key_of_stack_refs_seen_gives_the_same_document_with_fewer_entries() -> None:
    for doc in (_cyclic_document(4), _hub_document(4)):
        fine = N._Normalizer(doc, (3, 0))
        coarse = _StackAndReachKey(doc, (3, 0))
        assert N.canonical_json(fine.document()) == N.canonical_json(coarse.document())
    assert len(fine._inline_memo) < len(coarse._inline_memo)


def test_memoized_member_sort_key_equals_the_plain_one() -> None:
    normalizer = N._Normalizer(_cyclic_document(4), (3, 0))
    checked: list[Any] = []
    memoized = normalizer._member_sort_key

    def check(member: Any) -> str:
        key = memoized(member)
        assert key == N.canonical_json(N._sort_repr(member))
        checked.append(member)
        return key

    normalizer._member_sort_key = check  # type: ignore[method-assign]
    normalizer.document()
    assert len(checked) > 10
