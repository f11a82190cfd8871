"""The dyad-year panel (DOMAIN.md section 9): every case at every year it covers, one row each.

A row is a verdict flattened for regression: the profile, the balances, the fit, one 0/1 flag
per finding kind, the GNP ratio, and what was run (parameters, packs, the knowledge base's
content hash), so that a scholar can cite the exact data behind a model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smaf_expert.errors import AssessmentError
from smaf_expert.indicators import INDICATORS
from smaf_expert.knowledge.loader import KnowledgeBase
from smaf_expert.packs.format import Pack
from smaf_expert.reasoning.assess import Assessor, make_assessor
from smaf_expert.reasoning.verdict import Verdict

#: Prefix of the finding columns: finding kinds share names with other columns (`depth`, `fit`).
FINDING_PREFIX = "f_"
#: Columns before the indicators, after them, and the record of what was run (section 9).
HEAD = ["case", "year", "parties", "ccode1", "ccode2", "degree", "level", "ceiling", "depth"]
BALANCES = ["bop", "bot", "boi", "overall", "fit"]
TAIL = ["r", "confidence", "params", "packs", "kb_version"]


@dataclass(frozen=True)
class PanelSpec:
    """What to run: the knowledge folder, packs, parameters, and which cases and years."""

    kb: str | None = None
    rules: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()
    strict: bool = False
    cases: tuple[str, ...] = ()
    start: int | None = None
    end: int | None = None

    def assessor(self) -> Assessor:
        """An Assessor for this spec."""
        return make_assessor(self.kb, list(self.rules), dict(self.params), self.strict)


def finding_kinds(packs: list[Pack]) -> dict[str, list[str]]:
    """Every finding kind the loaded packs can assert, with the ids of the rules that do.

    Read from the rules themselves, so a new pack's findings get a column without code.
    """
    kinds: dict[str, list[str]] = {}
    for pack in packs:
        if pack.scope != "case":
            continue
        for rule in pack.rules:
            for conclusion in rule.then:
                for kind in _kinds_in(conclusion):
                    kinds.setdefault(kind, [])
                    if rule.id not in kinds[kind]:
                        kinds[kind].append(rule.id)
    return dict(sorted(kinds.items()))


def _kinds_in(conclusion: dict) -> Iterator[str]:
    # A conclusion is `{finding: {kind: ...}}` or a fact `{name: {type: finding, kind: ...}}`.
    for key, value in conclusion.items():
        if not isinstance(value, dict):
            continue
        kind = value.get("kind")
        if isinstance(kind, str) and (key == "finding" or value.get("type") == "finding"):
            yield kind


def columns(kinds: list[str]) -> list[str]:
    """The panel's columns, in order, for these finding kinds."""
    return [*HEAD, *(ind.id for ind in INDICATORS), *BALANCES,
            *(FINDING_PREFIX + k for k in kinds), *TAIL]


def kb_version(root: str | Path) -> str:
    """A content hash of the knowledge files (every *.yaml under `root`, by relative path), so
    an export names the exact knowledge it was made from; independent of where the folder is."""
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*.yaml") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def case_years(assessor: Assessor, spec: PanelSpec) -> list[tuple[str, list[int]]]:
    """Each selected case with the years it covers: its first year with evidence to its last
    coded year (the assessor's `default_year`: `coded_to` if the case declares one, else its
    last year with evidence, never after this year), within --from/--to, skipping years in
    which a party did not exist (the rules refuse those)."""
    kb = assessor.kb
    wanted = list(spec.cases) or sorted(kb.alignments)
    unknown = [c for c in wanted if c not in kb.alignments]
    if unknown:
        raise AssessmentError(f"unknown case(s): {', '.join(unknown)} (`smaf cases` lists them)")
    out = []
    for case_id in wanted:
        case = kb.alignments[case_id]
        first = case.years()[0]
        if first is None:
            continue  # no evidence: nothing to assess
        last = assessor.default_year(case)
        lo = max(first, spec.start) if spec.start is not None else first
        hi = min(last, spec.end) if spec.end is not None else last
        years = [y for y in range(lo, hi + 1)
                 if all(kb.states[p].exists_in(y) for p in case.parties)]
        if years:
            out.append((case_id, years))
    return out


def row(verdict: Verdict, kb: KnowledgeBase, kinds: list[str], version: str) -> dict[str, Any]:
    """One verdict as a panel row (columns as in `columns(kinds)`)."""
    cows = [kb.states[p].cow for p in verdict.parties]
    dyadic = len(cows) == 2
    out: dict[str, Any] = {
        "case": verdict.case, "year": verdict.year, "parties": ";".join(verdict.parties),
        "ccode1": cows[0] if dyadic else None, "ccode2": cows[1] if dyadic else None,
        "degree": verdict.degree, "level": verdict.level, "ceiling": verdict.ceiling,
        "depth": verdict.depth or "",
    }
    for ind in INDICATORS:
        out[ind.id] = verdict.profile[ind.id]["status"]
    for name in ("bop", "bot", "boi", "overall"):
        out[name] = (verdict.incentives.get(name) or {}).get("value", "")
    out["fit"] = verdict.fit.get("value", "")
    found = {f["kind"] for f in verdict.findings}
    for kind in kinds:
        out[FINDING_PREFIX + kind] = int(kind in found)
    power = next((f for f in verdict.facts if f.get("type") == "power"), {})
    r = power.get("r")
    out["r"] = round(float(r), 6) if isinstance(r, int | float) else None
    out["confidence"] = verdict.confidence.get("level", "")
    out["params"] = json.dumps(verdict.params, sort_keys=True) if verdict.params else ""
    out["packs"] = ";".join(verdict.packs)
    out["kb_version"] = version
    return out


def _row(shared: tuple[Assessor, list[str], str], task: tuple[str, int]) -> dict[str, Any]:
    assessor, kinds, version = shared
    case_id, year = task
    return row(assessor.assess(case_id, year), assessor.kb, kinds, version)


@dataclass
class PanelPlan:
    """A panel ready to run: the assessor, the finding kinds, the knowledge hash, the tasks."""

    spec: PanelSpec
    assessor: Assessor
    kinds: list[str]
    version: str
    tasks: list[tuple[str, list[int]]]

    @property
    def total(self) -> int:
        """How many rows the panel will have (the length of a progress bar)."""
        return sum(len(years) for _, years in self.tasks)

    @property
    def columns(self) -> list[str]:
        """The panel's columns, in order."""
        return columns(self.kinds)


def plan_panel(spec: PanelSpec) -> PanelPlan:
    """Load the knowledge and packs once and list the case-years to assess."""
    assessor = spec.assessor()
    return PanelPlan(spec, assessor, list(finding_kinds(assessor.packs)),
                     kb_version(assessor.kb.root), case_years(assessor, spec))


def run_panel(plan: PanelPlan, jobs: int = 1,
              progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """The panel's rows, ordered by case then year whatever `jobs` is.

    `jobs` > 1 assesses case-years in that many processes (smaf_expert.parallel); `progress(n)`
    is told each time n more case-years are done.
    """
    from smaf_expert.parallel import ordered_map

    items = [(case_id, year) for case_id, years in plan.tasks for year in years]
    return ordered_map(_row, (plan.assessor, plan.kinds, plan.version), items, jobs,
                       (lambda _: progress(1)) if progress else None)


def build_panel(spec: PanelSpec, jobs: int = 1) -> tuple[list[str], list[dict[str, Any]]]:
    """The panel's columns and rows (the Python mirror of `smaf panel`)."""
    plan = plan_panel(spec)
    return plan.columns, run_panel(plan, jobs)
