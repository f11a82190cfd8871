"""Jinja2 for the short texts of rule packs (findings, explanations) and for reports.

A rule pack is untrusted (DOMAIN.md section 7): its texts render in Jinja2's immutable sandbox,
with no globals (no `range`, `cycler`, `lipsum`...), no loader (no `include`), only the filters
in FILTERS and only the methods in METHODS; `smaf rules lint` refuses a text that tries more.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from smaf_expert.indicators import BY_ID, BY_STAGE


def _stage(stage: Any) -> str:
    ind = BY_STAGE.get(stage) if isinstance(stage, int) else None
    return f"stage {stage} ({ind.name})" if ind else f"stage {stage}"


def _indicator(ind_id: Any) -> str:
    ind = BY_ID.get(ind_id)
    return ind.name if ind else str(ind_id)


@jinja2.pass_context
def _state(ctx: Any, sid: Any) -> str:
    names = ctx.get("state_names") or {}
    return f"{names[sid]} ({sid})" if sid in names else str(sid)


def _ratio(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else str(value)


def _and_list(values: Any) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = [str(v) for v in values]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


#: The filters a pack text may use: ours, then the Jinja2 built-ins the format documents.
OUR_FILTERS = {"stage": _stage, "indicator": _indicator, "state": _state, "ratio": _ratio,
               "and_list": _and_list}
BUILTIN_FILTERS = ("capitalize", "upper", "lower", "title", "join", "map", "length", "first",
                   "last", "default", "round", "int", "float", "string", "sort", "unique",
                   "replace", "trim", "abs", "min", "max", "sum", "list", "select", "reject")
#: The only methods a pack text may call: read-only lookups on mappings (e.g.
#: `params.get('bop.permissive')`, `items.items()` over a merged finding's items).
METHODS = frozenset({"get", "items", "keys", "values"})
#: The longest string or list an operator (`*`, `**`) in a pack text may make.
MAX_RESULT = 100_000


class _PackSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with `*` and `**` bounded so a text cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise jinja2.sandbox.SecurityError("exponent too large in a pack text")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and (
                        len(seq) * times > MAX_RESULT):
                    raise jinja2.sandbox.SecurityError("result too large in a pack text")
        return super().call_binop(context, operator, left, right)


@cache
def text_environment() -> jinja2.Environment:
    """Environment for rule-pack texts: the sandbox, plain text, undefined names are errors."""
    env = _PackSandbox(undefined=jinja2.StrictUndefined, autoescape=False,
                       keep_trailing_newline=False)
    builtin = {name: env.filters[name] for name in BUILTIN_FILTERS}
    env.filters.clear()
    env.filters.update(builtin, **OUR_FILTERS)
    env.globals.clear()
    return env


@cache
def compiled(template: str) -> jinja2.Template:
    """A rule-pack template compiled once per process."""
    return text_environment().from_string(template)


def render_text(template: str, context: dict[str, Any]) -> str:
    """Render a rule-pack template (finding text, explanation) with the firing's context."""
    if "{" not in template:
        return template
    return " ".join(compiled(template).render(context).split())
