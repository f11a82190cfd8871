"""Preparation: the knowledge of one case at one year as engine facts.

Only measures the engine cannot compute are computed here (year windows, ratios, lookups in the
graph); every decision is left to the rules. The fact vocabulary is documented in
docs/rule-packs.md.
"""

from __future__ import annotations

from itertools import combinations, permutations
from typing import TYPE_CHECKING, Any

from smaf_expert.indicators import INDICATORS
from smaf_expert.knowledge.attributes import attribute_facts
from smaf_expert.knowledge.entries import borders_id, gnp_id
from smaf_expert.knowledge.graph import (
    engagements_of,
    evidence_by_indicator,
    rivalries_of,
)
from smaf_expert.knowledge.loader import Alignment, KnowledgeBase, Relation
from smaf_expert.knowledge.status import ended_between, indicator_state

if TYPE_CHECKING:
    import networkx as nx

    from smaf_expert.knowledge.graph import Links


def gnp_at(kb: KnowledgeBase, state_id: str, year: int) -> tuple[float, int] | None:
    """The latest GNP value of a state not after `year`, with its year; None without data."""
    series = kb.states[state_id].gnp
    years = [y for y in series if y <= year]
    if not years:
        return None
    last = max(years)
    return series[last], last


def alliances(kb: KnowledgeBase, a: str, b: str, year: int) -> list[Relation]:
    """The formal alliances between `a` and `b` in force at `year`."""
    return [r for r in kb.relations
            if r.type == "alliance" and a in r.parties and b in r.parties and r.holds(year)]


def allied(kb: KnowledgeBase, a: str, b: str, year: int) -> bool:
    """Whether a formal alliance between `a` and `b` is in force at `year`."""
    return bool(alliances(kb, a, b, year))


def gnp_ids(kb: KnowledgeBase, states: list[str], year: int) -> list[str]:
    """The ids of the GNP data points `gnp_at` reads for some states at `year`."""
    out = []
    for sid in states:
        value = gnp_at(kb, sid, year)
        if value is not None:
            out.append(gnp_id(sid, value[1]))
    return out


def _case_fact(kb: KnowledgeBase, case: Alignment, year: int, unknown: list[str]) -> dict:
    # The case fact is structural (which case, which year) with a few knowledge-derived
    # fields; their entries are kept per field in `evidence_by`, so that a rule cites them only
    # when it reads that field (a degree of 0 does not rest on the parties' GNP).
    pairs = list(combinations(case.parties, 2))
    treaties = [r.id for a, b in pairs for r in alliances(kb, a, b, year)]
    by: dict[str, list[str]] = {}
    fact: dict[str, Any] = {
        "type": "case", "case": case.id, "year": year, "n_parties": len(case.parties),
        "trust": case.trust, "against": case.against or "", "unknown": unknown,
        # With more than two parties, a treaty counts only if every pair is allied.
        "treaty": all(allied(kb, a, b, year) for a, b in pairs),
        "hierarchy_marked": False, "dominant": "", "evidence": [],
    }
    if fact["treaty"]:
        by["treaty"] = list(dict.fromkeys(treaties))
    for rel in kb.relations:
        if rel.type == "hierarchy" and rel.holds(year) and set(rel.parties) <= set(case.parties):
            fact.update(hierarchy_marked=True, dominant=rel.dominant or "")
            by["hierarchy_marked"] = by["dominant"] = [rel.id]
    values = [gnp_at(kb, p, year) for p in case.parties]
    if all(values):
        amounts = [v[0] for v in values]
        fact["gnp_ratio"] = round(max(amounts) / min(amounts), 4)
        fact["gnp_top"] = case.parties[amounts.index(max(amounts))]
        by["gnp_ratio"] = by["gnp_top"] = gnp_ids(kb, list(case.parties), year)
    fact["evidence_by"] = by
    return fact


def case_facts(kb: KnowledgeBase, case: Alignment, year: int,
               graph: nx.MultiDiGraph | Links) -> list[dict]:
    """The facts of cluster one for `case` at `year`: case, indicators, pairs, engagements with
    third states and the rivalries of the parties."""
    groups = evidence_by_indicator(case)
    facts: list[dict] = []
    unknown = []
    for ind in INDICATORS:
        items = groups.get(ind.id, [])
        now = indicator_state(items, year)
        before = indicator_state(items, year - 1)
        if now.status == "unknown":
            unknown.append(ind.id)
        # An indicator absent only because its items are out of the year window rests on
        # those items' dates.
        behind = now.evidence or (tuple(e.id for e in items) if now.status == "absent" else ())
        facts.append({
            "type": "indicator", "indicator": ind.id, "stage": ind.stage, "level": ind.level,
            "status": now.status, "depth": now.depth or "", "depth_rank": now.depth_rank,
            "suspended": now.suspended, "confidence_rank": now.confidence_rank,
            "prev_status": before.status,
            "prev_depth_rank": before.depth_rank,
            "depth_change": now.depth_rank - before.depth_rank,
            "ended": list(ended_between(items, year)) if before.depth_rank else [],
            "evidence": list(behind),
        })
    facts.insert(0, _case_fact(kb, case, year, unknown))
    parties = set(case.parties)
    for a, b in permutations(case.parties, 2):
        facts.append({"type": "pair", "party": a, "other": b})
    for party in case.parties:
        for partner, edge in engagements_of(graph, party):
            if partner in parties:
                continue
            facts.append({"type": "engagement", "party": party, "partner": partner,
                          "indicator": edge["indicator"], "stage": edge["stage"],
                          "depth": edge["depth"], "depth_rank": edge["depth_rank"],
                          "source_case": edge["case"], "evidence": list(edge["evidence"])})
        for rival, ids in rivalries_of(graph, party):
            facts.append({"type": "rivalry", "state": party, "rival": rival, "evidence": ids})
    return facts


_THREAT_RANK = {"potential": 1, "growing": 2, "immediate": 3}
_INTENSITY_RANK = {"passive": 1, "growing": 2, "committed": 3}


def _current(entries: tuple, year: int, key: Any) -> list:
    """Entries in force at `year`; where two overlap for the same key, the later `since` wins."""
    best: dict[Any, Any] = {}
    for entry in entries:
        if entry.holds(year):
            k = key(entry)
            if k not in best or entry.since >= best[k].since:
                best[k] = entry
    return list(best.values())


def power_fact(kb: KnowledgeBase, case: Alignment, year: int) -> dict:
    """P-bop's measure: r = sum of the parties' GNP / GNP of the state aligned against, with
    whether any party is weaker than that state (the systemic push) and how old the data is."""
    fact: dict[str, Any] = {"type": "power", "against": case.against or ""}
    if not case.against:
        return {**fact, "status": "no_against", "missing": []}
    values = {p: gnp_at(kb, p, year) for p in [*case.parties, case.against]}
    missing = sorted(p for p, v in values.items() if v is None)
    if missing:
        # Undetermined for want of data: it rests on the points there are (and on the gap).
        return {**fact, "status": "missing_data", "missing": missing,
                "evidence": gnp_ids(kb, [*case.parties, case.against], year)}
    parties_gnp = sum(values[p][0] for p in case.parties)
    against_gnp = values[case.against][0]
    return {**fact, "status": "ok", "missing": [],
            # Unrounded: the rules compare it with the bounds; texts round it.
            "r": parties_gnp / against_gnp,
            "parties_gnp": round(parties_gnp, 3), "against_gnp": round(against_gnp, 3),
            "push": any(values[p][0] < against_gnp for p in case.parties),
            "data_age": year - min(v[1] for v in values.values()),
            "oldest_data_year": min(v[1] for v in values.values()),
            "evidence": gnp_ids(kb, [*case.parties, case.against], year)}


def incentive_facts(kb: KnowledgeBase, case: Alignment, year: int) -> list[dict]:
    """The facts of cluster two: the power measure, each party's threat perceptions and
    orientation at `year`, and a `member` fact per party."""
    facts = [power_fact(kb, case, year)]
    current = {p: _current(kb.states[p].threats, year,
                           lambda e: (e.values["from"], e.values["category"]))
               for p in case.parties}
    for party in case.parties:
        state = kb.states[party]
        threats = current[party]
        orientation = _current(state.orientation, year, lambda e: "orientation")
        # Membership is structural; what a rule concludes from a member's *lack* of a
        # perception or orientation rests on that member's entries of the type (see
        # docs/rule-packs.md, provenance).
        facts.append({"type": "member", "state": party, "evidence": [],
                      "evidence_by": {"perception": [t.id for t in threats],
                                      "orientation": [o.id for o in orientation]}})
        for t in threats:
            facts.append({"type": "perception", "state": party, "from": t.values["from"],
                          "category": t.values["category"], "level": t.values["level"],
                          "level_rank": _THREAT_RANK[t.values["level"]],
                          "since": t.since, "sources": list(t.sources), "evidence": [t.id],
                          # The same threat as the other parties perceive it: what a
                          # conclusion on whether the parties share it rests on.
                          "evidence_by": {"perception": [
                              u.id for other in case.parties if other != party
                              for u in current[other] if (u.values["from"], u.values["category"])
                              == (t.values["from"], t.values["category"])]}})
        for o in orientation:
            facts.append({"type": "orientation", "state": party,
                          "direction": o.values["direction"],
                          "intensity": o.values["intensity"],
                          "intensity_rank": _INTENSITY_RANK[o.values["intensity"]],
                          "since": o.since, "sources": list(o.sources), "evidence": [o.id]})
    return facts


_OFFENSE_RANK = {"low": 1, "moderate": 2, "high": 3}


def walt_facts(kb: KnowledgeBase, case: Alignment, year: int) -> list[dict]:
    """Walt's four sources of threat, for each party facing the state the case is formed
    against: aggregate power (its GNP over the party's), proximity (a shared border, either
    side's file), offensive capabilities (coded level) and intentions (the party's strongest
    perception of it as a threat)."""
    if not case.against:
        return []
    against = kb.states[case.against]
    offense = _current(against.offensive, year, lambda e: "offensive")
    facts = []
    for party in case.parties:
        state = kb.states[party]
        mine, theirs = gnp_at(kb, party, year), gnp_at(kb, case.against, year)
        perceived = [t for t in state.threats
                     if t.holds(year) and t.values["from"] == case.against]
        intents = [_THREAT_RANK[t.values["level"]] for t in perceived]
        borders = case.against in state.borders or party in against.borders
        # The four sources of threat are read apart (W-power, W-proximity, W-offense,
        # W-intent): each field keeps its own entries in `evidence_by`, so that a rule cites
        # only the entries behind the field it reads (aggregate power does not rest on borders).
        by: dict[str, list[str]] = {
            "borders": [borders_id(s.id) for s in (state, against)
                        if {party, case.against} - {s.id} <= set(s.borders)] if borders else [],
            "offensive": [o.id for o in offense],
            "offensive_rank": [o.id for o in offense],
            "intent_rank": [t.id for t in perceived],
        }
        fact: dict[str, Any] = {
            "type": "walt", "state": party, "against": case.against,
            "borders": borders, "evidence": [],
            "offensive": offense[0].values["level"] if offense else "",
            "offensive_rank": _OFFENSE_RANK[offense[0].values["level"]] if offense else 0,
            "intent_rank": max(intents, default=0)}
        if mine and theirs:
            fact["power_ratio"] = theirs[0] / mine[0]
            by["power_ratio"] = gnp_ids(kb, [party, case.against], year)
        # A rule that tests the absence of a fact derived from Walt facts (W-predict.balance:
        # "no party is unthreatened") rests on every source: kept under the type's own name,
        # as the engine lends ids for negated types and their origins (engine.premise_ids).
        by["walt"] = list(dict.fromkeys(i for ids in list(by.values()) for i in ids))
        fact["evidence_by"] = {k: v for k, v in by.items() if v}
        facts.append(fact)
    return facts


def case_attribute_facts(kb: KnowledgeBase, case: Alignment, year: int) -> list[dict]:
    """Theory data for packs (DOMAIN.md section 8) that bears on the case at `year`: the
    attributes of its parties and of the state it is formed against, of the case itself, and
    of the relations among those states in force at `year`. Each fact carries the id of its
    entry (`USA#attributes/PACK`) as its evidence."""
    states = set(case.parties) | ({case.against} if case.against else set())
    return attribute_facts(kb.attributes, year, states=states, cases={case.id})
