"""Rendering verdicts and tables through the Jinja2 templates in reports/."""

from __future__ import annotations

import json
import re
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
    env.globals["trace_rows"] = trace_rows
    return env


def to_json(data: Any) -> str:
    """JSON as printed by the CLI: UTF-8, indented, keys in the order built."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def render_template(template: str, **context: Any) -> str:
    """Render one template of reports/."""
    return report_environment().get_template(template).render(**context)


#: Fact types of negative bookkeeping: "India does not perceive Iran as a terrorism threat" is
#: what lets P-bot.common decide, not a step an analyst follows. Firings that assert only these
#: are left out of the default text and HTML trace; `--trace full` and JSON keep them.
BOOKKEEPING_TYPES = frozenset({"lacks", "triad_lacks"})

#: How much of the trace a text or HTML view shows.
TRACE_VIEWS = ("short", "full")


def _bookkeeping(firing: Any) -> bool:
    return bool(firing.asserted) and all(a["type"] in BOOKKEEPING_TYPES for a in firing.asserted)


def trace_rows(verdict: Any, view: str = "short") -> list[dict[str, Any]]:
    """The trace as shown: `full` is every firing in order; `short` leaves out negative
    bookkeeping and shows identical firings (same rule, same explanation) once, at the first,
    with their `count` and the union of their evidence."""
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for firing in verdict.trace:
        if view == "short" and _bookkeeping(firing):
            continue
        key = (firing.rule, firing.explanation)
        if view == "short" and key in seen:
            row = seen[key]
            row["count"] += 1
            row["evidence"] = sorted(set(row["evidence"]) | set(firing.evidence))
            continue
        seen[key] = {"step": firing.step, "rule": firing.rule, "pack": firing.pack,
                     "explanation": firing.explanation, "evidence": list(firing.evidence),
                     "count": 1}
        rows.append(seen[key])
    return rows


def render_verdict(verdict: Any, fmt: str = "text", trace: str = "short") -> str:
    """A verdict as `text` or `html` (a compact card, as in notebooks) with the trace view
    `trace` (TRACE_VIEWS), or as `json` (the contract of DOMAIN.md section 6, every firing)."""
    if fmt == "json":
        return to_json(verdict.as_dict())
    rows = trace_rows(verdict, trace)
    hidden = sum(_bookkeeping(f) for f in verdict.trace) if trace == "short" else 0
    if fmt == "html":
        from markupsafe import Markup

        return render_template("verdict.html.j2", v=verdict, rows=rows, trace=trace,
                               css=Markup(card_css()))
    return render_template("verdict.txt.j2", v=verdict, rows=rows, hidden=hidden, trace=trace)


_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_MEDIA = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}")


@cache
def card_css(scope: str = ".smaf-verdict") -> str:
    """report.css with every selector scoped under `scope`, for the notebook card: the card
    shares the report's styles without restyling the notebook around it (page-level rules of
    `:root`, `html` and `body` apply to the card itself; print rules are left out)."""
    css = re.sub(r"/\*.*?\*/", "", (default_reports() / "report.css").read_text("utf-8"),
                 flags=re.S)
    out = []
    for selectors, body in _RULE.findall(_MEDIA.sub("", css)):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            scoped.append(scope if sel in (":root", "html", "body") else f"{scope} {sel}")
        out.append(f"{', '.join(scoped)} {{{' '.join(body.split())}}}")
    return "\n".join(out)


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


def _changes(before: Any, now: Any) -> tuple[list[str], list[str]]:
    """Indicators that appeared (present now, not before) and that deepened (present in both,
    at a greater depth now)."""
    appeared, deepened = [], []
    for ind, p in now.profile.items():
        if p["status"] != "present":
            continue
        was = before.profile[ind]
        if was["status"] != "present":
            appeared.append(ind)
        elif _RANK.get(p["depth"] or "", 0) > _RANK.get(was["depth"] or "", 0):
            deepened.append(ind)
    return appeared, deepened


def timeline_rows(verdicts: list[Any]) -> list[dict[str, Any]]:
    """One row per year: degree, level, depth, ceiling, profile, findings, and what changed
    (`changes`: each change of an indicator or of the degree with its cause and ids)."""
    from smaf_expert.explanation.changes import year_changes

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
        appeared, deepened = _changes(previous, v) if previous is not None else ([], [])
        if appeared:
            marks.append("appeared: " + ", ".join(appeared))
        if deepened:
            marks.append("deepened: " + ", ".join(deepened))
        changes = year_changes(previous, v) if previous is not None else []
        rows.append({"year": v.year, "degree": v.degree, "level": v.level, "depth": v.depth,
                     "ceiling": v.ceiling, "profile": profile_code(v.profile),
                     "marks": "; ".join(marks),
                     "notes": notes + [c["cause"] if c["indicator"] is None else
                                       f"{c['indicator']} {c['from']}->{c['to']}: {c['cause']}"
                                       for c in changes],
                     "findings": v.findings, "changes": changes})
        previous = v
    return rows
