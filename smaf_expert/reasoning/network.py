"""The network scope: quasi-alliances (Cha) across the whole knowledge base at a year.

knowledge + the cluster-one degree of every case -> network facts -> firings of the
network-scope packs -> quasi-alliance entries. Grouping pairs into multilateral groups is the
one step done here: a group is a clique of pairs that share a threat (DOMAIN.md section 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, permutations
from typing import Any

import networkx as nx

from smaf_expert.errors import AssessmentError
from smaf_expert.knowledge.attributes import attribute_facts
from smaf_expert.packs.compiler import Program, compile_packs
from smaf_expert.reasoning.assess import Assessor
from smaf_expert.reasoning.engine import Firing, RunResult, shared_engine
from smaf_expert.reasoning.prepare import _THREAT_RANK, _current

#: Derived types that become quasi-alliance entries (the network's output).
NETWORK_OUTPUT_TYPES = frozenset({"quasi", "hindrance", "prediction", "bot_prediction",
                                  "overridden", "behaviour", "finding"})
NETWORK_TYPES = {"tie", "perception", "animosity", "period", "fear", "commitment",
                 "triad_member", "triad_threat", "attribute"}


def case_degrees(assessor: Assessor, year: int) -> dict[str, int]:
    """The cluster-one degree of every case whose parties all exist at `year`."""
    return {cid: degree for cid, (degree, _) in _case_degrees_with_evidence(assessor,
                                                                            year).items()}


def _case_degrees_with_evidence(assessor: Assessor, year: int
                                ) -> dict[str, tuple[int, list[str]]]:
    """The degree of every case at `year` with the ids of the indicators that count for it."""
    out = {}
    for case in assessor.kb.alignments.values():
        if all(assessor.kb.states[p].exists_in(year) for p in case.parties):
            verdict = assessor.assess(case.id, year)
            ids = sorted({eid for entry in verdict.profile.values()
                          if entry["status"] == "present" and entry["stage"] <= verdict.degree
                          for eid in entry["evidence"]})
            out[case.id] = (verdict.degree, ids)
    return out


def network_facts(assessor: Assessor, year: int) -> list[dict]:
    """Facts of the whole network at `year`: ties (treaties; alignments with their degree),
    every threat perception, animosities, and the coded quasi-alliance periods in force."""
    kb = assessor.kb
    facts: list[dict] = []
    for rel in kb.relations:
        if not rel.holds(year):
            continue
        for a, b in permutations(rel.parties, 2):
            if rel.type == "alliance":
                facts.append({"type": "tie", "a": a, "b": b, "kind": "treaty", "degree": 0,
                              "name": rel.name or "", "evidence": [rel.id]})
            elif rel.type == "animosity":
                facts.append({"type": "animosity", "a": a, "b": b,
                              "note": rel.note or rel.name or "historical animosity",
                              "evidence": [rel.id]})
    for case_id, (degree, ids) in sorted(_case_degrees_with_evidence(assessor, year).items()):
        for a, b in permutations(kb.alignments[case_id].parties, 2):
            facts.append({"type": "tie", "a": a, "b": b, "kind": "alignment", "degree": degree,
                          "name": case_id, "evidence": ids})
    for state in kb.states.values():
        if not state.exists_in(year):
            continue
        for t in _current(state.threats, year,
                          lambda e: (e.values["from"], e.values["category"])):
            facts.append({"type": "perception", "state": state.id, "from": t.values["from"],
                          "category": t.values["category"], "level": t.values["level"],
                          "level_rank": _THREAT_RANK[t.values["level"]],
                          "evidence": [t.id]})
    for triad in kb.quasi.values():
        facts.extend(_triad_facts(assessor, triad, year))
    # Theory data of every state, case and relation in force (DOMAIN.md section 8).
    facts.extend(attribute_facts(kb.attributes, year))
    return _dedupe(facts)


def _triad_facts(assessor: Assessor, triad: Any, year: int) -> list[dict]:
    period = next((p for p in triad.periods if p["from"] <= year <= p["to"]), None)
    if period is None:
        return []
    coded = [period["id"]]
    facts: list[dict] = [{"type": "period", "triad": triad.id, "from": period["from"],
                          "to": period["to"], "ally": triad.ally or "",
                          "n_parties": len(triad.parties),
                          "observed": period.get("observed") or "", "evidence": coded}]
    for state, fear in (period.get("fears") or {}).items():
        facts.append({"type": "fear", "triad": triad.id, "state": state, "fear": fear,
                      "evidence": coded})
    for state, value in (period.get("ally_commitment") or {}).items():
        facts.append({"type": "commitment", "triad": triad.id, "state": state, "value": value,
                      "evidence": coded})
    for party in triad.parties:
        facts.append({"type": "triad_member", "triad": triad.id, "state": party})
        # A party's strongest perception of the triad's threat, in any category: balance of
        # threat (Walt) reads the level of threat, not its kind.
        seen = [t for t in assessor.kb.states[party].threats
                if t.holds(year) and t.values["from"] in triad.threats]
        if seen:
            facts.append({"type": "triad_threat", "triad": triad.id, "state": party,
                          "level_rank": max(_THREAT_RANK[t.values["level"]] for t in seen),
                          "evidence": [t.id for t in seen]})
    return facts


def _dedupe(facts: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for f in facts:
        seen.setdefault(repr(sorted(f.items())), f)
    return list(seen.values())


@dataclass
class QuasiEntry:
    """A quasi-alliance at a year: detected from the knowledge, coded in a triad file, or both."""

    parties: list[str]
    ally: str | None
    threats: list[str]
    hindrances: list[str]
    variant: str
    detected: bool
    triad: str | None = None
    prediction: str = "none"
    basis: str | None = None
    observed: str | None = None
    period: list[int] | None = None
    rival_prediction: str | None = None
    #: SMAF's reading of the threat (issue 14): per threat, the categories every party
    #: perceives it in (empty: no common threat for SMAF's BOT, though Cha's detection, which
    #: reads no categories, found one), and each party's categories.
    smaf_bot: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Pairs of the entry that are themselves aligned at quasi.ally_degree or more.
    aligned: list[dict[str, Any]] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    behaviour: dict[str, str] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The entry as the JSON contract of `smaf quasi` (DOMAIN.md section 6)."""
        return dict(self.__dict__)


class NetworkAssessor:
    """Runs the network-scope packs (Cha's quasi-alliance model) over a knowledge base."""

    def __init__(self, assessor: Assessor) -> None:
        self.assessor = assessor
        self.program: Program = compile_packs(assessor.packs_of("network"), assessor.params,
                                              NETWORK_TYPES)

    def run(self, year: int) -> tuple[list[dict], RunResult]:
        """The network facts at `year` and the firings of the network packs on them."""
        names = {sid: s.name for sid, s in self.assessor.kb.states.items()}
        facts = network_facts(self.assessor, year)
        return facts, shared_engine().run(self.program, facts,
                                          {"state_names": names, "year": year})

    def quasi(self, year: int) -> tuple[list[QuasiEntry], RunResult]:
        """Every quasi-alliance at `year`, with prediction and observed outcome where coded."""
        if not self.program.strata:
            raise AssessmentError("no network-scope rule pack is loaded (cha-quasi-alliance)")
        facts, result = self.run(year)
        entries = _entries(result)
        periods = {f["triad"]: f for f in facts if f["type"] == "period"}
        for triad in self.assessor.kb.quasi.values():
            if triad.id in periods:
                _attach_triad(entries, triad, periods[triad.id], result)
        for entry in entries:
            entry.rules = _rules_for(entry, result.firings)
            entry.hindrances = distinct_notes(entry.hindrances)
            _annotate(entry, facts, self.program.params.get("quasi.ally_degree", 5))
        entries.sort(key=lambda e: (not e.triad, -len(e.parties), e.parties))
        return entries, result

    def backtest(self) -> list[dict[str, Any]]:
        """Every coded period with an observed outcome: the model's prediction at the period's
        first year against the record."""
        rows = []
        for triad in sorted(self.assessor.kb.quasi.values(), key=lambda t: t.id):
            for period in triad.periods:
                entries, _ = self.quasi(period["from"])
                entry = next(e for e in entries if e.triad == triad.id)
                rows.append({"triad": triad.id, "from": period["from"], "to": period["to"],
                             "prediction": entry.prediction, "basis": entry.basis,
                             "observed": period.get("observed"),
                             "hit": (None if not period.get("observed")
                                     or entry.prediction == "none"
                                     else entry.prediction == period["observed"])})
        return rows


def _entries(result: RunResult) -> list[QuasiEntry]:
    pairs = result.facts("quasi")
    hindrances: dict[frozenset, list[str]] = {}
    for h in result.facts("hindrance"):
        hindrances.setdefault(frozenset((h["a"], h["b"])), []).append(h["note"])
    by_pair: dict[frozenset, QuasiEntry] = {}
    for q in pairs:
        key = frozenset((q["a"], q["b"]))
        entry = by_pair.get(key)
        if entry is None:
            entry = by_pair[key] = QuasiEntry(
                parties=sorted(key), ally=q["ally"] or None, threats=[],
                hindrances=sorted(set(hindrances.get(key, []))), variant=q["variant"],
                detected=True)
        if q["threat"] not in entry.threats:
            entry.threats.append(q["threat"])
        if q["variant"] == "ally" and entry.variant == "tacit":
            entry.variant, entry.ally = "ally", q["ally"]
    entries = list(by_pair.values())
    entries.extend(_groups(pairs, hindrances))
    return entries


def _groups(pairs: list[dict], hindrances: dict[frozenset, list[str]]) -> list[QuasiEntry]:
    """Multilateral quasi-alliances: three or more states that pairwise qualify against the same
    threat. The group's ally is one ally common to every pair, else none (tacit)."""
    groups = []
    for threat in sorted({q["threat"] for q in pairs}):
        g = nx.Graph()
        for q in pairs:
            if q["threat"] == threat:
                allies = g.get_edge_data(q["a"], q["b"], {}).get("allies", set())
                g.add_edge(q["a"], q["b"], allies=allies | {q["ally"]})
        for clique in nx.find_cliques(g):
            if len(clique) < 3:
                continue
            members = sorted(clique)
            common = set.intersection(*(g.edges[a, b]["allies"]
                                        for a, b in combinations(members, 2))) - {""}
            ally = sorted(common)[0] if common else None
            notes = sorted({n for a, b in combinations(members, 2)
                            for n in hindrances.get(frozenset((a, b)), [])})
            groups.append(QuasiEntry(parties=members, ally=ally, threats=[threat],
                                     hindrances=notes, variant="ally" if ally else "tacit",
                                     detected=True))
    return groups


def _attach_triad(entries: list[QuasiEntry], triad: Any, period: dict,
                  result: RunResult) -> None:
    key = set(triad.parties)
    entry = next((e for e in entries if set(e.parties) == key), None)
    if entry is None:
        entry = QuasiEntry(parties=sorted(key), ally=triad.ally, threats=list(triad.threats),
                           hindrances=list(triad.hindrances),
                           variant="ally" if triad.ally else "tacit", detected=False)
        entries.append(entry)
    entry.triad = triad.id
    entry.hindrances = sorted(set(entry.hindrances) | set(triad.hindrances))
    entry.observed = period["observed"] or None
    entry.period = [period["from"], period["to"]]
    prediction = next((p for p in result.facts("prediction") if p["triad"] == triad.id), None)
    if prediction:
        entry.prediction, entry.basis = prediction["value"], prediction["basis"]
    rival = next((p for p in result.facts("bot_prediction") if p["triad"] == triad.id), None)
    entry.rival_prediction = rival["value"] if rival else None
    entry.overridden = [o["prediction"] for o in result.facts("overridden")
                        if o["triad"] == triad.id]
    entry.behaviour = {b["state"]: b["commitment"] for b in result.facts("behaviour")
                       if b["triad"] == triad.id}
    entry.findings = [{"kind": f["kind"], "rule": f["rule"], "text": f["text"]}
                      for f in result.facts("finding") if f.get("triad") == triad.id]


def _rules_for(entry: QuasiEntry, firings: list[Firing]) -> list[str]:
    parties = set(entry.parties)
    out: dict[str, None] = {}
    for firing in firings:
        for fact in firing.matched.values():
            if (entry.triad and fact.get("triad") == entry.triad) or (
                    {fact.get("a"), fact.get("b")} <= parties and fact["type"] in
                    {"quasi", "shares_ally", "common"}):
                out.setdefault(firing.rule, None)
                break
    return list(out)


def distinct_notes(notes: list[str]) -> list[str]:
    """Notes with near-duplicates dropped: two notes are one point when a common run of text
    covers most of the shorter (a triad's hindrance "historical animosity from Japanese colonial
    rule of Korea (1910-45)" and the animosity's own note "Japanese colonial rule of Korea
    (1910-45); relations normalised..."); the longer, more informative one is kept."""
    from difflib import SequenceMatcher

    kept: list[str] = []
    for note in sorted(dict.fromkeys(notes), key=len, reverse=True):
        same = False
        for other in kept:
            m = SequenceMatcher(None, note.lower(), other.lower(), autojunk=False)
            block = m.find_longest_match(0, len(note), 0, len(other))
            same = same or block.size >= max(20, 0.6 * min(len(note), len(other)))
        if not same:
            kept.append(note)
    return sorted(kept, key=notes.index)


def _annotate(entry: QuasiEntry, facts: list[dict], ally_degree: int) -> None:
    """What SMAF says about an entry Cha's model found: whether its BOT finds a common threat
    (same state, same category for every party), and which of its pairs are deep alignments."""
    for threat in entry.threats:
        views = {p: sorted({f["category"] for f in facts if f["type"] == "perception"
                            and f["state"] == p and f["from"] == threat})
                 for p in entry.parties}
        common = set.intersection(*(set(v) for v in views.values())) if views else set()
        entry.smaf_bot[threat] = {"common": sorted(common), "categories": views}
    for a, b in combinations(entry.parties, 2):
        for tie in facts:
            if (tie["type"] == "tie" and tie["kind"] == "alignment" and tie["a"] == a
                    and tie["b"] == b and tie["degree"] >= ally_degree):
                entry.aligned.append({"parties": [a, b], "case": tie["name"],
                                      "degree": tie["degree"]})
