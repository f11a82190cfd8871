"""Jinja2 for the short texts of rule packs (findings, explanations) and for reports."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

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


@cache
def text_environment() -> jinja2.Environment:
    """Environment for rule-pack texts: plain text, undefined names are errors, not blanks."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=False)
    env.filters.update(stage=_stage, indicator=_indicator, state=_state, ratio=_ratio,
                       and_list=_and_list)
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
