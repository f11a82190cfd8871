"""One finding per point (issue 14): findings of one rule about one subject are merged."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from smaf_expert.knowledge.loader import load_knowledge
from smaf_expert.paths import default_knowledge
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


def test_why_a_merged_finding_is_one_tree_with_a_branch_per_firing(shipped, runner):
    """`explain --about categorical_mismatch`: one tree per merged finding, its text the
    verdict's, each firing of the rule a branch, in text, JSON and the report's Why trees."""
    from smaf_expert.cli import cli
    from smaf_expert.rendering.report import derivations

    v = shipped.assess("us-india", 2023)
    (mismatch,) = v.findings_of("categorical_mismatch")
    (tree,) = shipped.explainer(v).why("categorical_mismatch")
    assert tree.kind == "conclusion" and tree.text == mismatch["text"]
    assert [c.text.split(":")[0] for c in tree.children] == ["P-bot.mismatch"] * 6
    result = runner.invoke(cli, ["explain", "us-india", "--year", "2023",
                                 "--about", "categorical_mismatch"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("=>")] \
        == [f"=> {mismatch['text']}"]
    (why,) = [d for d in derivations(shipped, v) if d["about"] == "finding-categorical_mismatch"]
    assert len(why["trees"]) == 1 and why["title"] == "Why the categorical mismatch finding?"


def test_china_russia_mtc_excluded_through_india_only(shipped):
    """In 2024 Russia's MTC with India, China's rival, excludes stage 3; Viet Nam no longer
    counts, its rivalry with China ending in 1991 (Thompson, Sakuwa and Suhas)."""
    v = shipped.assess("china-russia", 2024)
    (hedging,) = v.findings_of("hedging")
    assert hedging["about"] == "mtc"
    assert hedging["text"].startswith(
        "Stage 3 (military-technical cooperation with regular personnel exchange) is excluded as "
        "hedging: Russia (RUS) engages India (IND), a strategic rival of China (CHN), ")
    assert "Viet Nam" not in hedging["text"]
    assert sum(f.rule == "S-hedging" for f in v.trace) == 1


def test_one_hedging_finding_per_excluded_indicator(tmp_path):
    """With the China-Viet Nam rivalry left open (the reading REVIEW.md discusses), Russia
    engages two rivals of China in MTC: one hedging finding on stage 3 naming both
    engagements, not one per engagement."""
    root = tmp_path / "kb"
    shutil.copytree(default_knowledge(), root)
    relations = root / "relations.yaml"
    text = relations.read_text(encoding="utf-8")
    dated = "parties: [CHN, VNM]\n  since: 1973\n  until: 1991\n"
    assert dated in text
    relations.write_text(text.replace(dated, "parties: [CHN, VNM]\n  since: 1973\n"),
                         encoding="utf-8")
    v = Assessor(load_knowledge(root)).assess("china-russia", 2024)
    (hedging,) = v.findings_of("hedging")
    assert hedging["about"] == "mtc"
    assert hedging["text"].startswith(
        "Stage 3 (military-technical cooperation with regular personnel exchange) is excluded as "
        "hedging: Russia (RUS) engages Viet Nam (VNM), a strategic rival of China (CHN), ")
    assert "(case russia-vietnam: rusvnm-mtc-2) and Russia (RUS) engages India (IND)" \
        in hedging["text"]
    assert hedging["text"].endswith(", against high depth here (chnrus-mtc-3, chnrus-mtc-4).")
    assert sum(f.rule == "S-hedging" for f in v.trace) == 2
