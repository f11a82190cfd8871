"""Every conclusion traces to a named source (DOMAIN.md sections 5 and 6, issue 12)."""

from __future__ import annotations

import json
from functools import cache

import pytest

import smaf_expert
from smaf_expert.reasoning.network import NetworkAssessor
from smaf_expert.reasoning.verdict import cited_ids, fact_ids
from tests.conftest import shipped_packs

#: Structural facts: which case and year, who is a party, which pairs of parties. They say
#: nothing the knowledge base could source; what a case fact derives from knowledge (treaty,
#: hierarchy, GNP ratio) it keeps per field in `evidence_by`.
STRUCTURAL = {"case", "member", "pair", "triad_member"}
#: The packs' own constant `facts:` (scales, prerequisites, ...): theory, not knowledge.
PACK_CONSTANTS = {"band", "prerequisite", "scale"}


@cache
def _assessor():
    return smaf_expert.Assessor(smaf_expert.load_knowledge(smaf_expert.paths.default_knowledge()),
                                list(shipped_packs()))


def _key(fact: dict) -> str:
    return json.dumps({k: v for k, v in fact.items() if k not in ("evidence", "sid")},
                      sort_keys=True)


def _from_knowledge(fact: dict, derived_from_kb: set[str]) -> bool:
    if fact["type"] in STRUCTURAL | PACK_CONSTANTS:
        return False
    if fact["type"] == "indicator":
        return fact["status"] != "unknown"  # unknown: no entry at all to cite
    # Facts that say a piece of knowledge is missing cite no entry because there is none: a
    # power measure without any GNP point, a Walt fact with nothing coded.
    if fact["type"] == "power":
        return fact["status"] == "ok" or (fact["status"] == "missing_data"
                                          and len(fact["missing"]) < 3)
    if fact["type"] == "walt" and not fact.get("evidence"):
        return (fact["borders"], fact["offensive"], fact["intent_rank"],
                "power_ratio" in fact) != (False, "", 0, False)
    return fact["type"] in {"engagement", "rivalry", "perception", "orientation", "walt",
                            "tie", "animosity", "period", "fear", "commitment",
                            "triad_threat"} or _key(fact) in derived_from_kb


def _audit(firings: list, evidence: dict[str, dict]) -> tuple[list[str], list[str]]:
    """(unsourced facts, dangling or sourceless ids) of a trace."""
    unsourced: list[str] = []
    derived_from_kb: set[str] = set()
    for firing in firings:
        knowledge_premises = [f for f in firing.matched.values()
                              if _from_knowledge(f, derived_from_kb)]
        for fact in knowledge_premises:
            if not fact_ids(fact):
                unsourced.append(f"{firing.rule}: premise {fact}")
        if knowledge_premises:
            for fact in firing.asserted:
                derived_from_kb.add(_key(fact))
                if not fact.get("evidence"):
                    unsourced.append(f"{firing.rule}: conclusion {fact}")
    bad = sorted(eid for eid in cited_ids(firings)
                 if not (evidence.get(eid) or {}).get("sources"))
    return unsourced, bad


def test_the_exempt_pack_constants_are_the_shipped_packs_constants():
    """The constant facts exempted above are exactly those the shipped packs declare."""
    static = {f["type"] for f in _assessor().program.static_facts}
    assert static == PACK_CONSTANTS


@pytest.mark.parametrize("case_id", sorted(
    smaf_expert.load_knowledge(smaf_expert.paths.default_knowledge()).alignments))
def test_every_fact_of_a_shipped_case_is_sourced(case_id):
    """Every knowledge fact in the trace, and every fact derived from one, carries ids, and
    every id resolves in the verdict's `evidence` map to an entry with sources."""
    assessor = _assessor()
    case = assessor.case(case_id)
    first = max(case.years()[0], *(assessor.kb.states[p].start or 0 for p in case.parties))
    # The last coded year, and the first: other rules fire early (no treaty yet, gaps).
    for verdict in (assessor.assess(case_id), assessor.assess(case_id, first)):
        unsourced, bad = _audit(verdict.trace, verdict.evidence)
        assert unsourced == [], verdict.year
        assert bad == [], verdict.year
        for finding in verdict.findings:
            assert all(verdict.evidence[eid]["sources"] for eid in finding["evidence"])


def test_network_trace_is_sourced():
    """The quasi-alliance run's facts carry ids that resolve to entries with sources."""
    assessor = _assessor()
    network = NetworkAssessor(assessor)
    _, result = network.run(1970)
    unsourced, bad = _audit(result.firings, assessor._sources)
    assert unsourced == []
    assert bad == []


def test_walt_sources_cite_only_the_entries_behind_them():
    """Each of Walt's sources of threat cites the entries of the field it reads: aggregate power
    the GNP points, proximity the borders, offence the offensive capabilities, intentions the
    perceptions; none borrows the others' (the union is of premises read, not of the fact)."""
    import smaf_expert

    v = smaf_expert.assess("china-russia", 2024)
    kinds = {"W-power": "gnp", "W-proximity": "borders", "W-offense": "offensive",
             "W-intent": "threat"}
    seen = set()
    for firing in v.trace:
        want = kinds.get(firing.rule)
        if want is None:
            continue
        seen.add(firing.rule)
        assert firing.evidence, firing.rule
        assert all(f"#{want}" in eid for eid in firing.evidence), (firing.rule, firing.evidence)
    assert seen == set(kinds)
