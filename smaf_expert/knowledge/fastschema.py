"""A fast yes/no check of a document against one of the knowledge schemas (issue 16).

The knowledge base is validated with `jsonschema`, whose messages the loader turns into
problems with file:line. Most documents are valid, and for them `jsonschema` costs most of the
load time (and its import a tenth of a cold start). This module compiles a schema once into
nested Python closures for the keywords the shipped schemas use; a document it accepts is
valid, and only a document it refuses is handed to `jsonschema` for the messages.

It errs one way only: when unsure (an `enum` of non-strings, `uniqueItems` over values that are
not all strings or whole numbers) it refuses, and `jsonschema` decides. A schema with any
keyword outside `KEYWORDS`, or a `$ref` other than `#/$defs/NAME`, is not compiled at all
(`compile_schema` gives None): every document of it goes to `jsonschema`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

#: Keywords the compiler understands; annotations are ignored.
KEYWORDS = {"$ref", "additionalProperties", "anyOf", "enum", "exclusiveMinimum", "items",
            "maximum", "minItems", "minLength", "minProperties", "minimum", "pattern",
            "patternProperties", "properties", "propertyNames", "required", "type",
            "uniqueItems"}
ANNOTATIONS = {"$schema", "$defs", "$id", "title", "description", "$comment", "examples"}


class _Unsupported(Exception):
    """The schema uses something this compiler does not handle."""


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


# The loader's type checker: an integer is an int (2004.0 is refused, unlike JSON Schema's
# default), never a bool.
_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": lambda x: isinstance(x, int) and not isinstance(x, bool),
    "number": _is_number,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def compile_schema(schema: dict) -> Check | None:
    """A function telling whether a document certainly satisfies `schema`, or None when the
    schema uses a keyword or reference this module does not handle."""
    defs = schema.get("$defs", {})
    compiled: dict[str, Check] = {}

    def ref(target: str) -> Check:
        match = re.fullmatch(r"#/\$defs/([A-Za-z0-9_]+)", target)
        if not match or match.group(1) not in defs:
            raise _Unsupported(target)
        name = match.group(1)
        if name not in compiled:
            compiled[name] = lambda x: False  # a placeholder while a recursive ref compiles
            compiled[name] = build(defs[name])
        return lambda x: compiled[name](x)

    def build(s: Any) -> Check:
        if s is True or s == {}:
            return lambda x: True
        if s is False:
            return lambda x: False
        if not isinstance(s, dict):
            raise _Unsupported(repr(s))
        unknown = set(s) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        if "$ref" in s:
            checks.append(ref(s["$ref"]))
        if "type" in s:
            names = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if any(n not in _TYPES for n in names):
                raise _Unsupported(str(names))
            tests = [_TYPES[n] for n in names]
            checks.append(lambda x, tests=tests: any(t(x) for t in tests))
        if "enum" in s:
            values = s["enum"]
            if not all(isinstance(v, str) for v in values):
                checks.append(lambda x: False)  # equality of mixed JSON values: jsonschema's
            else:
                allowed = frozenset(values)
                checks.append(lambda x: isinstance(x, str) and x in allowed)
        if "minimum" in s:
            low = s["minimum"]
            checks.append(lambda x: not _is_number(x) or x >= low)
        if "exclusiveMinimum" in s:
            above = s["exclusiveMinimum"]
            checks.append(lambda x: not _is_number(x) or x > above)
        if "maximum" in s:
            high = s["maximum"]
            checks.append(lambda x: not _is_number(x) or x <= high)
        if "minLength" in s:
            n = s["minLength"]
            checks.append(lambda x: not isinstance(x, str) or len(x) >= n)
        if "pattern" in s:
            rx = re.compile(s["pattern"])
            checks.append(lambda x: not isinstance(x, str) or rx.search(x) is not None)
        if "anyOf" in s:
            options = [build(o) for o in s["anyOf"]]
            checks.append(lambda x: any(o(x) for o in options))
        checks.extend(_object_checks(s, build))
        checks.extend(_array_checks(s, build))
        if len(checks) == 1:
            return checks[0]
        return lambda x: all(c(x) for c in checks)

    try:
        return build(schema)
    except (_Unsupported, re.error):
        return None


def _object_checks(s: dict, build: Callable[[Any], Check]) -> list[Check]:
    checks: list[Check] = []
    props = {k: build(v) for k, v in s.get("properties", {}).items()}
    patterns = [(re.compile(p), build(v)) for p, v in s.get("patternProperties", {}).items()]
    extra = s.get("additionalProperties", True)
    extra_check = None if extra is True else build(extra)
    if props or patterns or extra_check is not None:
        def members(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for key, value in x.items():
                matched = False
                check = props.get(key)
                if check is not None:
                    matched = True
                    if not check(value):
                        return False
                for rx, pcheck in patterns:
                    if isinstance(key, str) and rx.search(key):
                        matched = True
                        if not pcheck(value):
                            return False
                if not matched and extra_check is not None and not extra_check(value):
                    return False
            return True
        checks.append(members)
    if "required" in s:
        needed = tuple(s["required"])
        checks.append(lambda x: not isinstance(x, dict) or all(k in x for k in needed))
    if "minProperties" in s:
        n = s["minProperties"]
        checks.append(lambda x: not isinstance(x, dict) or len(x) >= n)
    if "propertyNames" in s:
        name_check = build(s["propertyNames"])
        checks.append(lambda x: not isinstance(x, dict) or all(name_check(k) for k in x))
    return checks


def _array_checks(s: dict, build: Callable[[Any], Check]) -> list[Check]:
    checks: list[Check] = []
    if "items" in s:
        if not isinstance(s["items"], dict | bool):
            raise _Unsupported("items as a list")
        item = build(s["items"])
        checks.append(lambda x: not isinstance(x, list) or all(item(v) for v in x))
    if "minItems" in s:
        n = s["minItems"]
        checks.append(lambda x: not isinstance(x, list) or len(x) >= n)
    if s.get("uniqueItems") is True:
        checks.append(_unique)
    return checks


def _unique(x: Any) -> bool:
    if not isinstance(x, list):
        return True
    if all(isinstance(v, str) for v in x):
        return len(set(x)) == len(x)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in x):
        return len(set(x)) == len(x)
    return False  # mixed values: jsonschema's equality decides
