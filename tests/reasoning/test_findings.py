"""One finding per point (issue 14): findings of one rule about one subject are merged."""

from __future__ import annotations

from collections import Counter

import pytest

from smaf_expert.reasoning.assess import Assessor
from smaf_expert.reasoning.findings import grouped, merge_findings


@pytest.fixture(scope="module")
def shipped() -> Assessor:
    """The shipped knowledge base and packs."""
    return Assessor()


def test_us_india_one_mismatch_and_one_divergence(shipped):
    """us-india: one categorical mismatch listing each party's categories, one divergence
    naming the balances that hold the alignment back and the stronger one."""
    v = shipped.assess("us-india", 2023)
    (mismatch,) = v.findings_of("categorical_mismatch")
    assert mismatch["about"] == "CHN"
    assert mismatch["text"].startswith(
        "On China (CHN): United States (USA) sees a maritime threat (immediate), ")
    assert "; India (IND) sees a regional_order threat (growing) and a territorial threat " \
        "(immediate). No category is in common" in mismatch["text"]
    assert "Cha's quasi-alliance model, which reads no categories, counts it as one" \
        in mismatch["text"]
    (divergence,) = v.findings_of("divergence")
    assert divergence["text"] == ("The balances diverge: the BOT (weak) and BOI (weak) hold the "
                                  "alignment back, while the BOP (strong) is stronger.")
    # The merged finding keeps every firing's evidence; the trace keeps every firing.
    assert sum(f.rule == "P-bot.mismatch" for f in v.trace) == 6


def test_soviet_bloc_one_sequence_anomaly(shipped):
    """Three stages without stage 4: one sequence anomaly naming them all."""
    v = shipped.assess("soviet-bloc", 1991)
    (anomaly,) = v.findings_of("sequence_anomaly")
    assert anomaly["text"] == (
        "Stage 5 (integrated military command), stage 6 (joint troop placements or military "
        "base exchange) and stage 7 (common defence policy) are present without their "
        "prerequisite stage 4 (regular joint military exercises).")


def test_no_hierarchy_caveat_at_degree_one(shipped):
    """china-philippines is at degree 1: no hierarchy caveat, though China's GNP dominates."""
    v = shipped.assess("china-philippines", 2022)
    assert v.degree == 1 and v.findings_of("hierarchy") == []


def test_no_shipped_case_repeats_a_finding_text(shipped):
    """Over every shipped case, no finding kind repeats the same text, and the mergeable kinds
    appear at most once."""
    for case in shipped.kb.alignments:
        v = shipped.assess(case)
        assert not [t for t, n in Counter(f["text"] for f in v.findings).items() if n > 1], case
        for kind in ("categorical_mismatch", "divergence", "sequence_anomaly",
                     "divergent_interests"):
            assert len({f.get("about") for f in v.findings_of(kind)}) == len(
                v.findings_of(kind)), (case, kind)


def test_merge_keeps_rule_and_unites_evidence(shipped):
    """Merging keeps `rule`, unites evidence and items, and re-renders the text."""
    base = {"kind": "divergent_interests", "rule": "P-boi.divergent", "about": ""}
    findings = [
        {**base, "text": "a", "evidence": ["x"], "items": [["revisionist", "India (IND)"],
                                                          ["status_quo", "Japan (JPN)"]]},
        {"kind": "depth", "rule": "S-depth", "text": "kept", "evidence": []},
        {**base, "text": "b", "evidence": ["y"], "items": [["revisionist", "India (IND)"],
                                                          ["status_quo", "Australia (AUS)"]]},
    ]
    out = merge_findings(findings, shipped.program, {"state_names": {}})
    assert [f["rule"] for f in out] == ["P-boi.divergent", "S-depth"]
    assert out[0]["evidence"] == ["x", "y"]
    assert out[0]["text"] == ("India (IND) is revisionist, Japan (JPN) and Australia (AUS) "
                              "status quo: divergent interests.")
    assert grouped(out[0]["items"]) == {"revisionist": ["India (IND)"],
                                        "status_quo": ["Japan (JPN)", "Australia (AUS)"]}
