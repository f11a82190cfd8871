"""Cases side by side: the profile, the incentives and the verdict of each, in one table.

The paper argues by comparison (China–Russia against US–India): the same seven indicators and
the same three balances, read across cases. `compare` collects them from one verdict per case;
`render_compare` prints them as a table (reports/compare.txt.j2) or as JSON.
"""

from __future__ import annotations

import textwrap
from typing import Any

from smaf_expert.errors import AssessmentError
from smaf_expert.indicators import INDICATORS
from smaf_expert.reasoning.assess import Assessor
from smaf_expert.rendering.render import render_template, to_json

BALANCES = ("bop", "bot", "boi", "overall")
#: Incentive values in order of strength; `undetermined` has no rank.
INCENTIVE_RANK = {"weak": 1, "moderate": 2, "strong": 3}
FORMATS = ("text", "json")
#: Widest cell of the text table before it wraps (a measure such as a threat can be long).
CELL_WIDTH = 30


def compare(assessor: Assessor, case_ids: list[str], year: int | None = None) -> dict[str, Any]:
    """The cases side by side, all at one year: `year`, or by default the earliest of their
    last coded years (Assessor.common_year), so no case is assessed past its coding.

    Returns a dict with `year` (the one year), `year_basis` (`given` or `earliest last coded
    year`), `cases` (per case: name, parties, year, degree, level,
    depth, ceiling, fit, strength, finding kinds), `indicators` (per stage 1-7: each case's
    status and depth) and `incentives` (per balance and overall: each case's value, rank and
    measure), every per-case mapping keyed by case id in the order given.
    """
    if not case_ids:
        raise AssessmentError("compare needs at least one case")
    duplicates = sorted({c for c in case_ids if case_ids.count(c) > 1})
    if duplicates:
        raise AssessmentError(f"case(s) named twice: {', '.join(duplicates)}")
    basis = "given" if year is not None else "earliest last coded year"
    year = assessor.common_year(case_ids, year)
    verdicts = {c: assessor.assess(c, year) for c in case_ids}
    cases = {}
    for cid, v in verdicts.items():
        fit = v.fit or {"value": "undetermined", "expected": None}
        cases[cid] = {
            "name": v.name, "parties": list(v.parties), "year": v.year, "degree": v.degree,
            "level": v.level, "depth": v.depth, "ceiling": v.ceiling,
            "fit": {"value": fit["value"], "expected": fit.get("expected")},
            "strength": list(v.strength),
            "findings": sorted({f["kind"] for f in v.findings}),
        }
    indicators = []
    for ind in INDICATORS:
        indicators.append({
            "stage": ind.stage, "id": ind.id, "name": ind.name, "level": ind.level,
            "cases": {cid: {"status": v.profile[ind.id]["status"],
                            "depth": v.profile[ind.id]["depth"]}
                      for cid, v in verdicts.items()},
        })
    incentives = []
    for name in BALANCES:
        row: dict[str, Any] = {"balance": name, "cases": {}}
        for cid, v in verdicts.items():
            b = (v.incentives or {}).get(name) or {"value": "undetermined"}
            # The overall incentive has no measure of its own: the combining policy stands in.
            measure = b.get("measure") if name != "overall" else (
                f"policy: {b['policy']}" if b.get("policy") else None)
            row["cases"][cid] = {"value": b["value"], "rank": INCENTIVE_RANK.get(b["value"]),
                                 "measure": measure}
        incentives.append(row)
    return {"year": year, "year_basis": basis, "cases": cases, "indicators": indicators,
            "incentives": incentives}


def _cell(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "")) or "-"


def table_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparison as text-table sections: `[{title, rows: [{label, cells}]}]`, each cell a
    list of lines wrapped to CELL_WIDTH."""
    ids = list(data["cases"])
    cases = data["cases"]

    def row(label: str, cells: list[str]) -> dict[str, Any]:
        return {"label": label,
                "cells": [textwrap.wrap(c, CELL_WIDTH) or ["-"] for c in cells]}

    verdict = [
        row("parties", ["-".join(cases[c]["parties"]) for c in ids]),
        row("degree", [_cell(cases[c]["degree"], cases[c]["level"]) for c in ids]),
        row("depth (top stage)", [_cell(cases[c]["depth"]) for c in ids]),
        row("ceiling", [str(cases[c]["ceiling"]) for c in ids]),
        row("fit", [_cell(cases[c]["fit"]["value"],
                          "(expected stages {}-{})".format(*cases[c]["fit"]["expected"])
                          if cases[c]["fit"]["expected"] else None) for c in ids]),
    ]
    profile = [row(f"{i['stage']} {i['id']}",
                   [_cell(i["cases"][c]["status"], i["cases"][c]["depth"]) for c in ids])
               for i in data["indicators"]]
    incentives = [row(r["balance"],
                      [_cell(r["cases"][c]["value"],
                             f"({r['cases'][c]['measure']})" if r["cases"][c]["measure"]
                             else None) for c in ids])
                  for r in data["incentives"]]
    findings = [row("findings", [", ".join(cases[c]["findings"]) or "-" for c in ids])]
    return [{"title": "Verdict", "rows": verdict},
            {"title": "Profile (status, depth)", "rows": profile},
            {"title": "Incentives (value, measure)", "rows": incentives},
            {"title": "Finding kinds", "rows": findings}]


def render_compare(data: dict[str, Any], fmt: str = "text") -> str:
    """A comparison made by `compare` as `text` (a table) or `json`."""
    if fmt == "json":
        return to_json(data)
    if fmt != "text":
        raise AssessmentError(f"unknown compare format {fmt!r}; formats: {', '.join(FORMATS)}")
    sections = table_rows(data)
    ids = list(data["cases"])
    label_width = max(len(r["label"]) for s in sections for r in s["rows"]) + 2
    widths = [max([len(cid)] + [len(line) for s in sections for r in s["rows"]
                                for line in r["cells"][i]]) + 2
              for i, cid in enumerate(ids)]
    lines = []
    for section in sections:
        out_rows = []
        for r in section["rows"]:
            height = max(len(c) for c in r["cells"])
            for n in range(height):
                label = r["label"] if n == 0 else ""
                cells = [c[n] if n < len(c) else "" for c in r["cells"]]
                out_rows.append((label, cells))
        lines.append({"title": section["title"], "rows": out_rows})
    text = render_template("compare.txt.j2", data=data, ids=ids, sections=lines,
                           label_width=label_width, widths=widths)
    # Padding of the last column is noise at the end of a line.
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
