"""A full report on one case: verdict, profile, findings, incentives, reasoning, timeline,
Figure 1 and the neighbourhood graph, as one self-contained HTML page or as Markdown.

Everything the page shows is inside it: the pictures are inline SVG (charts.py), the style
sheet and the small script of reports/ are inlined, and a Content-Security-Policy allows
nothing else, so the file opens offline and loads no resource from anywhere. Text from the
knowledge base is escaped: by Jinja2's autoescape in report.html.j2, by charts.esc in the SVG,
and by md_text in report.md.j2.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from smaf_expert._version import __version__
from smaf_expert.errors import AssessmentError
from smaf_expert.explanation.explain import ABOUT, Node
from smaf_expert.indicators import INDICATORS
from smaf_expert.paths import default_reports
from smaf_expert.reasoning.assess import Assessor
from smaf_expert.reasoning.verdict import Verdict
from smaf_expert.rendering.charts import figure1_svg, neighbourhood_svg, timeline_svg
from smaf_expert.rendering.graph_export import export_graph
from smaf_expert.rendering.render import render_template, timeline_rows

FORMATS = ("html", "markdown")
#: The paper's two worked cases: the default comparators of Figure 1.
PAPER_CASES = ("china-russia", "us-india")
BALANCE_NAMES = {"bop": "Balance of power (BOP)", "bot": "Balance of threat (BOT)",
                 "boi": "Balance of interests (BOI)", "overall": "Overall incentive"}
#: The derivations the reasoning section shows, in order (finding kinds follow).
DERIVATIONS = (("degree", "Why degree {degree}?"), ("ceiling", "Why ceiling {ceiling}?"),
               ("bop", "Why is the balance of power {bop}?"),
               ("bot", "Why is the balance of threat {bot}?"),
               ("boi", "Why is the balance of interests {boi}?"),
               ("overall", "Why is the overall incentive {overall}?"),
               ("fit", "Why is the fit {fit}?"))


def _years(assessor: Assessor, case_id: str, start: int, end: int) -> list[int]:
    """The years from `start` to `end` in which every party of the case existed."""
    parties = [assessor.kb.states[p] for p in assessor.case(case_id).parties]
    return [y for y in range(start, end + 1) if all(s.exists_in(y) for s in parties)]


def case_path(assessor: Assessor, case_id: str, end: int | None = None,
              start: int | None = None) -> list[Verdict]:
    """Verdicts of a case for every year from its first evidence (or `start`) to `end`
    (default: its last coded year), skipping years in which a party did not exist."""
    case = assessor.case(case_id)
    first, last = case.years()
    if end is None and last is not None:
        end = assessor.default_year(case)
    start = first if start is None else start
    if end is None or start is None:
        return []
    return [assessor.assess(case_id, y) for y in _years(assessor, case_id, start, end)]


def figure1_points(verdicts: Sequence[Verdict]) -> list[tuple[int, int, str]]:
    """A case's path for Figure 1: (year, degree, overall incentive) per verdict."""
    return [(v.year, v.degree, (v.incentives.get("overall") or {}).get("value", "undetermined"))
            for v in verdicts]


def _tree(node: Node) -> dict[str, Any]:
    """An explanation node as plain data for the templates, with the lines worth showing
    under it (a rule's statement and citation, an evidence item's dates and sources)."""
    details: list[str] = []
    sources: list[str] = []
    data = node.data
    if node.kind == "rule":
        if data.get("statement"):
            details.append(f"Rule: {data['statement']}")
        if data.get("citation"):
            details.append(f"Source: {data['citation']}")
        label = f"{data.get('rule', '')} (step {data.get('step', '?')}, pack {data.get('pack')})"
        text = data.get("explanation") or node.text
    elif node.kind == "evidence":
        label = str(data.get("id", ""))
        text = data.get("claim") or node.text
        since, until = data.get("since"), data.get("until")
        # A GNP point's year is in its text already ("IND GNP 2023: ...").
        if since is not None and data.get("kind") != "gnp":
            meta = [f"{since}–{until}" if until is not None else f"since {since}",
                    data.get("indicator")]
            if data.get("depth"):
                meta.append(f"{data['depth']} depth")
            if data.get("status") not in (None, "present"):
                meta.append(data["status"])
            if data.get("confidence"):
                meta.append(f"confidence {data['confidence']}")
            if data.get("case"):
                meta.append(f"case {data['case']}")
            details.append(", ".join(str(m) for m in meta if m))
        sources = [str(s) for s in data.get("sources") or []]
    else:
        label = ""
        text = node.text
    return {"kind": node.kind, "label": label, "text": text, "details": details,
            "sources": sources, "children": [_tree(c) for c in node.children]}


def _values(verdict: Verdict) -> dict[str, Any]:
    values: dict[str, Any] = {"degree": verdict.degree, "ceiling": verdict.ceiling,
                              "fit": (verdict.fit or {}).get("value", "undetermined")}
    for name in ("bop", "bot", "boi", "overall"):
        values[name] = (verdict.incentives.get(name) or {}).get("value", "undetermined")
    return values


def why_title(verdict: Verdict, about: str) -> str:
    """The question a why-tree answers, in words, with its answer: `Why is the balance of power
    strong?` for `bop`, `Why the hedging finding?` for a finding kind."""
    titles = dict(DERIVATIONS)
    if about in titles:
        return titles[about].format(**_values(verdict))
    if about == "confidence":
        return f"Why is the confidence {(verdict.confidence or {}).get('level', 'undetermined')}?"
    return f"Why the {about.replace('_', ' ')} finding?"


def derivations(assessor: Assessor, verdict: Verdict) -> list[dict[str, Any]]:
    """The reasoning as trees: degree, ceiling, each balance, overall, fit, then one per
    finding kind; each `{about, title, trees}`."""
    explainer = assessor.explainer(verdict)
    values = _values(verdict)
    out = []
    for about, title in DERIVATIONS:
        nodes = explainer.why(about) if about in ABOUT else []
        if nodes:
            out.append({"about": about, "title": title.format(**values),
                        "trees": [_tree(n) for n in nodes]})
    for kind in dict.fromkeys(f["kind"] for f in verdict.findings):
        nodes = explainer.why(kind)
        plural = f"s ({len(nodes)})" if len(nodes) > 1 else ""
        # Ids apart from the derivations': a finding kind may share a name (`fit`).
        out.append({"about": f"finding-{kind}",
                    "title": f"Why the {kind.replace('_', ' ')} finding{plural}?",
                    "trees": [_tree(n) for n in nodes]})
    return out


def _profile(verdict: Verdict) -> list[dict[str, Any]]:
    rows = []
    for ind in INDICATORS:
        p = verdict.profile[ind.id]
        items = [{"id": eid, **verdict.evidence.get(eid, {"claim": "", "sources": []})}
                 for eid in p["evidence"]]
        rows.append({"stage": ind.stage, "id": ind.id, "name": ind.name, "level": ind.level,
                     "status": p["status"], "depth": p["depth"], "evidence": items,
                     "excluded_by": p.get("excluded_by"),
                     "discounted": bool(p.get("discounted"))})
    return rows


def _paths(assessor: Assessor, verdict: Verdict, comparators: Sequence[str],
           year: int | None, timeline: list[Verdict]) -> list[tuple[str, list]]:
    series: list[tuple[str, list]] = [(verdict.name, figure1_points(timeline))]
    for other in comparators:
        case = assessor.case(other)
        # One year for every case (DOMAIN.md section 6): each drawn up to the verdict's year.
        path = case_path(assessor, other, end=verdict.year)
        if path:
            series.append((case.name, figure1_points(path)))
    return series


def report_context(assessor: Assessor, case_id: str, year: int | None = None,
                   comparators: Sequence[str] | None = None,
                   timeline_from: int | None = None) -> dict[str, Any]:
    """Everything the report templates show, computed once for both formats."""
    verdict = assessor.assess(case_id, year)
    case = assessor.case(case_id)
    if comparators is None:
        comparators = [c for c in PAPER_CASES if c in assessor.kb.alignments]
    comparators = [c for c in dict.fromkeys(comparators) if c != case_id]
    for other in comparators:
        assessor.case(other)  # an unknown id fails here, with a did-you-mean
    first = case.years()[0]
    start = timeline_from if timeline_from is not None else (first or verdict.year)
    if start > verdict.year:
        raise AssessmentError(f"the timeline cannot start in {start}, after the assessed "
                              f"year {verdict.year}")
    timeline = case_path(assessor, case_id, end=verdict.year, start=start)
    rows = timeline_rows(timeline)
    for row, v in zip(rows, timeline, strict=True):
        row["overall"] = (v.incentives.get("overall") or {}).get("value", "undetermined")
        row["fit"] = (v.fit or {}).get("value", "undetermined")
    graph = export_graph(assessor, verdict.year)
    names = {sid: s.name for sid, s in assessor.kb.states.items()}
    return {
        "v": verdict, "case": case, "state_names": names,
        "profile": _profile(verdict),
        "balances": [{"name": n, "label": BALANCE_NAMES[n], **verdict.incentives[n]}
                     for n in ("bop", "bot", "boi", "overall") if n in verdict.incentives],
        "derivations": derivations(assessor, verdict),
        "timeline": rows,
        "comparator_names": [assessor.case(c).name for c in comparators],
        "figure1": figure1_svg(_paths(assessor, verdict, comparators, year, timeline),
                               id_prefix="fig1"),
        "neighbourhood": neighbourhood_svg(graph, verdict.parties, id_prefix="nbr"),
        "timeline_svg": timeline_svg(rows, title=f"{verdict.name}: degree by year",
                                     id_prefix="tl"),
        "evidence": [{"id": eid, **item} for eid, item in verdict.evidence.items()],
        "version": __version__,
    }


_MD_SYNTAX = re.compile(r"([\\`*\[\]|])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(value: Any) -> str:
    """Text for Markdown: HTML escaped (Markdown passes raw HTML through, so a `<script>` in
    the knowledge base must not reach it as a tag), Markdown syntax backslash-escaped (an
    underscore inside a word, as in `global_order`, is safe and left alone), on one line, so
    it also fits a table cell."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return _MD_SYNTAX.sub(lambda m: "\\" + m.group(0), text)


def _asset(name: str) -> str:
    return (default_reports() / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_report(assessor: Assessor, case_id: str, year: int | None = None,
                  fmt: str = "html", comparators: Sequence[str] | None = None,
                  timeline_from: int | None = None) -> str:
    """The report on one case as a self-contained HTML page (`html`) or as `markdown`.

    :param year: the year of assessment (default: the case's last coded year); comparators are
        drawn up to the same year.
    :param comparators: other cases drawn in Figure 1 with their paths over the years
        (default: whichever of china-russia and us-india the case is not).
    :param timeline_from: first year of the timeline (default: the case's first evidence).
    """
    if fmt not in FORMATS:
        raise AssessmentError(f"unknown report format {fmt!r}; formats: {', '.join(FORMATS)}")
    context = report_context(assessor, case_id, year, comparators, timeline_from)
    if fmt == "markdown":
        for key in ("figure1", "neighbourhood", "timeline_svg"):
            # A data URI survives Markdown processors that would mangle an inline <svg>.
            context[key + "_uri"] = _data_uri(context[key])
        return render_template("report.md.j2", md=md_text, cell=md_text, **context)
    css, js = _asset("report.css"), _asset("report.js")
    # Inline style and script are allowed by their hashes only: an injected <script> would not
    # run even if escaping ever failed.
    csp = ("default-src 'none'; img-src data:; "
           f"style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
           "base-uri 'none'; form-action 'none'")
    for key in ("figure1", "neighbourhood", "timeline_svg"):
        context[key] = Markup(context[key])  # built by charts.py, every text in it escaped
    return render_template("report.html.j2", css=Markup(css), js=Markup(js), csp=csp,
                           **context)
