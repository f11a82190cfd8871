"""The rules of rules/smaf-stages.yaml (SMAF cluster one), each seen firing and held back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    INDICATOR_IDS,
    absent,
    assess,
    assessor,
    case,
    ev,
    findings_by,
    firings,
    make_kb,
    present,
    stage_findings,
    stage_trace,
    with_states,
)

import smaf_expert

PACK_FILE = Path(smaf_expert.__file__).resolve().parent.parent / "rules" / "smaf-stages.yaml"
if not PACK_FILE.exists():  # installed without a checkout beside it
    from smaf_expert.paths import default_rules

    PACK_FILE = default_rules() / "smaf-stages.yaml"


def pack_rule_ids() -> list[str]:
    """The rule ids of the shipped smaf-stages pack, read from the YAML itself."""
    data = yaml.safe_load(PACK_FILE.read_text(encoding="utf-8"))
    return [r["id"] for r in data["rules"]]


def gnp(*pairs: tuple[int, float]) -> dict[str, Any]:
    """A GNP series with its unit and source."""
    return {"unit": "current US$ billion", "source": "test series", "values": dict(pairs)}


def one(tmp_path: Path, *items: dict, parties: tuple[str, ...] = ("USA", "IND"),
        states: dict | None = None, relations: list | None = None,
        others: dict | None = None, name: str = "kb", **extra: Any) -> Path:
    """A knowledge base with the case `c-x` of these items, plus other cases."""
    alignments = {"c-x": case(list(parties), *items, **extra), **(others or {})}
    return make_kb(tmp_path, states=states, alignments=alignments, relations=relations,
                   name=name)


def degree_of(v: Any) -> tuple[int, str, str | None, int]:
    """Degree, level, depth and ceiling of a verdict."""
    return v.degree, v.level, v.depth, v.ceiling


ALLIANCE = {"type": "alliance", "parties": ["USA", "JPN"], "since": 1960,
            "name": "Treaty of Mutual Cooperation and Security", "sources": ["treaty text"]}
HIERARCHY = {"type": "hierarchy", "parties": ["USA", "JPN"], "dominant": "USA",
             "sources": ["a study of the hierarchy"]}


# --- Every rule fires in one scenario and stays silent in another ----------------------------

def _hedging(depth_there: str) -> Callable[[Path], Any]:
    def run(tmp_path: Path) -> Any:
        kb = one(tmp_path, *present("ux", "consultations"), ev("ux-ex", "exercises", 2000, "high"),
                 states=with_states(USA={"rivals": ["CHN"]}),
                 others={"india-china": case(["IND", "CHN"],
                                             ev("ic-ex", "exercises", 2000, depth_there))})
        return assess(kb, "c-x", 2010)
    return run


def _kb_run(*items: dict, year: int = 2010, parties=("USA", "IND"), states=None,
            relations=None, params=None, strict=False, **extra: Any) -> Callable[[Path], Any]:
    def run(tmp_path: Path) -> Any:
        kb = one(tmp_path, *items, parties=parties, states=states, relations=relations, **extra)
        return assess(kb, "c-x", year, params=params, strict=strict)
    return run


ALL_ABSENT = absent("zz", *INDICATOR_IDS)
ALL_KNOWN_2 = [*present("kn", "consultations"),
               *absent("kn", *(i for i in INDICATOR_IDS if i != "consultations"))]
US_JP = ("USA", "JPN")

SCENARIOS: dict[str, tuple[Callable[[Path], Any], Callable[[Path], Any]]] = {
    "S-hedging": (_hedging("high"), _hedging("low")),
    "S-friendly": (_kb_run(*present("f", "consultations"), trust="high"),
                   _kb_run(*present("f", "consultations"), trust="low")),
    "S-friendly.discount": (
        _kb_run(*present("f", "cbm"), trust="high", params={"friendly.count_cbm": False}),
        _kb_run(*present("f", "cbm"), trust="low", params={"friendly.count_cbm": False})),
    "S-degree.count": (_kb_run(*present("d", "consultations")), _kb_run(*ALL_ABSENT)),
    "S-unknown.possible": (_kb_run(*present("d", "consultations")), _kb_run(*ALL_KNOWN_2)),
    "S-prereq": (_kb_run(*present("p", "exercises")),
                 _kb_run(*present("p", "consultations", "exercises"))),
    "S-prereq.strict": (_kb_run(*present("p", "consultations"), strict=True),
                        _kb_run(*present("p", "exercises"), strict=True)),
    "S-degree": (_kb_run(*present("d", "consultations")), _kb_run(*ALL_ABSENT)),
    "S-degree.none": (_kb_run(*ALL_ABSENT), _kb_run(*present("d", "consultations"))),
    "S-degree.strict": (_kb_run(*present("p", "consultations"), strict=True),
                        _kb_run(*present("p", "exercises"), strict=True)),
    "S-degree.strict-none": (_kb_run(*present("p", "exercises"), strict=True),
                             _kb_run(*present("p", "consultations"), strict=True)),
    "S-unknown": (_kb_run(*present("d", "consultations")), _kb_run(*ALL_ABSENT)),
    "S-unknown.none": (_kb_run(*ALL_ABSENT), _kb_run(*present("d", "consultations"))),
    "S-unknown.strict-gap": (
        _kb_run(*present("p", "exercises"), *absent("q", "consultations"), strict=True),
        _kb_run(*present("d", "consultations"), strict=True)),
    "S-unknown.strict": (_kb_run(*present("d", "consultations"), strict=True),
                         _kb_run(*ALL_ABSENT, strict=True)),
    "S-unknown.strict-ceiling": (_kb_run(*present("d", "consultations"), strict=True),
                                 _kb_run(*ALL_ABSENT, strict=True)),
    "S-unknown.strict-none": (_kb_run(*ALL_ABSENT, strict=True),
                              _kb_run(*present("d", "consultations"), strict=True)),
    "S-unknown.gap": (_kb_run(*present("d", "consultations")), _kb_run(*ALL_KNOWN_2)),
    "S-depth": (_kb_run(*present("d", "consultations")), _kb_run(*ALL_ABSENT)),
    "S-time": (_kb_run(ev("t-ex", "exercises", 2000, until=2009), year=2010),
               _kb_run(ev("t-ex", "exercises", 2000, until=2009), year=2009)),
    "S-treaty.paper": (
        _kb_run(*present("t", "cbm", "consultations"), parties=US_JP, relations=[ALLIANCE]),
        _kb_run(*present("t", "consultations", "mtc"), parties=US_JP, relations=[ALLIANCE])),
    "S-treaty.informal": (
        _kb_run(*present("t", "consultations", "mtc", "exercises", "integrated_command"),
                parties=US_JP),
        _kb_run(*present("t", "consultations", "mtc", "exercises"), parties=US_JP)),
    "S-hierarchy.marked": (
        _kb_run(*present("h", "consultations"), parties=US_JP, relations=[HIERARCHY]),
        _kb_run(*present("h", "consultations"), parties=US_JP)),
    "S-hierarchy.gnp": (
        _kb_run(*present("h", "consultations"), parties=US_JP,
                states=with_states(USA={"gnp": gnp((2000, 1100))}, JPN={"gnp": gnp((2000, 100))})),
        _kb_run(*present("h", "consultations"), parties=US_JP,
                states=with_states(USA={"gnp": gnp((2000, 1000))}, JPN={"gnp": gnp((2000, 100))}))),
}


def test_every_rule_of_the_pack_has_scenarios():
    """The fire/silent table covers exactly the rules of rules/smaf-stages.yaml."""
    assert sorted(SCENARIOS) == sorted(pack_rule_ids())


@pytest.mark.parametrize("rule", sorted(SCENARIOS), ids=sorted(SCENARIOS))
def test_rule_fires(tmp_path, rule):
    """In its firing scenario the rule appears in the trace."""
    v = SCENARIOS[rule][0](tmp_path)
    assert rule in stage_trace(v)


@pytest.mark.parametrize("rule", sorted(SCENARIOS), ids=sorted(SCENARIOS))
def test_rule_stays_silent(tmp_path, rule):
    """In its silent scenario the rule does not appear in the trace."""
    v = SCENARIOS[rule][1](tmp_path)
    assert rule not in stage_trace(v)


# --- S-hedging ---------------------------------------------------------------------------------

def hedging_kb(tmp_path: Path, *, here: str = "high", there: str = "high",
               partner: str = "CHN", indicator: str = "exercises", engaging: str = "IND",
               rivals: dict[str, list[str]] | None = None, relations: list | None = None,
               until: int | None = None) -> Path:
    """us-india (consultations + `indicator` at depth `here`) and a second case in which
    `engaging` has the same indicator with `partner` at depth `there`."""
    rivals = {"USA": ["CHN"]} if rivals is None else rivals
    states = with_states(**{s: {"rivals": r} for s, r in rivals.items()})
    other = f"{engaging.lower()}-{partner.lower()}"
    return make_kb(tmp_path, states=states, relations=relations, alignments={
        "us-india": case(["USA", "IND"], ev("ui-con", "consultations", 2000),
                         ev("ui-eng", indicator, 2000, here)),
        other: case([engaging, partner], ev("th-eng", indicator, 2000, there, until=until)),
    })


@pytest.mark.parametrize(("here", "there", "excluded"), [
    ("high", "high", True),
    ("developing", "high", True),
    ("low", "low", True),
    ("high", "developing", False),
    ("developing", "low", False),
], ids=["same-high", "rival-deeper", "same-low", "rival-shallower", "rival-shallower-low"])
def test_hedging_needs_same_or_higher_depth(tmp_path, here, there, excluded):
    """A rival engagement excludes the indicator only at the same or a higher depth."""
    v = assess(hedging_kb(tmp_path, here=here, there=there), "us-india", 2010)
    assert v.profile["exercises"]["status"] == ("excluded" if excluded else "present")
    assert v.degree == (2 if excluded else 4)
    assert [k for k, _ in stage_findings(v)].count("hedging") == (1 if excluded else 0)


def test_hedging_excludes_and_names_party_partner_and_evidence(tmp_path):
    """The hedging finding names the engaging party, the rival, whose rival it is and the
    evidence on both sides."""
    v = assess(hedging_kb(tmp_path), "us-india", 2010)
    assert v.profile["exercises"]["status"] == "excluded"
    assert v.profile["exercises"]["excluded_by"] == {"party": "IND", "partner": "CHN",
                                                      "rival_of": "USA"}
    assert v.profile["exercises"]["evidence"] == ["ui-eng"]
    (finding,) = findings_by(v, "S-hedging")
    assert finding["kind"] == "hedging"
    assert "India (IND) engages China (CHN), a strategic rival of United States (USA)" in \
        finding["text"]
    assert "case ind-chn: th-eng" in finding["text"]
    # Both sides' items and the entry that codes the rivalry (here an undated rivals list).
    assert sorted(finding["evidence"]) == ["USA#rivals/CHN", "th-eng", "ui-eng"]
    (firing,) = firings(v, "S-hedging")
    assert firing.matched["eng"]["partner"] == "CHN"
    assert firing.matched["eng"]["source_case"] == "ind-chn"
    assert firing.matched["riv"] == {"type": "rivalry", "state": "USA", "rival": "CHN",
                                     "evidence": ["USA#rivals/CHN"]}
    assert firing.asserted[0]["type"] == "excluded"
    assert sorted(firing.evidence) == ["USA#rivals/CHN", "th-eng", "ui-eng"]


def _dated_rivalry(since: int | None = None, until: int | None = None) -> list[dict]:
    rel = {"type": "rivalry", "parties": ["USA", "CHN"], "sources": ["a rivalry study"]}
    rel.update({k: v for k, v in (("since", since), ("until", until)) if v is not None})
    return [rel]


@pytest.mark.parametrize(("since", "until", "year", "excluded"), [
    (None, 2005, 2005, True), (None, 2005, 2006, False),
    (2005, None, 2004, False), (2005, None, 2005, True),
], ids=["until-Y-excludes-in-Y", "until-Y-not-in-Y+1", "since-Y-not-in-Y-1",
        "since-Y-excludes-in-Y"])
def test_a_dated_rivalry_excludes_only_while_it_holds(tmp_path, since, until, year, excluded):
    """A rivalry of relations.yaml is read at the assessment year (since/until inclusive):
    hedging toward the rival excludes only in the years the rivalry holds, and cites it."""
    kb = hedging_kb(tmp_path, rivals={}, relations=_dated_rivalry(since, until))
    v = assess(kb, "us-india", year)
    assert v.profile["exercises"]["status"] == ("excluded" if excluded else "present")
    hedging = findings_by(v, "S-hedging")
    assert [f["evidence"] for f in hedging] == (
        [["relations#rivalry/CHN-USA", "th-eng", "ui-eng"]] if excluded else [])


def test_a_dated_rivalry_wins_over_an_undated_rivals_list(tmp_path):
    """Where relations.yaml dates a rivalry, a state's undated `rivals:` entry for the same
    pair does not make it hold outside those years (US-China before 1972, say)."""
    kb = hedging_kb(tmp_path, rivals={"USA": ["CHN"]}, relations=_dated_rivalry(until=2005))
    assert assess(kb, "us-india", 2005).profile["exercises"]["status"] == "excluded"
    assert assess(kb, "us-india", 2006).profile["exercises"]["status"] == "present"


def test_hedging_by_the_other_party(tmp_path):
    """The United States engaging Pakistan, India's rival, excludes the indicator too."""
    kb = hedging_kb(tmp_path, engaging="USA", partner="PAK", rivals={"IND": ["PAK"]})
    v = assess(kb, "us-india", 2010)
    assert v.profile["exercises"]["excluded_by"] == {"party": "USA", "partner": "PAK",
                                                      "rival_of": "IND"}
    assert stage_findings(v).count(("hedging", "S-hedging")) == 1


@pytest.mark.parametrize("rivals, relations", [
    ({"USA": ["CHN"]}, None),
    ({"CHN": ["USA"]}, None),
    ({}, [{"type": "rivalry", "parties": ["CHN", "USA"], "sources": ["a rivalry study"]}]),
], ids=["named-by-USA", "named-by-CHN", "relations-yaml"])
def test_rivalry_is_symmetric(tmp_path, rivals, relations):
    """A rivalry named by either state (or in relations.yaml) holds for both."""
    v = assess(hedging_kb(tmp_path, rivals=rivals, relations=relations), "us-india", 2010)
    assert v.profile["exercises"]["status"] == "excluded"
    assert v.profile["exercises"]["excluded_by"]["rival_of"] == "USA"


@pytest.mark.parametrize("partner, rivals, relations", [
    ("JPN", {"USA": ["CHN"]}, [{"type": "alliance", "parties": ["USA", "JPN"], "since": 1960,
                                "sources": ["treaty"]}]),
    ("FRA", {"USA": ["CHN"]}, None),
    ("CHN", {"IND": ["CHN"]}, None),
], ids=["other-partys-ally", "non-rival-partner", "own-rival-not-the-others"])
def test_hedging_does_not_fire_for_non_rivals(tmp_path, partner, rivals, relations):
    """Engaging the other party's ally, a neutral partner, or only one's own rival is no
    hedging."""
    kb = hedging_kb(tmp_path, partner=partner, rivals=rivals, relations=relations)
    v = assess(kb, "us-india", 2010)
    assert v.profile["exercises"]["status"] == "present"
    assert v.profile["exercises"]["excluded_by"] is None
    assert "S-hedging" not in stage_trace(v)
    assert v.degree == 4


def test_hedging_only_while_the_rival_engagement_holds(tmp_path):
    """A rival engagement that ended no longer excludes the indicator."""
    kb = hedging_kb(tmp_path, until=2008)
    assert assess(kb, "us-india", 2008).profile["exercises"]["status"] == "excluded"
    assert assess(kb, "us-india", 2009).profile["exercises"]["status"] == "present"


@pytest.mark.parametrize("indicator, params, excluded", [
    ("mtc", None, True),
    ("exercises", None, True),
    ("consultations", None, False),
    ("integrated_command", None, False),
    ("mtc", {"hedging.stages": "3"}, True),
    ("exercises", {"hedging.stages": "3"}, False),
    ("exercises", {"hedging.stages": [4]}, True),
    ("mtc", {"hedging.stages": [4]}, False),
    ("consultations", {"hedging.stages": "2,3,4"}, True),
], ids=["mtc-default", "exercises-default", "consultations-default", "command-default",
        "mtc-stages-3", "exercises-stages-3", "exercises-stages-4", "mtc-stages-4",
        "consultations-stages-2-3-4"])
def test_hedging_covers_only_the_stages_of_the_parameter(tmp_path, indicator, params, excluded):
    """hedging.stages decides which indicators the exclusion covers (default 3 and 4)."""
    kb = make_kb(tmp_path, states=with_states(USA={"rivals": ["CHN"]}), alignments={
        "us-india": case(["USA", "IND"], ev("ui-cbm", "cbm", 2000),
                         ev("ui-eng", indicator, 2000, "high")),
        "india-china": case(["IND", "CHN"], ev("ic-eng", indicator, 2000, "high")),
    })
    v = assessor(kb, params=params).assess("us-india", 2010)
    assert v.profile[indicator]["status"] == ("excluded" if excluded else "present")
    assert ("S-hedging" in stage_trace(v)) is excluded


def test_excluded_indicators_count_neither_for_degree_nor_as_prerequisites(tmp_path):
    """Stage 5 above excluded stages 3 and 4 counts (default) with sequence anomalies naming
    the excluded stages; under strict the degree falls to 2."""
    kb = make_kb(tmp_path, states=with_states(USA={"rivals": ["CHN"]}), alignments={
        "us-india": case(["USA", "IND"], ev("ui-con", "consultations", 2000),
                         ev("ui-mtc", "mtc", 2000, "high"), ev("ui-ex", "exercises", 2000, "high"),
                         ev("ui-ic", "integrated_command", 2000, "low")),
        "india-china": case(["IND", "CHN"], ev("ic-mtc", "mtc", 2000, "high"),
                            ev("ic-ex", "exercises", 2000, "high")),
    })
    v = assess(kb, "us-india", 2010)
    assert v.profile["mtc"]["status"] == v.profile["exercises"]["status"] == "excluded"
    assert (v.degree, v.level, v.depth) == (5, "advanced", "low")
    gaps = sorted(f["missing"] for firing in firings(v, "S-prereq") for f in firing.asserted
                  if f["type"] == "gap")
    assert gaps == [3, 4]
    (text,) = [f["text"] for f in findings_by(v, "S-prereq")]
    assert text.startswith("Stage 5 (integrated military command) is present without its "
                           "prerequisites stage 3 (military-technical")
    assert text.endswith(" and stage 4 (regular joint military exercises).")
    strict = assess(kb, "us-india", 2010, strict=True)
    assert (strict.degree, strict.level) == (2, "early")


# --- S-friendly -------------------------------------------------------------------------------

@pytest.mark.parametrize("items, status", [
    (present("f", "consultations"), "unknown"),
    (present("f", "consultations") + absent("f", "cbm"), "absent"),
], ids=["cbm-unknown", "cbm-absent"])
def test_friendly_dyad_expects_no_cbm(tmp_path, items, status):
    """For a high-trust dyad, missing CBMs are reported as expected, not as a gap."""
    v = assess(one(tmp_path, *items, trust="high"), "c-x", 2010)
    (finding,) = findings_by(v, "S-friendly")
    assert finding["kind"] == "friendly_dyad"
    assert f"their being {status} is no gap" in finding["text"]
    assert v.degree == 2


def test_friendly_rule_silent_when_cbm_present(tmp_path):
    """A high-trust dyad with CBMs present gets no friendly finding and its CBMs count."""
    v = assess(one(tmp_path, *present("f", "cbm"), trust="high"), "c-x", 2010)
    assert findings_by(v, "S-friendly") == []
    assert (v.degree, v.level) == (1, "early")


@pytest.mark.parametrize("trust, params, degree", [
    ("high", None, 1),
    ("high", {"friendly.count_cbm": "true"}, 1),
    ("high", {"friendly.count_cbm": "false"}, 0),
    ("low", {"friendly.count_cbm": "false"}, 1),
], ids=["high-default", "high-count", "high-discount", "low-discount"])
def test_friendly_discount_of_cbm(tmp_path, trust, params, degree):
    """friendly.count_cbm=false sets CBMs aside only for high-trust dyads."""
    v = assess(one(tmp_path, *present("f", "cbm"), trust=trust), "c-x", 2010, params=params)
    assert v.degree == degree
    discounted = degree == 0
    assert v.profile["cbm"].get("discounted", False) is discounted
    assert v.profile["cbm"]["status"] == "present"
    assert ("S-friendly.discount" in stage_trace(v)) is discounted
    if discounted:
        assert v.level == "none"
        assert v.params == {"friendly.count_cbm": False}
        (finding,) = findings_by(v, "S-friendly.discount")
        assert finding["kind"] == "friendly_dyad" and "f-cbm" in finding["text"]
        assert "S-degree.none" in stage_trace(v)


# --- S-degree ---------------------------------------------------------------------------------

@pytest.mark.parametrize("indicators, degree, level", [
    (("cbm",), 1, "early"),
    (("consultations",), 2, "early"),
    (("cbm", "consultations", "mtc"), 3, "moderate"),
    (("consultations", "mtc", "exercises"), 4, "moderate"),
    (("consultations", "mtc", "exercises", "integrated_command"), 5, "advanced"),
    (("consultations", "mtc", "exercises", "joint_deployment"), 6, "advanced"),
    (INDICATOR_IDS, 7, "advanced"),
], ids=["stage-1", "stage-2", "stage-3", "stage-4", "stage-5", "stage-6", "stage-7"])
def test_degree_is_highest_counting_stage(tmp_path, indicators, degree, level):
    """The degree is the highest present stage and the level follows the table."""
    v = assess(one(tmp_path, *present("d", *indicators)), "c-x", 2010)
    assert (v.degree, v.level) == (degree, level)
    assert stage_trace(v).count("S-degree") == 1
    assert stage_trace(v).count("S-degree.count") == len(indicators)
    (firing,) = firings(v, "S-degree")
    assert firing.asserted[0]["stage"] == degree
    assert firing.matched["top"]["stage"] == degree


def test_degree_none_without_present_indicator(tmp_path):
    """Only absent indicators: degree 0, level none, no depth (S-degree.none)."""
    v = assess(one(tmp_path, *ALL_ABSENT), "c-x", 2010)
    assert degree_of(v) == (0, "none", None, 0)
    assert "S-degree.none" in stage_trace(v)
    assert "S-degree" not in stage_trace(v)
    assert "S-degree.count" not in stage_trace(v)
    assert all(p["status"] == "absent" for p in v.profile.values())


# --- S-prereq ---------------------------------------------------------------------------------

@pytest.mark.parametrize("indicators, missing", [
    (("exercises",), [2]),
    (("mtc",), [2]),
    (("integrated_command",), [2, 3, 4]),
    (("consultations", "joint_deployment"), [3, 4]),
    (("consultations", "mtc", "common_defence_policy"), [4]),
    (("consultations", "mtc", "exercises", "joint_deployment"), []),
    (("consultations", "mtc"), []),
], ids=["4-without-2", "3-without-2", "5-alone", "6-without-3-4", "7-without-4",
        "6-without-5-is-fine", "cbm-is-prerequisite-of-nothing"])
def test_prereq_anomalies_name_missing_stages(tmp_path, indicators, missing):
    """One sequence anomaly names every missing prerequisite; the stage still counts."""
    v = assess(one(tmp_path, *present("p", *indicators)), "c-x", 2010)
    assert v.degree == max(INDICATOR_IDS.index(i) + 1 for i in indicators)
    found = sorted(f["missing"] for firing in firings(v, "S-prereq") for f in firing.asserted
                   if f["type"] == "gap")
    assert found == missing
    anomalies = findings_by(v, "S-prereq")
    assert [f["kind"] for f in anomalies] == ["sequence_anomaly"] * bool(missing)
    for stage in missing:
        assert f" stage {stage} (" in anomalies[0]["text"].split(" without ")[1]
    assert all("--strict" not in f["text"] for f in anomalies)


@pytest.mark.parametrize("indicators, default, strict", [
    (("cbm", "exercises"), 4, 1),
    (("exercises",), 4, 0),
    (("consultations", "mtc", "integrated_command"), 5, 3),
    (("consultations", "mtc", "exercises", "joint_deployment"), 6, 6),
    (("cbm", "consultations"), 2, 2),
], ids=["falls-to-cbm", "falls-to-zero", "falls-to-3", "six-without-five", "no-gap"])
def test_strict_counts_only_stages_with_prerequisites(tmp_path, indicators, default, strict):
    """Under strict the degree is the highest stage whose prerequisites all count."""
    kb = one(tmp_path, *present("p", *indicators))
    v = assess(kb, "c-x", 2010)
    s = assess(kb, "c-x", 2010, strict=True)
    assert v.degree == default
    assert s.degree == strict
    assert s.params == {"prereq.strict": True}
    assert v.params == {}
    trace = stage_trace(s)
    assert "S-degree" not in trace and "S-degree.none" not in trace
    if strict:
        assert trace.count("S-degree.strict") == 1
        assert "S-degree.strict-none" not in trace
        (firing,) = firings(s, "S-degree.strict")
        assert firing.asserted[0]["stage"] == strict
    else:
        assert (s.level, s.depth) == ("none", None)
        assert trace.count("S-degree.strict-none") == 1
        assert "S-degree.strict" not in trace


def test_strict_anomaly_says_the_stage_does_not_count(tmp_path):
    """Under strict the sequence anomaly says the stage does not count."""
    v = assess(one(tmp_path, *present("p", "cbm", "exercises")), "c-x", 2010, strict=True)
    (finding,) = findings_by(v, "S-prereq")
    assert finding["kind"] == "sequence_anomaly"
    assert "under --strict it does not count" in finding["text"]
    valid = sorted(f.matched["c"]["stage"] for f in firings(v, "S-prereq.strict"))
    assert valid == [1]


# --- S-unknown --------------------------------------------------------------------------------

@pytest.mark.parametrize("absent_ids, ceiling", [
    ((), 7),
    (("common_defence_policy",), 6),
    (("joint_deployment", "common_defence_policy"), 5),
    (("integrated_command",), 7),
    (("mtc", "exercises", "integrated_command", "joint_deployment", "common_defence_policy"), 2),
    (("cbm", "mtc", "exercises", "integrated_command", "joint_deployment",
      "common_defence_policy"), 2),
], ids=["all-unknown", "7-absent", "6-7-absent", "5-absent-7-unknown", "3-7-absent",
        "all-but-2-absent"])
def test_ceiling_counts_unknown_not_absent(tmp_path, absent_ids, ceiling):
    """Unknown indicators raise the ceiling; explicitly absent ones do not."""
    kb = one(tmp_path, *present("u", "consultations"), *absent("u", *absent_ids))
    v = assess(kb, "c-x", 2010)
    assert (v.degree, v.ceiling) == (2, ceiling)
    for ind in absent_ids:
        assert v.profile[ind]["status"] == "absent"
        assert v.profile[ind]["evidence"] == [f"u-no-{ind}"]
    unknown = [i for i in INDICATOR_IDS if i not in absent_ids and i != "consultations"]
    assert [i for i, p in v.profile.items() if p["status"] == "unknown"] == unknown
    assert stage_trace(v).count("S-unknown.possible") == len(unknown)
    gap = findings_by(v, "S-unknown.gap")
    if ceiling > 2:
        (finding,) = gap
        assert finding["kind"] == "unknown_indicators"
        assert f"the ceiling is {ceiling}" in finding["text"]
        assert "Degree 2 rests on the indicators known" in finding["text"]
    else:
        assert gap == []


def test_unknown_gap_text_lists_unknown_indicators(tmp_path):
    """The unknown-indicators finding names the indicators with no evidence."""
    kb = one(tmp_path, *present("u", "consultations"),
             *absent("u", "cbm", "mtc", "exercises", "joint_deployment"))
    v = assess(kb, "c-x", 2010)
    (finding,) = findings_by(v, "S-unknown.gap")
    assert "integrated military command and common defence policy, the ceiling is 7" in \
        finding["text"]


def test_ceiling_zero_when_nothing_present_or_unknown(tmp_path):
    """All indicators absent: ceiling 0 from S-unknown.none, no gap finding."""
    v = assess(one(tmp_path, *ALL_ABSENT), "c-x", 2010)
    assert v.ceiling == 0
    assert "S-unknown.none" in stage_trace(v)
    assert "S-unknown" not in stage_trace(v)
    assert findings_by(v, "S-unknown.gap") == []


def test_ceiling_of_a_case_with_nothing_but_unknowns_above_absent(tmp_path):
    """Degree 0 with an unknown stage 3: the ceiling is 3 and the gap is reported."""
    kb = one(tmp_path, *absent("u", *(i for i in INDICATOR_IDS if i != "mtc")))
    v = assess(kb, "c-x", 2010)
    assert degree_of(v) == (0, "none", None, 3)
    (finding,) = findings_by(v, "S-unknown.gap")
    assert "military-technical cooperation" in finding["text"]


@pytest.mark.parametrize("present_ids, unknown_ids, degree, ceiling", [
    (("exercises",), (), 0, 0),
    (("cbm", "exercises"), (), 1, 1),
    (("exercises",), ("cbm",), 0, 1),
    (("exercises",), ("consultations",), 0, 4),
    (("consultations", "mtc", "exercises", "joint_deployment"), ("integrated_command",), 6, 6),
    (("consultations", "integrated_command"), ("mtc", "exercises"), 2, 5),
], ids=["nothing-unknown", "nothing-unknown-cbm", "only-cbm-unknown",
        "missing-prerequisite-unknown", "five-unknown-below-six", "prerequisites-unknown"])
def test_strict_ceiling_respects_prerequisites(tmp_path, present_ids, unknown_ids, degree,
                                               ceiling):
    """Under strict, the ceiling is the strict degree if every unknown indicator were present:
    with nothing unknown it equals the degree, and no unknown-indicators finding is made."""
    known_absent = [i for i in INDICATOR_IDS if i not in present_ids and i not in unknown_ids]
    kb = one(tmp_path, *present("sc", *present_ids), *absent("sc", *known_absent))
    v = assess(kb, "c-x", 2010, strict=True)
    assert (v.degree, v.ceiling) == (degree, ceiling)
    assert len(findings_by(v, "S-unknown.gap")) == (1 if ceiling > degree else 0)


# --- S-depth ----------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", ["low", "developing", "high"], ids=["low", "developing", "high"])
def test_depth_of_top_stage(tmp_path, depth):
    """The verdict reports the depth of the top stage and a depth finding."""
    kb = one(tmp_path, ev("dp-con", "consultations", 2000, "high"),
             ev("dp-ex", "exercises", 2000, depth), ev("dp-ex2", "exercises", 2005, "low"))
    v = assess(kb, "c-x", 2010)
    expected = depth  # the deepest item in force gives the depth
    assert (v.degree, v.depth) == (4, expected)
    assert v.profile["exercises"]["depth"] == expected
    assert v.profile["consultations"]["depth"] == "high"
    (finding,) = findings_by(v, "S-depth")
    assert finding["kind"] == "depth"
    assert f"is at {expected} depth" in finding["text"]
    (firing,) = firings(v, "S-depth")
    assert firing.asserted[0] == {"type": "top_depth", "stage": 4, "depth": expected,
                                  "evidence": firing.asserted[0]["evidence"]}


def test_depth_takes_the_deepest_item_in_force(tmp_path):
    """With several items of one indicator in force, the deepest gives its depth."""
    kb = one(tmp_path, ev("dd-1", "exercises", 2000, "low"), ev("dd-2", "exercises", 2004, "high"))
    assert assess(kb, "c-x", 2003).depth == "low"
    v = assess(kb, "c-x", 2004)
    assert v.depth == "high"
    assert sorted(v.profile["exercises"]["evidence"]) == ["dd-1", "dd-2"]


def test_deeper_top_stage_is_stronger(tmp_path):
    """Between equal degrees, the deeper top stage, then more high stages, is stronger."""
    kb = make_kb(tmp_path, alignments={
        "a-deep": case(["USA", "IND"], ev("a1", "consultations", 2000, "low"),
                       ev("a2", "exercises", 2000, "high")),
        "b-shallow": case(["USA", "JPN"], ev("b1", "consultations", 2000, "high"),
                          ev("b2", "exercises", 2000, "developing")),
        "c-more-high": case(["USA", "AUS"], ev("c1", "consultations", 2000, "high"),
                            ev("c2", "exercises", 2000, "high")),
    })
    a = assessor(kb)
    deep, shallow, more = (a.assess(c, 2010) for c in ("a-deep", "b-shallow", "c-more-high"))
    assert deep.degree == shallow.degree == more.degree == 4
    assert more.strength > deep.strength > shallow.strength


# --- S-time -----------------------------------------------------------------------------------

@pytest.mark.parametrize("year, status", [
    (2004, "absent"), (2005, "present"), (2016, "present"), (2017, "absent"),
], ids=["before-since", "at-since", "at-until", "after-until"])
def test_since_and_until_are_inclusive(tmp_path, year, status):
    """An item since 2005 until 2016 holds in 2005 and 2016, not in 2004 or 2017."""
    kb = one(tmp_path, *present("t", "consultations"),
             ev("t-ex", "exercises", 2005, "high", until=2016))
    v = assess(kb, "c-x", year)
    assert v.profile["exercises"]["status"] == status
    assert v.degree == (4 if status == "present" else 2)


def test_ended_item_is_deinstitutionalisation_once(tmp_path):
    """The year after an item ends, a de-institutionalisation finding lists it; not later."""
    kb = one(tmp_path, *present("t", "consultations"),
             ev("t-ex", "exercises", 2005, "high", until=2016))
    before, after, later = (assess(kb, "c-x", y) for y in (2016, 2017, 2018))
    assert findings_by(before, "S-time") == []
    (finding,) = findings_by(after, "S-time")
    assert finding["kind"] == "deinstitutionalisation"
    assert finding["evidence"] == ["t-ex"]
    assert "items that ended or were suspended: t-ex" in finding["text"]
    assert "now absent" in finding["text"]
    assert findings_by(later, "S-time") == []
    (firing,) = firings(after, "S-time")
    assert firing.matched["ind"]["prev_status"] == "present"
    assert firing.matched["ind"]["ended"] == ["t-ex"]


def test_suspension_stops_and_later_item_reactivates(tmp_path):
    """A suspension stops the indicator from its year; a later present item reactivates it."""
    kb = one(tmp_path, *present("s", "consultations"),
             ev("s-mtc", "mtc", 2000, "high"),
             ev("s-mtc-stop", "mtc", 2005, None, status="suspended"),
             ev("s-mtc-again", "mtc", 2008, "developing"))
    a = assessor(kb)
    v04, v05, v06, v08 = (a.assess("c-x", y) for y in (2004, 2005, 2006, 2008))
    assert (v04.profile["mtc"]["status"], v04.degree) == ("present", 3)
    assert (v05.profile["mtc"]["status"], v05.degree) == ("absent", 2)
    assert v05.profile["mtc"]["evidence"] == ["s-mtc-stop"]
    (finding,) = findings_by(v05, "S-time")
    assert finding["kind"] == "deinstitutionalisation"
    assert sorted(finding["evidence"]) == ["s-mtc", "s-mtc-stop"]
    assert "s-mtc, s-mtc-stop" in finding["text"]
    assert findings_by(v06, "S-time") == []
    assert v06.profile["mtc"]["status"] == "absent"
    assert (v08.profile["mtc"]["status"], v08.profile["mtc"]["depth"]) == ("present", "developing")
    assert v08.profile["mtc"]["evidence"] == ["s-mtc-again"]
    assert v08.degree == 3
    assert findings_by(v08, "S-time") == []


def test_depth_drop_is_deinstitutionalisation(tmp_path):
    """A fall from high to low depth is reported with the item that ended."""
    kb = one(tmp_path, *present("dd", "consultations"),
             ev("dd-ex-high", "exercises", 2000, "high", until=2010),
             ev("dd-ex-low", "exercises", 2005, "low"))
    v = assess(kb, "c-x", 2011)
    assert (v.degree, v.depth) == (4, "low")
    (finding,) = findings_by(v, "S-time")
    assert finding["evidence"] == ["dd-ex-high"]
    assert "depth now low" in finding["text"]
    assert findings_by(assess(kb, "c-x", 2010), "S-time") == []


def test_depth_rise_is_not_deinstitutionalisation(tmp_path):
    """A rise in depth gives no de-institutionalisation finding."""
    kb = one(tmp_path, ev("dr-1", "exercises", 2000, "low"), ev("dr-2", "exercises", 2005, "high"))
    assert findings_by(assess(kb, "c-x", 2005), "S-time") == []


# --- S-treaty ---------------------------------------------------------------------------------

@pytest.mark.parametrize("indicators, relations, year, kind", [
    (("cbm", "consultations"), [ALLIANCE], 2010, "paper_alliance"),
    (("cbm",), [ALLIANCE], 2010, "paper_alliance"),
    ((), [ALLIANCE], 2010, "paper_alliance"),
    (("consultations", "mtc"), [ALLIANCE], 2010, None),
    (("cbm", "consultations"), [{**ALLIANCE, "until": 2005}], 2010, None),
    (("cbm", "consultations"), [{**ALLIANCE, "until": 2010}], 2010, "paper_alliance"),
    (("consultations", "mtc", "exercises", "integrated_command"), [], 2010,
     "informal_alignment"),
    (("consultations", "mtc", "exercises", "joint_deployment"), [], 2010,
     "informal_alignment"),
    (("consultations", "mtc", "exercises"), [], 2010, None),
    (("consultations", "mtc", "exercises", "integrated_command"), [ALLIANCE], 2010, None),
    (("cbm", "consultations"), [], 2010, None),
], ids=["treaty-degree-2", "treaty-degree-1", "treaty-degree-0", "treaty-degree-3",
        "treaty-ended", "treaty-until-inclusive", "no-treaty-degree-5", "no-treaty-degree-6",
        "no-treaty-degree-4", "treaty-degree-5", "no-treaty-degree-2"])
def test_treaty_findings(tmp_path, indicators, relations, year, kind):
    """Paper alliance: treaty and degree <= 2; informal alignment: no treaty and degree >= 5."""
    items = present("tr", *indicators) or absent("tr", *INDICATOR_IDS)
    v = assess(one(tmp_path, *items, parties=US_JP, relations=relations), "c-x", year)
    got = [(k, r) for k, r in stage_findings(v) if r.startswith("S-treaty")]
    expected = {"paper_alliance": [("paper_alliance", "S-treaty.paper")],
                "informal_alignment": [("informal_alignment", "S-treaty.informal")],
                None: []}[kind]
    assert got == expected


def test_treaty_does_not_raise_the_degree(tmp_path):
    """The same evidence gives the same degree with and without a treaty."""
    items = present("tr", "cbm", "consultations")
    with_treaty = assess(one(tmp_path, *items, parties=US_JP, relations=[ALLIANCE], name="a"),
                         "c-x", 2010)
    without = assess(one(tmp_path, *items, parties=US_JP, name="b"), "c-x", 2010)
    assert degree_of(with_treaty) == degree_of(without) == (2, "early", "developing", 7)


# --- S-hierarchy ------------------------------------------------------------------------------

@pytest.mark.parametrize("indicators, fires, basing", [
    (("consultations",), True, False),
    (("consultations", "mtc", "exercises", "joint_deployment"), True, True),
    (("cbm",), False, False),
    ((), False, False),
], ids=["degree-2", "degree-6-basing", "degree-1", "degree-0"])
def test_marked_hierarchy(tmp_path, indicators, fires, basing):
    """A hierarchy marked in relations.yaml gives a caveat naming the dominant party, from
    degree 2 on: CBMs alone claim no robustness a hierarchy could overstate."""
    items = present("hm", *indicators) or absent("hm", *INDICATOR_IDS)
    v = assess(one(tmp_path, *items, parties=US_JP, relations=[HIERARCHY]), "c-x", 2010)
    found = findings_by(v, "S-hierarchy.marked")
    assert len(found) == (1 if fires else 0)
    if fires:
        assert found[0]["kind"] == "hierarchy"
        assert found[0]["text"].startswith("United States (USA) dominates this relationship")
        assert ("basing of stage 6" in found[0]["text"]) is basing


def test_marked_hierarchy_needs_both_parties(tmp_path):
    """A hierarchy between one party and a third state does not mark the case."""
    rel = {**HIERARCHY, "parties": ["USA", "AUS"]}
    v = assess(one(tmp_path, *present("hm", "consultations"), parties=US_JP, relations=[rel]),
               "c-x", 2010)
    assert [r for _, r in stage_findings(v) if r.startswith("S-hierarchy")] == []


def test_marked_hierarchy_takes_precedence_over_gnp(tmp_path):
    """A marked hierarchy gives one caveat, not a second one from the GNP ratio."""
    states = with_states(USA={"gnp": gnp((2000, 5000))}, JPN={"gnp": gnp((2000, 100))})
    v = assess(one(tmp_path, *present("hm", "consultations"), parties=US_JP, states=states,
                   relations=[HIERARCHY]), "c-x", 2010)
    assert [r for _, r in stage_findings(v) if r.startswith("S-hierarchy")] == \
        ["S-hierarchy.marked"]


@pytest.mark.parametrize("usa, jpn, params, fires", [
    (1100, 100, None, True),
    (1001, 100, None, True),
    (1000, 100, None, False),
    (999, 100, None, False),
    (950, 100, None, False),
    (2000, 100, None, True),
    (2000, 100, {"hierarchy.ratio": "30"}, False),
    (3100, 100, {"hierarchy.ratio": "30"}, True),
    (900, 100, {"hierarchy.ratio": "5"}, True),
    (100, 2000, None, True),
], ids=["ratio-11", "ratio-10.01", "ratio-10-at-bound", "ratio-9.99", "ratio-9.5", "ratio-20",
        "ratio-20-param-30", "ratio-31-param-30", "ratio-9-param-5", "smaller-party-first"])
def test_gnp_hierarchy_threshold(tmp_path, usa, jpn, params, fires):
    """A GNP ratio strictly above hierarchy.ratio (default 10) gives the caveat."""
    states = with_states(USA={"gnp": gnp((2000, usa))}, JPN={"gnp": gnp((2000, jpn))})
    kb = one(tmp_path, *present("hg", "consultations"), parties=US_JP, states=states)
    v = assess(kb, "c-x", 2010, params=params)
    found = findings_by(v, "S-hierarchy.gnp")
    assert len(found) == (1 if fires else 0)
    if fires:
        top = "United States (USA)" if usa > jpn else "Japan (JPN)"
        assert found[0]["kind"] == "hierarchy"
        assert found[0]["text"].startswith(f"{top} has {max(usa, jpn) / min(usa, jpn):.2f} times")


def test_gnp_hierarchy_uses_latest_value_not_after_year(tmp_path):
    """The ratio uses each party's latest GNP not after the year; no data, no caveat."""
    states = with_states(USA={"gnp": gnp((2000, 500), (2010, 2000))},
                         JPN={"gnp": gnp((2003, 100))})
    kb = one(tmp_path, *present("hg", "consultations"), parties=US_JP, states=states)
    a = assessor(kb)
    assert findings_by(a.assess("c-x", 2002), "S-hierarchy.gnp") == []  # JPN has no data yet
    assert findings_by(a.assess("c-x", 2009), "S-hierarchy.gnp") == []  # 500 / 100
    (finding,) = findings_by(a.assess("c-x", 2010), "S-hierarchy.gnp")  # 2000 / 100
    assert "20.00 times" in finding["text"]


def test_gnp_hierarchy_silent_at_degree_zero(tmp_path):
    """No caveat where there is no alignment to overstate."""
    states = with_states(USA={"gnp": gnp((2000, 5000))}, JPN={"gnp": gnp((2000, 100))})
    v = assess(one(tmp_path, *ALL_ABSENT, parties=US_JP, states=states), "c-x", 2010)
    assert v.degree == 0
    assert findings_by(v, "S-hierarchy.gnp") == []
