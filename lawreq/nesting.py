"""How deeply a parsed document nests, measured without recursion."""

from __future__ import annotations

from typing import Any


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and dicts in ``value`` nest deeper than ``limit`` levels (a scalar is depth 0).

    Iterative on purpose: what must be refused is exactly what would blow a recursive walk (the
    serializers, jsonschema, orjson.dumps of the audit details) later on.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        depth += 1
        if depth > limit:
            return True
        stack.extend((child, depth) for child in children if isinstance(child, dict | list | tuple))
    return False
