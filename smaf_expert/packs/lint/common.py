"""What every lint check shares: problems, severities, small readers of raw YAML."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smaf_expert.errors import Problem
from smaf_expert.packs.format import (
    VALUE_FORMS,
)

ERROR = "error"
WARNING = "warning"

#: Every kind of problem the linter reports, with what it means.
KINDS: dict[str, str] = {
    "load": "the pack does not load (what load_packs refuses)",
    "unknown-type": "a fact type (or field type) that no pack or preparation defines",
    "unknown-field": "a field that the fact type does not have",
    "unconsumed": "a derived fact type that no rule matches and no output reads (warning)",
    "never-holds": "a condition (or enabled_when) that can never hold",
    "duplicate-id": "a rule id used twice, within a pack or across packs",
    "missing-text": "a rule without `statement`, `citation` or `explain`",
    "undeclared-param": "a parameter used but declared by no pack",
    "unused-param": "a parameter declared but used by no rule (warning)",
    "template-syntax": "a text that is not valid Jinja2",
    "template-name": "a text naming a fact (or field) the rule does not match",
    "template-unsafe": "a text reaching `_` attributes, calling what is not documented, or "
                       "including other templates (refused by the sandbox)",
    "negation-cycle": "rules that negate what they help to produce (no stratification)",
}

#: The JSON type of each parameter type (`integers` and `strings` are lists).
PARAM_JSON = {"boolean": "boolean", "number": "number", "integer": "integer",
              "integers": "array", "string": "string", "strings": "array"}
_PARAM_ITEM = {"integers": "integer", "strings": "string"}

#: More combinations of `enabled_when` values than this are checked for cycles all at once.
_MAX_GATE_COMBINATIONS = 512


@dataclass(frozen=True)
class LintProblem(Problem):
    """A problem found by the linter: where, what to do, its kind (KINDS) and severity."""

    kind: str = "load"
    severity: str = ERROR
    subject: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        tag = "warning: " if self.severity == WARNING else ""
        return f"{where}: {tag}{self.message}"


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that are errors (warnings left out): what should fail `smaf rules lint`."""
    return [p for p in problems if getattr(p, "severity", ERROR) == ERROR]


def _suggest(word: Any, choices: Iterable[Any]) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(items: Iterable[Any], limit: int = 20) -> str:
    items = sorted({str(i) for i in items})
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more or "none"


def _a(json_t: str) -> str:
    return f"an {json_t}" if json_t[0] in "aeiou" else f"a {json_t}"


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _is_value(spec: Any) -> bool:
    """Whether a field test is a plain value (equality) rather than `{OP: VALUE}`; the same
    reading as the loader and the compiler."""
    return not (isinstance(spec, dict) and not (VALUE_FORMS & set(spec)))


def _is_literal(value: Any) -> bool:
    return not (isinstance(value, dict) and VALUE_FORMS & set(value))


def _is_condition(cond: Any) -> bool:
    return isinstance(cond, dict) and isinstance(cond.get("type"), str)


def _is_conclusion(item: Any) -> bool:
    if not isinstance(item, dict) or not ({"assert", "finding"} & set(item)):
        return False
    if "assert" in item and not _is_condition(item["assert"]):
        return False
    return "finding" not in item or isinstance(item["finding"], dict)


