"""Rendering verdicts and tables through the Jinja2 templates in reports/."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from smaf_expert.paths import default_reports

if TYPE_CHECKING:
    import jinja2


@cache
def report_environment() -> jinja2.Environment:
    """Templates of reports/: text ones unescaped; `.html.j2` ones autoescaped."""
    # Jinja2 is imported when a template is first rendered: JSON output needs none of it.
    import jinja2

    from smaf_expert.packs.templating import text_environment

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(default_reports())),
        # Optional fields of a verdict (a balance's policy, a fit's band) may be absent.
        undefined=jinja2.ChainableUndefined,
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
    )
    env.filters.update(text_environment().filters)
    return env


def to_json(data: Any) -> str:
    """JSON as printed by the CLI: UTF-8, indented, keys in the order built."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def render_template(template: str, **context: Any) -> str:
    """Render one template of reports/."""
    return report_environment().get_template(template).render(**context)


def render_verdict(verdict: Any, fmt: str = "text") -> str:
    """A verdict as `text`, `json` (the contract of DOMAIN.md section 6) or `html`."""
    if fmt == "json":
        return to_json(verdict.as_dict())
    if fmt == "html":
        import html

        return "<pre>" + html.escape(render_template("verdict.txt.j2", v=verdict)) + "</pre>"
    return render_template("verdict.txt.j2", v=verdict)


_MARK = {"low": "L", "developing": "D", "high": "H"}
_RANK = {"low": 1, "developing": 2, "high": 3}


def profile_code(profile: dict[str, dict[str, Any]]) -> str:
    """Stages 1-7 in one glance: L/D/H depth when present, x excluded, . absent, ? unknown."""
    out = []
    for entry in profile.values():
        status = entry["status"]
        if status == "present":
            out.append(_MARK.get(entry["depth"] or "", "P"))
        else:
            out.append({"excluded": "x", "absent": ".", "unknown": "?"}.get(status, "?"))
    return "".join(out)


def _deepened(before: Any, now: Any) -> list[str]:
    return [ind for ind, p in now.profile.items()
            if p["status"] == "present" and _RANK.get(p["depth"] or "", 0)
            > (_RANK.get(before.profile[ind]["depth"] or "", 0)
               if before.profile[ind]["status"] == "present" else 0)]


def timeline_rows(verdicts: list[Any]) -> list[dict[str, Any]]:
    """One row per year: degree, level, depth, ceiling, profile, findings, and what changed."""
    rows = []
    previous = None
    for v in verdicts:
        notes = [f["text"] for f in v.findings if f["kind"] == "deinstitutionalisation"]
        marks = []
        if previous is not None and v.degree < previous.degree:
            marks.append(f"degree fell {previous.degree}->{v.degree}")
        elif previous is not None and v.degree > previous.degree:
            marks.append(f"degree rose {previous.degree}->{v.degree}")
        if notes:
            marks.append("de-institutionalisation")
        deepened = _deepened(previous, v) if previous is not None else []
        if deepened:
            marks.append("deepened: " + ", ".join(deepened))
        rows.append({"year": v.year, "degree": v.degree, "level": v.level, "depth": v.depth,
                     "ceiling": v.ceiling, "profile": profile_code(v.profile),
                     "marks": "; ".join(marks), "notes": notes,
                     "findings": v.findings})
        previous = v
    return rows
