"""Rule-pack parameters: defaults, per-run overrides (`--param NAME=VALUE`) and their types."""

from __future__ import annotations

import difflib
import math
from typing import Any

from smaf_expert.errors import AssessmentError
from smaf_expert.packs.format import Pack, Parameter

#: The parameter bounding a run (declared in smaf-stages.yaml), read by the engine, not by rules.
RUN_LIMIT = "run.max_firings"
DEFAULT_RUN_LIMIT = 10_000
#: Parameters the engine reads itself: declared by a pack, used by no rule.
ENGINE_PARAMETERS = frozenset({RUN_LIMIT})


def _number(value: Any) -> float:
    # A boolean is not a number here, though Python counts it as one.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    try:
        number = float(value)
    except TypeError as err:
        raise ValueError(f"expected a number, not {value!r}") from err
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    return number


def bounds(param: Parameter) -> str:
    """The declared range and choices of a parameter, in words (empty without any)."""
    words = ""
    if param.min is not None and param.max is not None:
        words += f" from {param.min} to {param.max}"
    elif param.min is not None:
        words += f" of at least {param.min}"
    elif param.max is not None:
        words += f" of at most {param.max}"
    if param.choices:
        words += f" among {', '.join(map(str, param.choices))}"
    return words


def describe(param: Parameter) -> str:
    """The declared type, range and choices of a parameter, in words."""
    return {"integers": "a list of whole numbers", "strings": "a list of texts",
            "integer": "a whole number", "number": "a number", "boolean": "true or false",
            "string": "a text"}.get(param.type, param.type) + bounds(param)


def check_value(param: Parameter, value: Any) -> Any:
    """The value coerced to the parameter's type, or ValueError when it is not of that type or
    outside the range or choices the pack declares (DOMAIN.md section 7)."""
    value = _coerce(param, value)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if param.choices is not None and item not in param.choices:
            raise ValueError(f"{item!r} is not one of {', '.join(map(str, param.choices))}")
        if isinstance(item, bool) or not isinstance(item, int | float):
            continue
        if param.min is not None and item < param.min:
            raise ValueError(f"{item} is below the least allowed value, {param.min}")
        if param.max is not None and item > param.max:
            raise ValueError(f"{item} is above the greatest allowed value, {param.max}")
    return value


def _coerce(param: Parameter, value: Any) -> Any:
    kind = param.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1", "on"):
            return True
        if text in ("false", "no", "0", "off"):
            return False
        raise ValueError("expected true or false")
    if kind in ("number", "integer"):
        number = _number(value)
        if kind == "integer":
            if not number.is_integer():
                raise ValueError("expected a whole number")
            return int(number)
        return int(number) if number.is_integer() else number
    if kind in ("integers", "strings"):
        items = value if isinstance(value, list) else [
            v for v in str(value).replace(" ", "").split(",") if v]
        if kind == "strings":
            return [str(v) for v in items]
        numbers = [_number(v) for v in items]
        if not all(n.is_integer() for n in numbers):
            raise ValueError("expected whole numbers")
        return [int(n) for n in numbers]
    return str(value)


def declared_parameters(packs: list[Pack]) -> dict[str, Parameter]:
    """Every parameter the packs declare, by name."""
    return {name: p for pack in packs for name, p in pack.parameters.items()}


def resolve_parameters(packs: list[Pack], overrides: dict[str, Any] | None = None
                       ) -> dict[str, Any]:
    """Defaults, then refinements shipped in packs, then the run's overrides, all type-checked.

    Numbers are normalised (5.0 -> 5) because the engine tells 1 and 1.0 apart.
    """
    declared = declared_parameters(packs)
    values = {name: _coerce(p, p.default) for name, p in declared.items()}
    layers = [(f"{pack.path}: `refines` of pack {pack.name}", pack.parameter_overrides)
              for pack in packs]
    layers.append(("--param", overrides or {}))
    for origin, layer in layers:
        for name, raw in layer.items():
            if name not in declared:
                close = difflib.get_close_matches(name, list(declared), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise AssessmentError(f"{origin}: unknown parameter {name!r}{hint}; "
                                      f"`smaf rules params` lists them")
            try:
                values[name] = check_value(declared[name], raw)
            except (TypeError, ValueError, OverflowError) as err:
                raise AssessmentError(f"{origin}: parameter {name}={raw!r} is not a valid "
                                      f"{declared[name].type}: {err} (allowed: "
                                      f"{describe(declared[name])})") from err
    return values


def changed_parameters(packs: list[Pack], values: dict[str, Any]) -> dict[str, Any]:
    """The parameters whose value differs from the declared default (recorded in verdicts)."""
    declared = declared_parameters(packs)
    return {n: v for n, v in values.items() if v != _coerce(declared[n], declared[n].default)}


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Parse `NAME=VALUE` strings from the command line."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AssessmentError(f"--param {item!r}: expected NAME=VALUE")
        out[name.strip()] = value.strip()
    return out
