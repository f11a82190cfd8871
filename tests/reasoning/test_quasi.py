"""Cha's quasi-alliance model (rules/cha-quasi-alliance.yaml), `smaf quasi` and `smaf graph`."""

from __future__ import annotations

import io
import json
from functools import cache
from typing import Any

import networkx as nx
import pytest
import yaml
from conftest import case, make_kb, present, with_states

import smaf_expert
from smaf_expert.cli import cli
from smaf_expert.reasoning.network import NetworkAssessor, distinct_notes


@cache
def shipped() -> NetworkAssessor:
    """The network assessor over the shipped knowledge base, built once."""
    return NetworkAssessor(smaf_expert.make_assessor())


def network(kb, **params: Any) -> NetworkAssessor:
    """A network assessor over a test knowledge base."""
    return NetworkAssessor(smaf_expert.make_assessor(str(kb), params=params))


def threat(frm: str, since: int = 1960, level: str = "immediate",
           category: str = "territorial") -> dict[str, Any]:
    """A threat perception entry."""
    return {"from": frm, "category": category, "level": level, "since": since, "sources": ["t"]}


def alliance(a: str, b: str, since: int = 1950) -> dict[str, Any]:
    """A formal alliance relation."""
    return {"type": "alliance", "parties": [a, b], "since": since, "sources": ["t"]}


def triad(periods: list[dict], parties=("JPN", "AUS"), ally: str | None = "USA",
          threat_: str = "CHN") -> str:
    """A quasi-alliance triad file."""
    return yaml.safe_dump({"id": "t-x", "parties": list(parties), "ally": ally,
                           "threat": threat_, "periods": periods})


def period(frm: int, to: int, fears: dict, commitment: dict | None = None,
           observed: str | None = None) -> dict[str, Any]:
    """One coded period."""
    out: dict[str, Any] = {"from": frm, "to": to, "fears": fears, "sources": ["t"]}
    if commitment is not None:
        out["ally_commitment"] = commitment
    if observed:
        out["observed"] = observed
    return out


def kb_with(tmp_path, periods=None, relations=None, states=None, alignments=None, **kw):
    """A knowledge base where JPN and AUS share the US as ally and see China as a threat."""
    states = states or with_states(JPN={"threats": [threat("CHN")]},
                                   AUS={"threats": [threat("CHN")]})
    files = {"quasi/t-x.yaml": triad(periods, **kw)} if periods else {}
    return make_kb(tmp_path, states=states, alignments=alignments,
                   relations=relations if relations is not None
                   else [alliance("USA", "JPN"), alliance("USA", "AUS")], files=files)


def entry_of(entries, parties):
    """The entry whose parties are `parties`."""
    return next(e for e in entries if e.parties == sorted(parties))


def rules_fired(result) -> list[str]:
    """Rule ids of a network run, in order."""
    return [f.rule for f in result.firings]


def test_japan_korea_periods_predict_as_cha_codes_them():
    """Japan-Korea: 1969-71 and 1975-79 cooperation, 1972-74 friction, on the shipped KB."""
    expected = {1970: "cooperation", 1973: "friction", 1977: "cooperation"}
    for year, prediction in expected.items():
        entries, _ = shipped().quasi(year)
        entry = next(e for e in entries if e.triad == "japan-korea-us")
        assert (entry.prediction, entry.observed) == (prediction, prediction), year
        assert entry.ally == "USA" and "PRK" in entry.threats and entry.detected
        assert entry.hindrances


def test_backtest_prints_the_hit_rate(runner):
    """`smaf quasi --backtest` leads with coverage (scored of all periods) and the hit rate,
    warns that fears and outcomes share their record, and tabulates every coded period."""
    result = runner.invoke(cli, ["quasi", "--backtest"])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(cli, ["quasi", "--backtest", "--format", "json"]).output)
    head, caution = result.output.splitlines()[:2]
    assert head == (f"Cha's quasi-alliance model against the coded record: {data['scored']} of "
                    f"{data['total']} periods scored, {data['hits']} of them right "
                    f"({100 * data['hits'] / data['scored']:.0f}%); "
                    f"{data['total'] - data['scored']} without a prediction or an observed "
                    "outcome.")
    assert data["total"] == len(data["periods"]) > data["scored"]
    assert caution.startswith("Caution: the fears and the observed outcome of each of the ")
    assert data["caveat"] in caution
    assert "japan-korea-us           1972-1974  friction" in result.output
    jk = [r for r in data["periods"] if r["triad"] == "japan-korea-us"]
    assert [(r["from"], r["hit"]) for r in jk][:3] == [(1969, True), (1972, True), (1975, True)]
    assert data["hit_rate"] == round(data["hits"] / data["scored"], 3)


def test_backtest_scores_the_sourced_cha_periods():
    """Every coded period but the two with a steady ally and no sourced fear is scored
    (knowledge/REVIEW.md, "Cha's periods"): Australia-Japan 2016 through the inner core and 2024
    through the outer core, the tacit Greece-Israel-Cyprus triad through the inner core with one
    prediction (friction)."""
    rows = shipped().backtest()
    unscored = [(r["triad"], r["from"]) for r in rows if r["prediction"] == "none"]
    assert unscored == [("australia-japan-us", 2014), ("australia-japan-us", 2021)]
    by_key = {(r["triad"], r["from"]): r for r in rows}
    assert (by_key[("australia-japan-us", 2024)]["prediction"],
            by_key[("australia-japan-us", 2024)]["basis"]) == ("cooperation", "outer core")
    # Japan's abandonment fear after Turnbull replaced Abbott: asymmetric, friction, a miss.
    turnbull = by_key[("australia-japan-us", 2016)]
    assert (turnbull["prediction"], turnbull["basis"], turnbull["observed"], turnbull["hit"]) \
        == ("friction", "inner core", "cooperation", False)
    gic = by_key[("greece-israel-cyprus", 2010)]
    assert (gic["prediction"], gic["basis"], gic["observed"]) == (
        "friction", "inner core", "cooperation")


def test_quasi_says_what_smaf_bot_finds_and_marks_deep_alignments(runner):
    """IND-USA: Cha's detection finds China a common threat, SMAF's BOT does not (categories
    differ), and the output says so; CHN-RUS is marked as itself aligned at degree >= 5."""
    entries, _ = shipped().quasi(2020)
    ind_usa = entry_of(entries, ["IND", "USA"])
    assert ind_usa.smaf_bot["CHN"]["common"] == []
    assert ind_usa.smaf_bot["CHN"]["categories"]["IND"] == ["regional_order", "territorial"]
    assert ind_usa.aligned == []
    chn_rus = entry_of(entries, ["CHN", "RUS"])
    assert chn_rus.aligned == [{"parties": ["CHN", "RUS"], "case": "china-russia",
                                "degree": chn_rus.aligned[0]["degree"]}]
    assert chn_rus.aligned[0]["degree"] >= 5
    text = runner.invoke(cli, ["quasi", "--year", "2020"]).output
    block = text[text.index("- IND-USA:"):].split("\n\n")[0]
    assert "SMAF's balance of threat: no common threat in CHN, the categories differ (IND: " \
        "regional_order, territorial; USA: " in block
    assert "Cha's detection reads no categories" in block
    block = text[text.index("- CHN-RUS:"):].split("\n\n")[0]
    assert "itself aligned: CHN-RUS at degree " in block


def test_hindrances_are_not_repeated():
    """Japan-Korea: the triad's hindrance and the animosity's note say one thing: shown once."""
    entries, _ = shipped().quasi(1977)
    entry = next(e for e in entries if e.triad == "japan-korea-us")
    assert len(entry.hindrances) == 1 and "Japanese colonial rule" in entry.hindrances[0]
    assert distinct_notes(["old grievance", "a quite different matter"]) == [
        "old grievance", "a quite different matter"]


def test_greece_israel_cyprus_is_a_multilateral_tacit_quasi_alliance():
    """Greece-Israel-Cyprus is found as a group of three, tacit (no common ally), against Turkey."""
    entries, _ = shipped().quasi(2018)
    entry = entry_of(entries, ["GRC", "ISR", "CYP"])
    assert (entry.ally, entry.variant, entry.threats, entry.detected) == (
        None, "tacit", ["TUR"], True)
    assert entry.triad == "greece-israel-cyprus"
    assert "Q-detect.tacit" in entry.rules


def test_weakening_ally_overrides_inner_friction(tmp_path):
    """Inner core alone: friction; the ally's weakening commitment overrides it to cooperation,
    and the trace keeps the overridden prediction."""
    fears = {"JPN": "abandonment", "AUS": "entrapment"}
    kb = kb_with(tmp_path, [period(2000, 2001, fears, {"JPN": "steady", "AUS": "steady"}),
                            period(2002, 2003, fears, {"JPN": "weakening", "AUS": "weakening"},
                                   observed="cooperation")])
    net = network(kb)
    steady, result = net.quasi(2000)
    entry = entry_of(steady, ["JPN", "AUS"])
    assert (entry.prediction, entry.basis, entry.overridden) == ("friction", "inner core", [])
    assert "Q-override" not in rules_fired(result)
    weak, result = net.quasi(2002)
    entry = entry_of(weak, ["JPN", "AUS"])
    assert (entry.prediction, entry.basis, entry.overridden) == (
        "cooperation", "outer core", ["friction"])
    (override,) = [f for f in result.firings if f.rule == "Q-override"]
    assert override.matched["i"]["prediction"] == "friction"
    assert override.matched["o"]["prediction"] == "cooperation"
    assert [f["kind"] for f in entry.findings if f["rule"] == "Q-override"] == ["override"]
    assert rules_fired(result).index("Q-inner.friction") < rules_fired(result).index("Q-override")


@pytest.mark.parametrize("fears, commitment, prediction, rule", [
    ({"JPN": "abandonment", "AUS": "abandonment"}, {"JPN": "strong", "AUS": "strong"},
     "cooperation", "Q-inner.cooperation"),
    ({"JPN": "entrapment", "AUS": "entrapment"}, {"JPN": "steady", "AUS": "strong"},
     "distancing", "Q-inner.distancing"),
    ({"JPN": "none", "AUS": "abandonment"}, {"JPN": "steady", "AUS": "steady"},
     "friction", "Q-inner.friction"),
    ({"JPN": "none", "AUS": "none"}, {"JPN": "steady", "AUS": "steady"},
     "none", "Q-predict.none"),
    ({"JPN": "none", "AUS": "none"}, {"JPN": "weakening", "AUS": "steady"},
     "none", "Q-predict.none"),
    ({"JPN": "entrapment", "AUS": "entrapment"}, {"JPN": "weakening", "AUS": "weakening"},
     "cooperation", "Q-outer.weakening"),
], ids=["mutual-abandonment", "mutual-entrapment", "asymmetric", "no-fears",
        "one-sees-weakening", "both-see-weakening"])
def test_inner_and_outer_core(tmp_path, fears, commitment, prediction, rule):
    """Each combination of fears and commitment gives Cha's prediction through its rule."""
    kb = kb_with(tmp_path, [period(2000, 2005, fears, commitment)])
    entries, result = network(kb).quasi(2001)
    entry = entry_of(entries, ["JPN", "AUS"])
    assert entry.prediction == prediction
    assert rule in rules_fired(result)
    if rule != "Q-outer.weakening":
        assert "Q-outer.weakening" not in rules_fired(result)


def test_behaviour_rules_follow_each_fear(tmp_path):
    """Abandonment -> stronger commitment, entrapment -> weaker, none -> no behaviour."""
    kb = kb_with(tmp_path, [period(2000, 2005, {"JPN": "abandonment", "AUS": "entrapment"})])
    _, result = network(kb).run(2001)
    assert {(b["state"], b["commitment"]) for b in result.facts("behaviour")} == {
        ("JPN", "stronger"), ("AUS", "weaker")}
    kb2 = kb_with(tmp_path / "b", [period(2000, 2005, {"JPN": "none", "AUS": "none"})])
    _, result = network(kb2).run(2001)
    assert result.facts("behaviour") == []


def test_detection_needs_common_ally_and_common_threat(tmp_path):
    """Q-detect: common ally and common threat; not with an alliance of their own, not without
    the threat, not when the 'threat' is the ally itself."""
    entries, _ = network(kb_with(tmp_path)).quasi(2001)
    assert entry_of(entries, ["JPN", "AUS"]).ally == "USA"
    no_threat = make_kb(tmp_path, name="b", relations=[alliance("USA", "JPN"),
                                                       alliance("USA", "AUS")])
    assert network(no_threat).quasi(2001)[0] == []
    allied = kb_with(tmp_path / "c", relations=[alliance("USA", "JPN"), alliance("USA", "AUS"),
                                                alliance("JPN", "AUS")])
    assert network(allied).quasi(2001)[0] == []
    ally_threat = kb_with(tmp_path / "d", states=with_states(
        JPN={"threats": [threat("USA")]}, AUS={"threats": [threat("USA")]}))
    assert network(ally_threat).quasi(2001)[0] == []


def test_ally_by_alignment_of_degree_five(tmp_path):
    """An alignment of degree >= quasi.ally_degree counts as an ally; below, it does not."""
    advanced = present("a", "cbm", "consultations", "mtc", "exercises", "integrated_command")
    kb = kb_with(tmp_path, relations=[alliance("USA", "JPN")],
                 alignments={"us-aus": case(["USA", "AUS"], *advanced)})
    entry = entry_of(network(kb).quasi(2001)[0], ["JPN", "AUS"])
    assert entry.ally == "USA"
    assert network(kb, **{"quasi.ally_degree": 6}).quasi(2001)[0] == []


def test_tacit_variant_and_hindrance(tmp_path):
    """No common ally, cooperation of degree >= 2 and a common threat: tacit; an animosity is
    recorded as a hindrance."""
    kb = kb_with(tmp_path, relations=[{"type": "animosity", "parties": ["JPN", "AUS"],
                                       "note": "old grievance", "sources": ["t"]}],
                 alignments={"jp-au": case(["JPN", "AUS"], *present("j", "cbm", "consultations"))})
    entry = entry_of(network(kb).quasi(2001)[0], ["JPN", "AUS"])
    assert (entry.ally, entry.variant, entry.hindrances) == (None, "tacit", ["old grievance"])
    low = kb_with(tmp_path / "b", relations=[],
                  alignments={"jp-au": case(["JPN", "AUS"], *present("j", "cbm"))})
    assert network(low).quasi(2001)[0] == []


def test_rival_theory_shown_where_it_disagrees(tmp_path):
    """Balance of threat predicts cooperation with a growing or immediate common threat; where
    Cha's model says otherwise, both predictions are shown."""
    kb = kb_with(tmp_path, [period(2000, 2005, {"JPN": "entrapment", "AUS": "abandonment"},
                                   {"JPN": "steady", "AUS": "steady"})])
    entry = entry_of(network(kb).quasi(2001)[0], ["JPN", "AUS"])
    assert (entry.prediction, entry.rival_prediction) == ("friction", "cooperation")
    assert [f["kind"] for f in entry.findings if f["kind"] != "outer_core"] == ["rival_theory"]
    assert [f["rule"] for f in entry.findings if f["kind"] == "outer_core"] == [
        "Q-outer.steady", "Q-outer.steady"]
    low = kb_with(tmp_path / "b", [period(2000, 2005, {"JPN": "abandonment",
                                                       "AUS": "abandonment"})],
                  states=with_states(JPN={"threats": [threat("CHN", level="potential")]},
                                     AUS={"threats": [threat("CHN")]}))
    entry = entry_of(network(low).quasi(2001)[0], ["JPN", "AUS"])
    assert (entry.prediction, entry.rival_prediction) == ("cooperation", "none")
    agree = kb_with(tmp_path / "c", [period(2000, 2005, {"JPN": "abandonment",
                                                         "AUS": "abandonment"})])
    entry = entry_of(network(agree).quasi(2001)[0], ["JPN", "AUS"])
    assert (entry.prediction, entry.rival_prediction) == ("cooperation", "cooperation")
    assert [f for f in entry.findings if f["kind"] == "rival_theory"] == []


def test_quasi_json_contract(runner):
    """`smaf quasi --format json` gives the fields of DOMAIN.md section 6."""
    result = runner.invoke(cli, ["quasi", "--year", "1973", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    jk = next(e for e in data if e["triad"] == "japan-korea-us")
    for key in ("parties", "ally", "threats", "hindrances", "prediction", "observed", "rules"):
        assert key in jk
    assert (jk["prediction"], jk["observed"]) == ("friction", "friction")
    assert "Q-inner.friction" in jk["rules"]


def test_quasi_text_names_prediction_and_record(runner):
    """The text view names the triad, the prediction with its basis and the record."""
    result = runner.invoke(cli, ["quasi", "--year", "1977"])
    assert result.exit_code == 0, result.output
    assert "JPN-KOR [japan-korea-us]: common ally United States (USA); threat PRK" in result.output
    assert "prediction: cooperation (outer core); observed: cooperation" in result.output


def test_graphml_export_keeps_edge_types(runner, tmp_path):
    """The exported GraphML opens in networkx with typed edges and their attributes."""
    out = tmp_path / "g.graphml"
    result = runner.invoke(cli, ["graph", "--year", "2020", "--format", "graphml",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(out)
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert {"alliance", "alignment", "rivalry", "threat", "engagement"} <= kinds
    alignment = next(d for a, b, d in g.edges(data=True)
                     if d["kind"] == "alignment" and {a, b} == {"CHN", "RUS"})
    assert alignment["degree"] == 5 and alignment["case"] == "china-russia"
    threat_edge = next(d for a, b, d in g.edges(data=True) if d["kind"] == "threat")
    assert threat_edge["category"] and threat_edge["level"]


@pytest.mark.parametrize("fmt", ["gexf", "json", "dot"])
def test_other_graph_formats(runner, fmt):
    """GEXF, node-link JSON and DOT come out and parse."""
    result = runner.invoke(cli, ["graph", "--year", "2020", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert nx.node_link_graph(json.loads(result.output), edges="links").number_of_edges()
    elif fmt == "gexf":
        g = nx.read_gexf(io.BytesIO(result.output.encode()))
        assert {d["kind"] for _, _, d in g.edges(data=True)} >= {"alliance", "threat"}
    else:
        assert result.output.startswith("digraph smaf_2020 {")
        assert '"CHN" -> "RUS"' in result.output
