"""Assessing cases: knowledge -> facts -> rule firings -> verdict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smaf_expert.errors import AssessmentError, KnowledgeError, did_you_mean
from smaf_expert.knowledge.attributes import check_attributes
from smaf_expert.knowledge.entries import knowledge_entries
from smaf_expert.knowledge.graph import Links, build_graph, build_links, evidence_by_indicator
from smaf_expert.knowledge.loader import Alignment, KnowledgeBase, load_knowledge
from smaf_expert.knowledge.years import last_coded_year
from smaf_expert.packs.compiler import Program, compile_packs
from smaf_expert.packs.format import Pack, load_packs
from smaf_expert.packs.params import changed_parameters, resolve_parameters
from smaf_expert.paths import default_knowledge, default_rules
from smaf_expert.reasoning.engine import shared_engine
from smaf_expert.reasoning.findings import merge_findings
from smaf_expert.reasoning.prepare import (
    case_attribute_facts,
    case_facts,
    incentive_facts,
    walt_facts,
)
from smaf_expert.reasoning.verdict import Verdict, build_verdict

if TYPE_CHECKING:
    import networkx as nx

    from smaf_expert.explanation.explain import Explainer, Node

BASE_TYPES = {"case", "indicator", "pair", "engagement", "rivalry", "power", "member",
              "perception", "orientation", "walt", "attribute"}


def _evidence_record(item: Any) -> dict[str, Any]:
    return {"case": item.case, "indicator": item.indicator, "claim": item.claim,
            "sources": list(item.sources), "since": item.since, "until": item.until,
            "status": item.status, "depth": item.depth, "confidence": item.confidence}


def _check_finite(case: Alignment, year: int, facts: list[dict]) -> None:
    """Refuse a prepared measure that is not a finite number (e.g. a GNP ratio that overflows):
    the engine would silently drop the fact and the verdict would change without a word."""
    import math

    # One pass over the values first: x - x is 0.0 for every finite float, NaN otherwise.
    if not any(isinstance(v, float) and v - v != 0.0 for f in facts for v in f.values()):
        return
    for fact in facts:
        for name, value in fact.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise AssessmentError(f"case {case.id!r} at {year}: the measure {name} of the "
                                      f"{fact['type']} facts is {value}, which no rule can use; "
                                      "check the GNP values of the states of the case")


def entry_records(kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """Every knowledge entry by id, as the verdict's `evidence` map holds it: kind, the readable
    `claim`, value, year, unit, sources, file and line; evidence items also with their case,
    indicator, dates, status, depth and confidence; attributes also with their pack, entity
    and values."""
    out = {eid: entry.as_record() for eid, entry in knowledge_entries(kb).items()}
    for eid, item in kb.evidence.items():
        out[eid] = {**out.get(eid, {"kind": "evidence"}), **_evidence_record(item)}
    for a in kb.attributes:
        out[a.id] = {**out[a.id], **a.record()}
    return out


class Assessor:
    """Assesses cases of one knowledge base under one set of packs and parameters.

    Rulesets are compiled once per Assessor and the graph once per year, so a batch of cases
    costs one engine run per case and year.
    """

    def __init__(self, kb: KnowledgeBase | None = None, packs: list[Pack] | None = None,
                 params: dict[str, Any] | None = None, strict: bool = False) -> None:
        self.kb = kb if kb is not None else load_knowledge(default_knowledge())
        self.packs = packs if packs is not None else load_packs([default_rules()])
        # Theory data is checked against the packs that read it before anything runs.
        problems, self.unchecked_attributes = check_attributes(self.kb.attributes, self.packs)
        if problems:
            raise KnowledgeError(problems)
        overrides = dict(params or {})
        if strict:
            overrides["prereq.strict"] = True
        self.params = resolve_parameters(self.packs, overrides)
        self.changed = changed_parameters(self.packs, self.params)
        self.program: Program = compile_packs(self.packs_of("case"), self.params, BASE_TYPES)
        self._graphs: dict[int, nx.MultiDiGraph] = {}
        self._links: dict[int, Links] = {}
        self._sources = entry_records(self.kb)
        self._names = {sid: s.name for sid, s in self.kb.states.items()}

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        """Every knowledge entry's record by id (`entry_records`), built once per Assessor."""
        return self._sources

    def packs_of(self, scope: str) -> list[Pack]:
        """The packs that reason about one case (`case`) or the whole network (`network`)."""
        return [p for p in self.packs if p.scope == scope]

    def pack_files(self) -> dict[str, str]:
        """Each case-scope pack that ran, with the file it was read from (for the verdict)."""
        paths = {p.name: p.path for p in self.packs}
        return {name: paths.get(name, "") for name in self.program.packs}

    def case(self, case_id: str) -> Alignment:
        """The case with this id, or an error naming the cases there are."""
        if case_id not in self.kb.alignments:
            raise AssessmentError(f"unknown case {case_id!r}"
                                  f"{did_you_mean(case_id, self.kb.alignments)} "
                                  "(`smaf cases` lists them)")
        return self.kb.alignments[case_id]

    def graph(self, year: int) -> nx.MultiDiGraph:
        """The multilateral graph at `year`, built once per year."""
        if year not in self._graphs:
            self._graphs[year] = build_graph(self.kb, year)
        return self._graphs[year]

    def links(self, year: int) -> Links:
        """The same graph as plain adjacency (no networkx), built once per year: what
        assessing a case reads."""
        if year not in self._links:
            self._links[year] = build_links(self.kb, year)
        return self._links[year]

    def default_year(self, case: Alignment) -> int:
        """The case's last coded year (DOMAIN.md section 6): its `coded_to` if it declares one,
        else the latest year in which any of its items starts or ends; never after the
        current year."""
        last = last_coded_year(case)
        if last is None:
            raise AssessmentError(f"case {case.id!r} has no evidence yet: give --year")
        return last

    def common_year(self, case_ids: Sequence[str], year: int | None = None) -> int:
        """One year for several cases (`compare`, a report with comparators): `year` if given,
        else the earliest of their default years, so no case is assessed past its coding."""
        if year is not None:
            return year
        return min(self.default_year(self.case(c)) for c in case_ids)

    def check_year(self, case: Alignment, year: int) -> None:
        """Refuse a year outside 1800-2100 or in which a party did not exist."""
        if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2100:
            raise AssessmentError(f"year {year!r} is not a whole number from 1800 to 2100")
        for party in case.parties:
            state = self.kb.states[party]
            if not state.exists_in(year):
                span = f"{state.start or '...'}-{state.end or '...'}"
                raise AssessmentError(f"case {case.id!r} cannot be assessed at {year}: "
                                      f"{state.name} ({party}) existed only in {span}")

    def assess(self, case_id: str, year: int | None = None) -> Verdict:
        """The verdict on one case at one year (default: the case's last coded year)."""
        case = self.case(case_id)
        year = self.default_year(case) if year is None else year
        self.check_year(case, year)
        facts = case_facts(self.kb, case, year, self.links(year))
        facts += incentive_facts(self.kb, case, year)
        facts += walt_facts(self.kb, case, year)
        facts += case_attribute_facts(self.kb, case, year)
        _check_finite(case, year, facts)
        context = {"state_names": self._names, "case_id": case.id, "year": year}
        result = shared_engine().run(self.program, facts, context)
        verdict = build_verdict(case, year, [*self.program.static_facts, *facts], result,
                                self.changed, self.pack_files(), self._sources)
        verdict.findings = merge_findings(verdict.findings, self.program, context)
        return verdict

    def explainer(self, verdict: Verdict) -> Explainer:
        """Explanations of a verdict made by this Assessor."""
        # Imported on use: assessing alone needs no explanation machinery.
        from smaf_expert.explanation.explain import Explainer

        return Explainer(verdict, self.program.rules, self._sources)

    def explain(self, case_id: str, year: int | None = None, about: str = "degree"
                ) -> list[Node]:
        """Why: the derivation trees of a conclusion (`degree`, `bop`, ..., a finding kind)."""
        return self.explainer(self.assess(case_id, year)).why(about)

    def why_not(self, case_id: str, stage: int, year: int | None = None) -> list[Node]:
        """Why not: what keeps the degree of a case below `stage`."""
        return self.why_not_of(self.assess(case_id, year), stage)

    def why_not_of(self, verdict: Verdict, stage: int) -> list[Node]:
        """Why not, for a verdict already made by this Assessor."""
        items = evidence_by_indicator(self.case(verdict.case))
        return self.explainer(verdict).why_not(stage, items, self.params)

    def on(self, kb: KnowledgeBase) -> Assessor:
        """The same packs and parameters over another knowledge base (a what-if scenario)."""
        return Assessor(kb, self.packs, self.changed)

    def timeline(self, case_id: str, start: int, end: int, jobs: int = 1) -> list[Verdict]:
        """Verdicts for every year from `start` to `end`, inclusive (on `jobs` processes)."""
        if start > end:
            raise AssessmentError(f"--from {start} is after --to {end}")
        from smaf_expert.parallel import ordered_map

        self.case(case_id)  # an unknown case is reported once, before any work
        return ordered_map(_assess_year, (self, case_id), list(range(start, end + 1)), jobs)


def _assess_year(shared: tuple[Assessor, str], year: int) -> Verdict:
    assessor, case_id = shared
    return assessor.assess(case_id, year)


def make_assessor(kb_path: str | Path | None = None, rules: list[str | Path] | None = None,
                  params: dict[str, Any] | None = None, strict: bool = False) -> Assessor:
    """An Assessor over a knowledge folder (default: the shipped one) and the shipped packs plus
    any extra packs in `rules`."""
    kb = load_knowledge(kb_path or default_knowledge())
    packs = load_packs([default_rules(), *[Path(r) for r in rules or []]])
    return Assessor(kb, packs, params, strict)


def assess(case: str, year: int | None = None, *, kb: str | Path | None = None,
           strict: bool = False, params: dict[str, Any] | None = None,
           rules: list[str | Path] | None = None) -> Verdict:
    """Assess one case: the Python mirror of `smaf assess`."""
    return make_assessor(kb, rules, params, strict).assess(case, year)
