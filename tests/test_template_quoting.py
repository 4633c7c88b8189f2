"""Templates print document text only through the quoting filters (``specfirst.quoting``).

Every ``{{ ... }}`` in ``templates/`` is one of:

- document text through a quoting filter: ``| py_literal`` in code, ``| comment`` in a
  ``#`` comment;
- a name from :mod:`specfirst.naming` (or the generator's own vocabulary): the only thing
  allowed inside a string or docstring of the template;
- a piece of code a step built from quoted parts (``TypeRenderer``, ``py_literal``): code
  context only.

The last two are an explicit allow-list of expressions below; anything else fails.
"""

from __future__ import annotations

import jinja2
import pytest
from conftest import REPO
from jinja2 import nodes

from specfirst.quoting import comment_text, docstring_text, py_literal
from specfirst.render import environment

TEMPLATES = REPO / "templates"

# Names allocated by specfirst.naming (identifiers, module and file names) or fixed by the
# generator (HTTP methods, the header text it writes itself).
IDENTIFIERS = frozenset(
    {
        "header",
        "version",
        "name",
        "py_name",
        "class_name",
        "variable",
        "key",
        "param",
        "scheme",
        "error_model",
        "d.name",
        "d.bases",
        "f.name",
        "p.name",
        "s.py_name",
        "test.name",
        "creator.name",
        "route.function",
        "route.method",
        "route.callbacks_router",
        "cb.function",
        "cb.method",
        "r.model_class",
        "r.module",
        "r.table_var",
        "r.function",
        "m.module",
        "module.module",
        "c.module",
        "c.table_var",
        "c.variable",
        "outbox.module",
        "outbox.model_class",
        "outbox.name",
        "module.schema_names",
        "imports",
        "paging_names",
        "answers",
        "group",
        'item.split(".")[0]',
        'item.split(".")[1]',
        # the client generator (specfirst.client)
        "package",
        "dist_name",
        "c.param",
        "r.attribute",
        "r.class_name",
        "resource.module",
        "resource.class_name",
        "e.name",
        "e.base",
        "m.name",
        "m.spec_name",
    }
)
# Code the steps build from quoted parts (type expressions, Field(...) calls, literals).
GENERATED_CODE = frozenset(
    {
        "f.annotation",
        "f.default",
        "f.source",
        "f",
        "p.annotation",
        "p.default",
        "d.expression",
        "d.config",
        "d.extra_type",
        "s.constructor",
        "c.attribute",
        "c.annotation",
        "c.arguments",
        "c.key_map",
        "c.query_by",
        "arg",
        "args[0]",
        "line",
        "declaration",
        "value",
        "literal",
        "defs",
        "media_type",
        "columns",
        "server_values",
        "keep_null",
        "path",
        "methods",
        # the client generator (specfirst.client)
        "c.expression",
        "e.body",
        "m.spec",
        "m.paging",
        "m.call",
        "m.returns",
        "m.stream_item",
        "m.paged_item",
        "m.example",
        "m.example_all",
    }
)
QUOTING_FILTERS = {"py_literal", "comment", "docstring"}


def _expression(node: nodes.Node) -> str | None:
    """The dotted text of a plain reference (``r.model_class``, ``args[0]``), else None."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _expression(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _expression(node.node)
        return f"{base}[{node.arg.value!r}]" if base else None
    if isinstance(node, nodes.Call) and not node.args[1:] and not node.kwargs:
        base = _expression(node.node)
        args = node.args
        if base and len(args) == 1 and isinstance(args[0], nodes.Const):
            return f'{base}("{args[0].value}")'
    return None


def _kind(node: nodes.Node) -> str | None:
    """``py_literal``, ``comment``, ``identifier``, ``code`` or ``const``; None when unsafe."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return "const"
    if isinstance(node, nodes.Filter):
        if node.name in QUOTING_FILTERS:
            return node.name
        if node.name == "join" and node.node is not None:
            return _kind(node.node)
        return None
    if isinstance(node, (nodes.CondExpr, nodes.Or)):
        branches = (
            (node.expr1, node.expr2)
            if isinstance(node, nodes.CondExpr)
            else (node.left, node.right)
        )
        kinds = {_kind(b) if b is not None else "const" for b in branches}
        kinds.discard("const")
        return None if None in kinds or len(kinds) > 1 else (kinds.pop() if kinds else "const")
    text = _expression(node)
    if text in IDENTIFIERS:
        return "identifier"
    if text in GENERATED_CODE:
        return "code"
    return None


# Which kinds each place of the Python text may hold.
_ALLOWED = {
    "code": {"py_literal", "identifier", "code", "const"},
    "comment": {"comment", "identifier", "const"},
    "string": {"identifier", "const"},
    "docstring": {"docstring", "identifier", "const"},
}


def _places(source: str) -> list[tuple[int, str, str]]:
    """(line, place, expression) of every ``{{ ... }}``; place is code, comment or string."""
    found: list[tuple[int, str, str]] = []
    state = "code"  # code, comment, ', ", ''' or """
    i = 0
    while i < len(source):
        if source.startswith("{{", i):
            end = source.index("}}", i)
            place = (
                state
                if state in ("code", "comment")
                else ("docstring" if state == '"""' else "string")
            )
            found.append((source.count("\n", 0, i) + 1, place, source[i + 2 : end].strip()))
            i = end + 2
            continue
        if source.startswith(("{%", "{#"), i):
            i = source.index("%}" if source[i + 1] == "%" else "#}", i) + 2
            continue
        ch = source[i]
        if state == "code":
            if ch == "#":
                state = "comment"
            elif source.startswith(('"""', "'''"), i):
                state, i = source[i : i + 3], i + 2
            elif ch in "\"'":
                state = ch
        elif state == "comment":
            if ch == "\n":
                state = "code"
        elif ch == "\\":
            i += 1
        elif len(state) == 3 and source.startswith(state, i):
            state, i = "code", i + 2
        elif len(state) == 1 and (ch == state or ch == "\n"):
            state = "code"
        i += 1
    return found


def template_problems(source: str, env: jinja2.Environment | None = None) -> list[str]:
    """Every interpolation of ``source`` that could print document text unquoted."""
    env = env or environment()
    problems: list[str] = []
    for line, place, expression in _places(source):
        output = env.parse("{{ " + expression + " }}").body[0]
        assert isinstance(output, nodes.Output)
        kind = _kind(output.nodes[0])
        if kind not in _ALLOWED[place]:
            what = "not an allowed expression" if kind is None else f"{kind} in a {place}"
            problems.append(f"{line}: {{{{ {expression} }}}}: {what}")
    return problems


TEMPLATE_FILES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.j2"))


@pytest.mark.parametrize("template", TEMPLATE_FILES)
def test_templates_print_document_text_only_through_the_quoting_filters(template: str) -> None:
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert template_problems(source) == []


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ('summary = "{{ op.summary }}"\n', "not an allowed expression"),
        ("summary = '{{ op.summary | py_literal }}'\n", "py_literal in a string"),
        ('"""{{ d.docstring }}"""\n', "not an allowed expression"),
        ('"""Rows of {{ r.description | comment }}."""\n', "comment in a docstring"),
        ("x = '{{ r.description | docstring }}'\n", "docstring in a string"),
        ('x = "{{ r.description | docstring(4) }}"\n', "docstring in a string"),
        ("# {{ r.description | docstring }}\n", "docstring in a comment"),
        ("x = {{ r.description | docstring }}\n", "docstring in a code"),
        ("x = '''{{ header }}\n{{ value }}'''\n", "code in a string"),
        ("# {{ note }}\n", "not an allowed expression"),
        ("# {{ line }}\n", "code in a comment"),
        ("x = {{ description }}\n", "not an allowed expression"),
        ("x = {{ description | tojson }}\n", "not an allowed expression"),
        ("x = {{ r.title | comment }}\n", "comment in a code"),
        ("x = {{ (title | py_literal) if title else description }}\n", "not an allowed expression"),
    ],
)
def test_the_scan_fails_on_a_bad_template(bad: str, why: str) -> None:
    problems = template_problems("{% if x %}\n{% endif %}\n" + bad)
    assert problems and why in problems[-1], problems


def test_the_scan_passes_a_good_template() -> None:
    good = (
        "# {{ tag | comment }}\n"
        '"""{{ header }} of ``{{ outbox.name }}``."""\n'
        'def f():\n    """{{ text | docstring(4) }}"""\n'
        "{{ d.name }} = Field(description={{ text | py_literal }})  # {{ text | comment }}\n"
        'x = {{ (v | py_literal) if v else "None" }}\n'
        "y = '\\'{{ c.variable }}'\n"
    )
    assert template_problems(good) == []


def test_quoting_functions() -> None:
    hostile = 'x""" if __import__("os") else """\\'
    assert eval(py_literal(hostile)) == hostile
    assert eval(py_literal([1.5, float("inf"), {"a": None, "b": [True]}])) == [
        1.5,
        float("inf"),
        {"a": None, "b": [True]},
    ]
    folded = comment_text("a\nb\rc\u2028d\u2029e\x85f\x0cg\x0bh\x00i\x1cj\ud800k")
    assert folded == "a b c d e f g hi jk"
    assert len(folded.splitlines()) == 1 and "\x00" not in folded


@pytest.mark.parametrize(
    "text",
    [
        'x""" if __import__("os") else """\\',
        'ends with a quote "',
        "ends with a backslash \\",
        "\\N{BULLET} \\x41 \\u0041 \\",
        "line\r\nbreaks\rof\u2028every\u2029kind\x85here\x0cand\x0bthere",
        "NUL\x00 bell\x07 lone\ud800 surrogate",
        "'''single''' quotes",
        "\n\n  indented first line\n\n  second paragraph  \n\n",
    ],
)
def test_docstring_text_cannot_end_the_string_and_keeps_the_words(text: str) -> None:
    body = docstring_text(text, indent=4)
    namespace: dict[str, object] = {}
    exec(compile(f'def f():\n    """{body}"""\n    return 1\n', "<doc>", "exec"), namespace)  # noqa: S102 - the point of the test
    function = namespace["f"]
    assert function() == 1  # type: ignore[operator]
    doc = function.__doc__  # type: ignore[attr-defined]
    for word in ("quote", "backslash", "BULLET", "breaks", "every", "single", "second"):
        if word in text:
            assert word in doc
    assert "\x00" not in doc and "\x07" not in doc
    if '"""' in text:
        assert '"""' in doc
