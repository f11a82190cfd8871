"""Explanations: why (derivation trees), why not, what if, pivotal evidence, confidence."""

from __future__ import annotations

import json
from functools import cache

from conftest import absent, case, ev, make_kb, present, with_states

import smaf_expert
from smaf_expert.cli import cli


@cache
def shipped():
    """An Assessor over the shipped knowledge base, built once."""
    return smaf_expert.make_assessor()


def texts(nodes) -> list[tuple[int, str, str]]:
    """Every node of some trees as (depth, kind, text)."""
    return [(d, n.kind, n.text) for root in nodes for d, n in root.walk()]


def test_why_not_5_names_missing_advanced_stages_and_hedged_mtc():
    """us-india --why-not 5: stages 5-7 absent with their items; MTC hedged, with the
    India-Russia evidence behind the exclusion."""
    nodes = shipped().why_not("us-india", 5)
    flat = texts(nodes)
    heads = [t for d, k, t in flat if d == 0]
    assert heads[:3] == [
        "Stage 5 (integrated military command) does not count",
        "Stage 6 (joint troop placements or military base exchange) does not count",
        "Stage 7 (common defence policy) does not count"]
    assert any(k == "evidence" and t.startswith("usind-ic-1: explicitly absent")
               for _, k, t in flat)
    assert any(k == "blocked" and "excluded(indicator=mtc" in t for _, k, t in flat)
    assert any(k == "rule" and t.startswith("S-hedging:") for _, k, t in flat)
    assert any(k == "evidence" and t.startswith("rusind-mtc-2:") for _, k, t in flat)


def test_why_not_cli_text(runner):
    """The CLI prints the tree with the rule statements and sources."""
    result = runner.invoke(cli, ["explain", "us-india", "--year", "2023", "--why-not", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Why United States–India does not reach stage 5 in 2023")
    assert "! S-degree.count is blocked: excluded(indicator=mtc" in result.output
    assert "cite: Korolev 2024, SMAF" in result.output
    assert "rusind-mtc-2: BrahMos" in result.output


def test_why_not_reached_stage_and_bad_stage(runner):
    """A stage already reached says so; a stage outside 1-7 is an error, exit 2."""
    (node,) = shipped().why_not("us-india", 3)
    assert node.text == "Stage 3 is reached: the degree is 4."
    result = runner.invoke(cli, ["explain", "us-india", "--why-not", "9"])
    assert result.exit_code == 2
    assert "Error: --why-not takes a stage from 1 to 7, not 9" in result.output


def test_why_not_out_of_window_and_unknown(tmp_path):
    """Items outside the year are named as out of the window; no evidence is unknown."""
    kb = make_kb(tmp_path, alignments={"c": case(
        ["USA", "JPN"], *present("p", "cbm", "consultations"),
        ev("old-ex", "exercises", 1990, until=1999))})
    a = smaf_expert.make_assessor(str(kb))
    flat = texts(a.why_not("c", 4, 2005))
    assert any(t.startswith("old-ex: out of the year window: it holds 1990-1999, not in 2005")
               for _, _, t in flat)
    flat5 = texts(a.why_not("c", 5, 2005))
    assert any(t.startswith("No evidence at all on this indicator") for _, _, t in flat5)


def test_why_degree_tree_goes_down_to_evidence():
    """explain --about degree: conclusion <- S-degree <- counted <- S-degree.count <- indicator
    <- evidence, with the negations relied on shown as absences."""
    (root,) = shipped().explain("china-russia", about="degree")
    flat = texts([root])
    assert flat[0][1:] == ("conclusion", flat[0][2]) and flat[0][2].startswith("degree(stage=5")
    assert flat[1][1] == "rule" and flat[1][2].startswith("S-degree:")
    assert (2, "absence", "no counted(stage > 5)") in flat
    assert any(k == "evidence" and t.startswith("chnrus-ic-1:") for _, k, t in flat)
    rule = next(n for _, n in root.walk() if n.kind == "rule")
    assert rule.data["citation"].startswith("Korolev 2024")


def test_why_balance_and_finding(runner):
    """--about bop shows the Goldilocks rule and the power measure; --about a finding kind
    explains that finding; an unknown name is an error listing what can be asked."""
    flat = texts(shipped().explain("us-india", about="bop"))
    assert flat[1][2].startswith("P-bop.permissive:")
    assert any(k == "fact" and t.startswith("power(") for _, k, t in flat)
    # One tree for the one (merged) finding, one branch per firing of its rule.
    roots = shipped().explain("us-india", about="categorical_mismatch")
    assert len(roots) == 1 and len(roots[0].children) >= 2
    assert all(r.text.startswith("On China (CHN): ") and "No category is in common" in r.text
               for r in roots)
    assert all(c.data["rule"] == "P-bot.mismatch" for c in roots[0].children)
    result = runner.invoke(cli, ["explain", "us-india", "--about", "nonsense"])
    assert result.exit_code == 2
    assert "nothing to explain about 'nonsense'" in result.output


def test_why_titles_ask_the_question_with_its_answer(runner):
    """The heading of `explain --about` asks the question the report's Why trees ask."""
    for about, title in (("bop", "Why is the balance of power strong"),
                         ("degree", "Why degree 4"),
                         ("categorical_mismatch", "Why the categorical mismatch finding")):
        result = runner.invoke(cli, ["explain", "us-india", "--year", "2023", "--about", about])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0] == f"{title} (United States–India, 2023)?"


def test_explain_json(runner):
    """--format json gives the tree as data."""
    result = runner.invoke(cli, ["explain", "us-india", "--format", "json"])
    data = json.loads(result.output)
    assert data["tree"][0]["kind"] == "conclusion"
    assert data["tree"][0]["children"][0]["data"]["rule"] == "S-degree"


def test_what_if_drop_lifts_hedging(runner):
    """Dropping the India-Russia MTC item lifts the hedging exclusion of US-India MTC."""
    result = runner.invoke(cli, ["assess", "us-india", "--drop", "rusind-mtc-2",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["diff"]["changed"]["profile.mtc"] == ["excluded:developing",
                                                      "present:developing"]
    assert [f["kind"] for f in data["diff"]["findings_lost"]] == ["hedging"]
    assert data["verdict"]["profile"]["mtc"]["status"] == "present"


def test_what_if_assume_raises_degree(runner):
    """Assuming integrated command present lifts the degree and shows the change."""
    result = runner.invoke(cli, ["assess", "us-india", "--year", "2023", "--assume",
                                 "integrated_command=present:low"])
    assert result.exit_code == 0, result.output
    assert "What if, for United States–India in 2023: assume integrated_command=present:low" \
        in result.output
    assert "  degree                           4 -> 5" in result.output


def test_what_if_bad_input(runner):
    """An unknown indicator or evidence id is an error, exit 2, no traceback."""
    for args, message in (
            (["--assume", "intgrated_command=present"], "expected INDICATOR=present[:DEPTH]"),
            (["--assume", "mtc=present:deep"], "the depth is one of low, developing, high"),
            (["--drop", "no-such-item"], "no evidence item 'no-such-item'")):
        result = runner.invoke(cli, ["assess", "us-india", *args])
        assert result.exit_code == 2, args
        assert message in result.output and "Traceback" not in result.output


def test_explain_under_a_scenario(runner):
    """explain takes --drop too: without the India-Russia item, MTC no longer blocks stage 5."""
    result = runner.invoke(cli, ["explain", "us-india", "--why-not", "5", "--drop",
                                 "rusind-mtc-2"])
    assert result.exit_code == 0, result.output
    assert "blocked" not in result.output


def test_pivotal_evidence(tmp_path):
    """An item whose removal alone changes the degree is pivotal; a redundant one is not."""
    from smaf_expert.explanation.whatif import pivotal

    kb = make_kb(tmp_path, alignments={"c": case(
        ["USA", "JPN"], *present("p", "cbm", "consultations"),
        ev("ex-a", "exercises", 2000), ev("ex-b", "exercises", 2001),
        ev("mtc-a", "mtc", 2000), ev("ic-a", "integrated_command", 2002))})
    rows = pivotal(smaf_expert.make_assessor(str(kb)), "c", 2005)
    assert {r["evidence"]: r["changes"] for r in rows} == {"ic-a": {"degree": [5, 4]}}


def test_confidence_levels(tmp_path):
    """High with nothing unknown, well-sourced top stage and determined balances; low when the
    top stage rests on low-confidence evidence; moderate with unknowns below the top."""
    full = [*present("f", "cbm", "consultations", "mtc", "exercises"),
            *absent("f", "integrated_command", "joint_deployment", "common_defence_policy")]
    states = with_states(USA={"gnp": {"unit": "b", "source": "t", "values": {2000: 100}}},
                         JPN={"gnp": {"unit": "b", "source": "t", "values": {2000: 50}}},
                         CHN={"gnp": {"unit": "b", "source": "t", "values": {2000: 100}}})
    for item in full:
        item["confidence"] = "high"
    kb = make_kb(tmp_path, states=states, alignments={
        "hi": case(["USA", "JPN"], *full, against="CHN"),
        "lo": case(["USA", "JPN"], *present("l", "cbm", "consultations"),
                   ev("l-ex", "exercises", 2000, confidence="low"), against="CHN"),
        "mid": case(["USA", "JPN"], ev("m-ex", "exercises", 2000, confidence="high"),
                    against="CHN")})
    a = smaf_expert.make_assessor(str(kb))
    hi = a.assess("hi", 2005).confidence
    assert hi["level"] in ("high", "moderate")
    assert not any("top stage" in r for r in hi["reasons"])
    lo = a.assess("lo", 2005).confidence
    assert lo["level"] == "low" and "C-top.low" in lo["rules"]
    mid = a.assess("mid", 2005).confidence
    assert mid["level"] == "moderate"
    assert any(r.startswith("no evidence either way on") for r in mid["reasons"])


def test_unknown_cbm_is_no_gap_between_trusted_parties(tmp_path):
    """Unknown CBMs below the top stage lower confidence, except for a dyad of high prior trust,
    whose friendly_dyad finding says they are not expected (C-unknown.below.cbm)."""
    stages = ("consultations", "mtc", "exercises")
    kb = make_kb(tmp_path, alignments={
        "plain": case(["USA", "JPN"], *present("p", *stages)),
        "trusted": case(["USA", "JPN"], *present("t", *stages), trust="high")})
    a = smaf_expert.make_assessor(str(kb))
    cbm = "no evidence either way on confidence-building measures, below the top stage"
    plain = a.assess("plain", 2005)
    assert cbm in plain.confidence["reasons"] and "C-unknown.below.cbm" in plain.confidence["rules"]
    trusted = a.assess("trusted", 2005)
    assert trusted.findings_of("friendly_dyad")
    assert cbm not in trusted.confidence["reasons"]


def test_confidence_high_when_nothing_lowers_it(tmp_path):
    """C-level.high: a fully coded case with high-confidence evidence and determined balances."""
    items = [*present("f", "cbm", "consultations", "mtc", "exercises", "integrated_command",
                      "joint_deployment", "common_defence_policy")]
    for item in items:
        item["confidence"] = "high"
    gnp = {"unit": "b", "source": "t", "values": {2005: 100}}
    orient = [{"since": 2000, "direction": "status_quo", "intensity": "committed",
               "sources": ["t"]}]
    states = with_states(USA={"gnp": gnp, "orientation": orient},
                         JPN={"gnp": gnp, "orientation": orient},
                         CHN={"gnp": gnp})
    kb = make_kb(tmp_path, states=states,
                 alignments={"c": case(["USA", "JPN"], *items, against="CHN")})
    v = smaf_expert.make_assessor(str(kb)).assess("c", 2005)
    assert v.confidence == {"level": "high", "reasons": [], "rules": ["C-level.high"]}
    assert "confidence" not in {f["kind"] for f in v.findings}
