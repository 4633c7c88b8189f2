"""The rules file of ``specfirst diff --rules FILE``: a YAML mapping of rule id to level.

```yaml
response-optional-property-removed: error   # raise
request-parameter-removed: info             # lower
api-tag-removed: off                        # never report
```

An unknown id or level is refused with its file, pointer and line (exit 2).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from specfirst.diff.rules import LEVELS, RULES, Level
from specfirst.errors import Problem, SpecError
from specfirst.loader import pointer_join

CHOICES = (*LEVELS, "off")


def load_rules(path: str | Path) -> dict[str, Level | None]:
    """Rule id -> level (None: off) read from a YAML file; raises SpecError when it is wrong."""
    display = str(path)
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(
            [Problem(display, "", f"cannot read the rules file: {exc.strerror or exc}")]
        ) from None
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(
            [
                Problem(
                    display,
                    "",
                    f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                )
            ]
        ) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise SpecError(
            [
                Problem(
                    display,
                    "",
                    "the rules file must map rule ids to levels",
                    root.start_mark.line + 1,
                )
            ]
        )
    out: dict[str, Level | None] = {}
    problems: list[Problem] = []
    for key_node, value_node in root.value:
        key = str(key_node.value)
        pointer = pointer_join("", key)
        value = str(value_node.value).lower() if isinstance(value_node, yaml.ScalarNode) else None
        if key not in RULES:
            problems.append(
                Problem(
                    display,
                    pointer,
                    f"unknown rule id {key!r} (see `specfirst diff --list-rules`)",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            )
        elif value not in CHOICES:
            problems.append(
                Problem(
                    display,
                    pointer,
                    f"level must be one of {', '.join(CHOICES)}",
                    value_node.start_mark.line + 1,
                    value_node.start_mark.column + 1,
                )
            )
        else:
            out[key] = None if value == "off" else value  # type: ignore[assignment]
    if problems:
        raise SpecError(problems)
    return out
