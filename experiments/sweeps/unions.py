"""Pydantic's validation errors with a union's branches folded, so that a spec's problem reads
as one statement per key (``experiments.sweeps.spec``): pydantic reports a value that fits
no branch of ``bool | int | float | str`` as four errors, one per branch. And NumPy's scalars
read as Python's before the spec's strict checks (``replicates=np.int64(3)`` from a notebook
is a whole number; ``"3"`` is still refused)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

#: What each branch of a union asks for, as a message says it (pydantic tags a branch's errors).
_BRANCHES = {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "a string",
             "Factor": "a table", "list": "a list", "tuple": "a list of two numbers"}


def _branch(part: Any) -> str | None:
    """The union branch a location part tags (None: a key or an index)."""
    if not isinstance(part, str):
        return None
    wrapped = re.fullmatch(r"function-\w+\[[^,]*, (.*)\]", part)  # a validator around a type
    name = (wrapped.group(1) if wrapped else part).split("[", 1)[0]
    return name if name in _BRANCHES else None


def untangle(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors with its union branches folded: where a value fitted no branch's type,
    one error saying what it may be; where it fitted one and failed inside it (or that
    branch's own checks), that branch's errors only."""
    out: list[dict[str, Any]] = []
    groups: dict[tuple, list[tuple[int, dict[str, Any]]]] = {}
    for e in errors:
        loc = tuple(p for p in e["loc"] if _branch(p) or not str(p).startswith("function-"))
        at = next((i for i, p in enumerate(loc) if _branch(p)), None)
        if at is None:
            out.append({**e, "loc": loc})
        else:
            groups.setdefault(loc[:at], []).append((at, {**e, "loc": loc}))
    for key, items in groups.items():
        inside = [e for at, e in items if len(e["loc"]) > at + 1 or not e["type"].endswith("_type")]
        if inside:  # the value has a branch's type: what is wrong inside it
            out.extend(untangle([{**e, "loc": key + e["loc"][len(key) + 1:]} for e in inside]))
        else:
            kinds = list(dict.fromkeys(_BRANCHES[_branch(e["loc"][-1])] for _, e in items))
            what = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
            out.append({"type": "union", "loc": key, "msg": f"expected {what}",
                        "input": items[0][1].get("input")})
    return out


def plain_scalars(cls: type, data: Any) -> Any:
    """A table's NumPy scalars as Python's (a model's "before" validator)."""
    if not isinstance(data, dict):
        return data
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in data.items()}
