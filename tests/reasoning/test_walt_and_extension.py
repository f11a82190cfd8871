"""Walt's balance-of-threat pack, and extending the rules with packs of one's own (--rules)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from conftest import case, make_kb, present, with_states

import smaf_expert
from smaf_expert.cli import cli

GNP = {"unit": "b", "source": "t"}


def threat(frm: str, level: str = "immediate") -> dict[str, Any]:
    """A threat perception entry."""
    return {"from": frm, "category": "territorial", "level": level, "since": 2000,
            "sources": ["t"]}


def walt_kb(tmp_path, usa=None, jpn=None, chn=None):
    """USA and JPN aligned against CHN; each state file extended by the test."""
    states = with_states(
        USA={"gnp": {**GNP, "values": {2000: 100}}, **(usa or {})},
        JPN={"gnp": {**GNP, "values": {2000: 50}}, **(jpn or {})},
        CHN={"gnp": {**GNP, "values": {2000: 80}}, **(chn or {})})
    return make_kb(tmp_path, states=states, alignments={
        "c": case(["USA", "JPN"], *present("p", "cbm", "consultations"), against="CHN")})


def walt(kb, **params: Any):
    """The verdict, the Walt rules that fired and Walt's prediction."""
    v = smaf_expert.make_assessor(str(kb), params=params).assess("c", 2005)
    fired = [f.rule for f in v.trace if f.pack == "walt-balance-of-threat"]
    (prediction,) = [p for p in v.predictions if p["pack"] == "walt-balance-of-threat"]
    return v, fired, prediction


def sources(v) -> set[tuple[str, str]]:
    """The (state, source of threat) pairs Walt's pack found."""
    return {(s["state"], s["source"]) for s in v.conclusions.get("walt_source", [])}


def test_each_source_of_threat_fires_and_not(tmp_path):
    """Power, proximity, offense and intentions each fire on their data, and only then."""
    kb = walt_kb(tmp_path, usa={"threats": [threat("CHN")]},
                 jpn={"threats": [threat("CHN")], "borders": ["CHN"]},
                 chn={"offensive": [{"since": 2000, "level": "high", "sources": ["t"]}]})
    v, fired, prediction = walt(kb)
    assert sources(v) == {
        ("JPN", "aggregate power"), ("JPN", "proximity"), ("JPN", "offensive capabilities"),
        ("USA", "offensive capabilities"), ("JPN", "perceived intentions"),
        ("USA", "perceived intentions")}
    assert ("USA", "aggregate power") not in sources(v)  # CHN 80 < USA 100
    assert ("USA", "proximity") not in sources(v)
    assert prediction["value"] == "balance" and "W-predict.balance" in fired
    assert "W-predict.none" not in fired


def test_intentions_without_capability_do_not_threaten(tmp_path):
    """A perceived threat with no power, proximity or offense is no threat in Walt's sense."""
    kb = walt_kb(tmp_path, usa={"threats": [threat("CHN")]}, jpn={"threats": [threat("CHN")]},
                 chn={"gnp": {**GNP, "values": {2000: 10}}})
    v, fired, prediction = walt(kb)
    assert prediction["value"] == "no balancing"
    assert "W-threatened" not in fired and "W-unthreatened" in fired


def test_potential_threat_is_below_the_intent_threshold(tmp_path):
    """A potential threat is below walt.intent_rank=2; lowering it to 1 makes it count."""
    kb = walt_kb(tmp_path, usa={"threats": [threat("CHN", "potential")]},
                 jpn={"threats": [threat("CHN", "potential")]},
                 chn={"offensive": [{"since": 2000, "level": "moderate", "sources": ["t"]}]})
    v, _, prediction = walt(kb)
    assert ("USA", "perceived intentions") not in sources(v)
    assert prediction["value"] == "no balancing"
    v, _, prediction = walt(kb, **{"walt.intent_rank": 1})
    assert ("JPN", "perceived intentions") in sources(v)
    assert prediction["value"] == "balance"
    assert v.params == {"walt.intent_rank": 1}


def test_walt_beside_smaf_on_the_shipped_us_india():
    """On the shipped knowledge base Walt predicts balancing against China while SMAF's
    incentives are weak: both are shown, as a rival_theory finding."""
    v = smaf_expert.assess("us-india", 2023)
    (walt_prediction,) = [p for p in v.predictions if p["pack"] == "walt-balance-of-threat"]
    assert (walt_prediction["value"], walt_prediction["against"]) == ("balance", "CHN")
    assert v.incentives["overall"]["value"] == "weak"
    assert [f["rule"] for f in v.findings if f["kind"] == "rival_theory"] == [
        "W-beside-smaf.balance"]


def test_no_walt_facts_without_against(tmp_path):
    """A case with no `against` state gives Walt nothing to reason on: no prediction."""
    kb = make_kb(tmp_path, alignments={"c": case(["USA", "JPN"], *present("p", "cbm"))})
    v = smaf_expert.make_assessor(str(kb)).assess("c", 2005)
    assert v.predictions == []


NEW_PACK = {
    "pack": "my-theory",
    "theory": "A test theory",
    "citation": "Nobody, A Test (2026)",
    "parameters": {"mine.min_stage": {"type": "integer", "default": 2, "doc": "threshold"}},
    "produces": {"verdict_of_mine": {"value": "string"}},
    "rules": [{
        "id": "M-deep",
        "statement": "An alignment at or above mine.min_stage is deep enough for my theory.",
        "citation": "Nobody (2026), p. 1",
        "when": [{"d": {"type": "degree", "stage": {"gte": {"param": "mine.min_stage"}}}}],
        "then": [{"assert": {"type": "verdict_of_mine", "value": "deep"}},
                 {"finding": {"kind": "mine", "text": "Deep enough at degree {{ d.stage }}."}}],
        "explain": "Degree {{ d.stage }} >= {{ params['mine.min_stage'] }}.",
    }],
}


def write_pack(folder, body) -> str:
    """Write a pack file into `folder`; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.yaml").write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return str(folder)


def test_new_pack_from_a_folder_needs_no_python(tmp_path, runner):
    """A pack written into a folder and loaded with --rules: its conclusion is in the verdict,
    its firing in the trace, its finding among the findings, its pack among the packs."""
    kb = walt_kb(tmp_path / "kb")
    rules = write_pack(tmp_path / "packs", NEW_PACK)
    result = runner.invoke(cli, ["assess", "c", "--kb", str(kb), "--year", "2005",
                                 "--rules", rules, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "my-theory" in data["packs"]
    assert [c["value"] for c in data["conclusions"]["verdict_of_mine"]] == ["deep"]
    (firing,) = [t for t in data["trace"] if t["rule"] == "M-deep"]
    assert firing["pack"] == "my-theory" and firing["explanation"] == "Degree 2 >= 2."
    assert {"kind": "mine", "rule": "M-deep"}.items() <= next(
        f for f in data["findings"] if f["rule"] == "M-deep").items()
    result = runner.invoke(cli, ["assess", "c", "--kb", str(kb), "--year", "2005",
                                 "--rules", rules, "--param", "mine.min_stage=3",
                                 "--format", "json"])
    data = json.loads(result.output)
    assert "verdict_of_mine" not in data["conclusions"]
    assert data["params"] == {"mine.min_stage": 3}


def test_refining_pack_overrides_parameters_and_disables_rules(tmp_path):
    """A pack can refine another theory: override its parameters, switch rules off by id."""
    kb = walt_kb(tmp_path / "kb", usa={"threats": [threat("CHN")]},
                 jpn={"threats": [threat("CHN")]})
    refine = {"pack": "refinement", "theory": "Refinement of SMAF",
              "refines": {"hierarchy.ratio": 1.5}, "disable": ["S-depth"], "rules": []}
    rules = write_pack(tmp_path / "packs", refine)
    plain = smaf_expert.make_assessor(str(kb)).assess("c", 2005)
    refined = smaf_expert.make_assessor(str(kb), rules=[rules]).assess("c", 2005)
    assert "S-depth" in [f.rule for f in plain.trace]
    assert "S-depth" not in [f.rule for f in refined.trace]
    assert "refinement" in refined.packs
    assert [f["rule"] for f in refined.findings if f["kind"] == "hierarchy"] == [
        "S-hierarchy.gnp"]
    assert refined.params == {"hierarchy.ratio": 1.5}


@pytest.mark.parametrize("body, message", [
    ({**NEW_PACK, "rules": [{**NEW_PACK["rules"][0], "id": "S-degree"}]},
     "rule id 'S-degree' is already used by pack 'smaf-stages'"),
    ({**NEW_PACK, "rules": [{k: v for k, v in NEW_PACK["rules"][0].items()
                             if k != "citation"}]}, "rule M-deep: missing `citation`"),
], ids=["duplicate-id", "no-citation"])
def test_bad_extra_pack_is_refused_with_file_and_line(tmp_path, runner, body, message):
    """A broken extra pack gives file:line and exit 2, never a traceback."""
    kb = walt_kb(tmp_path / "kb")
    rules = write_pack(tmp_path / "packs", body)
    result = runner.invoke(cli, ["assess", "c", "--kb", str(kb), "--rules", rules])
    assert result.exit_code == 2
    assert message in result.output and "mine.yaml:" in result.output
    assert "Traceback" not in result.output
