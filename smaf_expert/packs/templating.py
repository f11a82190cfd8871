"""Jinja2 for the short texts of rule packs (findings, explanations) and for reports.

A rule pack is untrusted (DOMAIN.md section 7): its texts render in Jinja2's immutable sandbox,
with no globals (no `range`, `cycler`, `lipsum`...), no loader (no `include`), only the filters
in FILTERS and only the methods in METHODS; `smaf rules lint` refuses a text that tries more.
"""

from __future__ import annotations

import re
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


# Most pack texts are words and `{{ name.field|filter }}`: those render without compiling a
# Jinja2 template (compiling cost about a third of a cold `smaf assess`, and rendering a fifth
# of an assessment). Anything else, and any value these few lines are not sure of, goes to the
# sandbox, so the text is always the one Jinja2 gives.
_EXPR = re.compile(r"\{\{ *([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\['[^'\\]*'\])*)"
                   r"((?: *\| *[a-z_]+(?:\('[^'\\]*'\))?)*) *\}\}")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^'\\]*)'\]")
_FILTER = re.compile(r"\| *([a-z_]+)(?:\('([^'\\]*)'\))?")
_PLAIN_FILTERS = {
    "state": lambda ctx, v: _state(ctx, v), "stage": lambda ctx, v: _stage(v),
    "ratio": lambda ctx, v: _ratio(v), "indicator": lambda ctx, v: _indicator(v),
    "and_list": lambda ctx, v: _and_list(v), "capitalize": lambda ctx, v: str(v).capitalize(),
    "upper": lambda ctx, v: str(v).upper(), "lower": lambda ctx, v: str(v).lower()}
#: Filters taking one quoted argument: `join(', ')` (Jinja2's join without autoescape).
_PLAIN_FILTERS_ARG = {"join": lambda ctx, v, sep: sep.join(map(str, v))}
#: Names Jinja2 reads as constants, operators or special variables: left to Jinja2.
_RESERVED = {"and", "or", "not", "in", "is", "if", "else", "elif", "true", "false", "none",
             "True", "False", "None", "self", "loop", "super", "caller", "varargs", "kwargs",
             "namespace", "range", "dict", "lipsum", "cycler", "joiner"}
_DICT_ATTRS = frozenset(dir(dict))


class _NotPlain(Exception):
    """A value the plain renderer is not sure of: Jinja2 renders the text."""


@cache
def _plain_parts(template: str) -> tuple | None:
    """Literal text and (path, filters) pieces, or None if the text needs Jinja2. A path is the
    name then ("attr", name) or ("item", key) steps; a filter is (name, argument or None)."""
    parts: list[Any] = []
    pos = 0
    for m in _EXPR.finditer(template):
        name = re.split(r"[.\[]", m.group(1), maxsplit=1)[0]
        steps = tuple(("attr", a) if a else ("item", k)
                      for a, k in _STEP.findall(m.group(1)[len(name):]))
        filters = tuple((f, arg if "(" in whole else None) for whole, (f, arg) in
                        zip([x.group(0) for x in _FILTER.finditer(m.group(2))],
                            _FILTER.findall(m.group(2)), strict=True))
        if name in _RESERVED or any(
                (f not in _PLAIN_FILTERS) if arg is None else (f not in _PLAIN_FILTERS_ARG)
                for f, arg in filters):
            return None
        parts += [template[pos:m.start()], (name, steps, filters)]
        pos = m.end()
    parts.append(template[pos:])
    if any(isinstance(p, str) and ("{{" in p or "{%" in p or "{#" in p) for p in parts):
        return None
    return tuple(p for p in parts if p != "")


def _render_plain(parts: tuple, context: dict[str, Any]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        name, steps, filters = part
        if name not in context:
            raise _NotPlain
        value = context[name]
        for kind, key in steps:
            # Jinja2 reads `x.items` as the method: only plain keys of a mapping are read here.
            if (not isinstance(value, dict) or key not in value
                    or (kind == "attr" and (key in _DICT_ATTRS or key.startswith("_")))):
                raise _NotPlain
            value = value[key]
        try:
            for fname, arg in filters:
                value = (_PLAIN_FILTERS[fname](context, value) if arg is None
                         else _PLAIN_FILTERS_ARG[fname](context, value, arg))
        except Exception as err:  # noqa: BLE001 - Jinja2 raises (and words) it
            raise _NotPlain from err
        out.append(value if type(value) is str else str(value))
    return "".join(out)


def render_text(template: str, context: dict[str, Any]) -> str:
    """Render a rule-pack template (finding text, explanation) with the firing's context."""
    if "{" not in template:
        return template
    parts = _plain_parts(template)
    if parts is not None:
        try:
            return " ".join(_render_plain(parts, context).split())
        except _NotPlain:
            pass
    return " ".join(compiled(template).render(context).split())
