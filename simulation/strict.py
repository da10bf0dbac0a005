"""Strict reading of scenario values: stricter than pydantic's lax mode, which reads ``"no"``
as False and ``"3"`` as 3 (``simulation/scenario.py`` checks every table with it)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def strict_value(annotation: Any, value: Any) -> str | None:
    """Why ``value`` cannot be given to a field of type ``annotation`` (None when it can): stricter
    than pydantic's lax mode, which reads ``"no"`` as False; values that pass are kept as given."""
    if annotation is bool:
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if annotation in (int, float):
        if not is_number(value):
            return f"expected a number, got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
    if getattr(annotation, "__origin__", None) is Literal and not isinstance(value, str):
        return f"expected one of {', '.join(map(repr, annotation.__args__))}, got {value!r}"
    return None


def check_table(table: Any, model: type[BaseModel], where: str) -> list[str]:
    fields = model.model_fields
    return [f"{where}.{k}: {why}" for k, v in (table.items() if isinstance(table, dict) else ())
            if k in fields and (why := strict_value(fields[k].annotation, v))]
