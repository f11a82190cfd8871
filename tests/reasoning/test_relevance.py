"""Facts no compiled condition could match are not asserted (issue 16), and only those: a
third-party pack that reads engagements still sees every one."""

from __future__ import annotations

import yaml

from smaf_expert.reasoning.assess import Assessor, make_assessor
from smaf_expert.reasoning.engine import Engine
from smaf_expert.reasoning.relevance import stratum_filter
from smaf_expert.rendering.render import to_json

ENGAGEMENT_PACK = {
    "pack": "third-party-ties",
    "theory": "A test theory that reads every engagement",
    "citation": "Nobody, A Test (2026)",
    "produces": {"tie_seen": {"party": "string", "partner": "string", "indicator": "string"}},
    "rules": [{
        "id": "T-tie",
        "statement": "Every engagement of a party with a third state is a tie.",
        "citation": "Nobody (2026), p. 1",
        "when": [{"e": {"type": "engagement"}}],
        "then": [{"assert": {"type": "tie_seen", "party": {"ref": "e.party"},
                             "partner": {"ref": "e.partner"},
                             "indicator": {"ref": "e.indicator"}}}],
        "explain": "{{ e.party }} engages {{ e.partner }}.",
    }],
}


def _engagements(verdict) -> list[dict]:
    return [f for f in verdict.facts if f["type"] == "engagement"]


def test_shipped_rules_drop_engagements_no_rival_touches():
    assessor = make_assessor()
    verdict = assessor.assess("us-india", 2020)
    engagements = _engagements(verdict)
    assert engagements, "the case should have third-party engagements"
    first = assessor.program.strata[0]
    kept = stratum_filter(first).select([f for f in verdict.facts
                                         if f["type"] in first.consumes])
    kept_engagements = [f for f in kept if f["type"] == "engagement"]
    assert len(kept_engagements) < len(engagements)
    # Those kept are exactly the ones S-hedging could join: a partner that is a rival.
    rivals = {(f["state"], f["rival"]) for f in verdict.facts if f["type"] == "rivalry"}
    assert all(any(r == e["partner"] for _, r in rivals) for e in kept_engagements)


def test_a_pack_reading_engagements_sees_every_one(tmp_path):
    (tmp_path / "ties.yaml").write_text(yaml.safe_dump(ENGAGEMENT_PACK, sort_keys=False),
                                        encoding="utf-8")
    assessor = make_assessor(rules=[tmp_path])
    verdict = assessor.assess("us-india", 2020)
    seen = {(c["party"], c["partner"], c["indicator"])
            for c in verdict.conclusions["tie_seen"]}
    assert seen == {(e["party"], e["partner"], e["indicator"]) for e in _engagements(verdict)}


def test_verdicts_identical_with_and_without_the_filter(tmp_path, monkeypatch):
    (tmp_path / "ties.yaml").write_text(yaml.safe_dump(ENGAGEMENT_PACK, sort_keys=False),
                                        encoding="utf-8")
    base = make_assessor(rules=[tmp_path])
    cases = sorted(base.kb.alignments)

    def corpus() -> list[str]:
        assessor = Assessor(base.kb, base.packs)
        return [to_json(assessor.assess(c).as_dict()) for c in cases]

    filtered = corpus()
    monkeypatch.setattr(Engine, "filter_facts", False)
    assert corpus() == filtered


def test_blockers_that_fail_every_negated_test_are_not_asserted():
    """C-unknown.below.cbm fires unless the case has `trust: high`: the case fact of a case
    without it cannot block, so its mirror is not sent; with it, it is."""
    assessor = make_assessor()
    (stratum,) = [s for s in assessor.program.strata if "C-unknown.below.cbm" in s.definition]
    chosen = stratum_filter(stratum)
    assert len(chosen.blockers["case"]) == 1
    low = {"type": "case", "case": "x", "trust": "low"}
    high = {"type": "case", "case": "y", "trust": "high"}
    assert chosen.blocking([low, high]) == [high]
    # A negated condition that tests nothing but the type keeps every blocker of it.
    typed_only = [t for t, tests in chosen.blockers.items() if [] in tests]
    assert typed_only
    facts = [{"type": t} for t in typed_only]
    assert chosen.blocking(facts) == facts
