"""The engine adapter: batches without leakage, errors inside actions, negation in strata,
and the trace every verdict carries."""

from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    INDICATOR_IDS,
    absent,
    assess,
    assessor,
    case,
    ev,
    firings,
    make_kb,
    present,
    shipped_packs,
    stage_trace,
)

import smaf_expert

# --- 5,000 assessments in one process ---------------------------------------------------------

POOL = {"USA": "United States", "CHN": "China", "RUS": "Russia", "IND": "India",
        "JPN": "Japan", "PAK": "Pakistan", "AUS": "Australia", "FRA": "France",
        "GBR": "United Kingdom", "KOR": "South Korea", "VNM": "Vietnam", "PHL": "Philippines"}
RIVALS = {"USA": ["CHN", "RUS"], "IND": ["PAK", "CHN"], "JPN": ["CHN"], "VNM": ["CHN"]}
GNP = {"USA": 10000, "CHN": 1200, "RUS": 300, "IND": 470, "JPN": 4900, "PAK": 75,
       "AUS": 400, "FRA": 1400, "GBR": 1600, "KOR": 560, "VNM": 30}
RELATIONS = [
    {"type": "alliance", "parties": ["USA", "JPN"], "since": 1960, "sources": ["t1"]},
    {"type": "alliance", "parties": ["USA", "AUS"], "since": 1951, "sources": ["t2"]},
    {"type": "alliance", "parties": ["USA", "PHL"], "since": 1951, "sources": ["t3"]},
    {"type": "alliance", "parties": ["USA", "KOR"], "since": 1953, "until": 2004,
     "sources": ["t4"]},
    {"type": "hierarchy", "parties": ["USA", "PHL"], "dominant": "USA", "sources": ["h1"]},
]
YEARS = range(2000, 2010)
N_CASES = 50
ROUNDS = 10  # 50 cases x 10 years x 10 rounds = 5,000 assessments


def _items(rng: random.Random, cid: str) -> list[dict]:
    items: list[dict] = []
    for ind in INDICATOR_IDS:
        kind = rng.choice(["unknown", "present", "present", "ended", "absent", "suspended",
                           "deepening"])
        depth = rng.choice(["low", "developing", "high"])
        since = rng.randint(1998, 2008)
        tag = f"{cid}-{ind}"
        if kind == "present":
            items.append(ev(tag, ind, since, depth))
        elif kind == "ended":
            items.append(ev(tag, ind, since, depth, until=rng.randint(since, 2009)))
        elif kind == "absent":
            items.append(ev(f"{tag}-no", ind, since, None, status="absent"))
        elif kind == "suspended":
            stop = rng.randint(since, 2008)
            items.append(ev(tag, ind, since, depth))
            items.append(ev(f"{tag}-stop", ind, stop, None, status="suspended"))
            if rng.random() < 0.5:
                items.append(ev(f"{tag}-again", ind, rng.randint(stop + 1, 2009), "low"))
        elif kind == "deepening":
            items.append(ev(tag, ind, since, "low", until=since + 2))
            items.append(ev(f"{tag}-deep", ind, since + 1, "high"))
    if not items:
        items.append(ev(f"{cid}-cbm", "cbm", 2000, "low"))
    return items


def generated_kb(tmp_path: Path, seed: int = 20240) -> tuple[Path, list[str]]:
    """A knowledge base of N_CASES random cases over a pool of states with rivalries,
    alliances, a hierarchy and GNP series."""
    rng = random.Random(seed)
    states = {sid: {"name": name, **({"rivals": RIVALS[sid]} if sid in RIVALS else {}),
                    **({"gnp": {"unit": "US$ bn", "source": "test", "values": {2000: GNP[sid]}}}
                       if sid in GNP else {})}
              for sid, name in POOL.items()}
    alignments = {}
    ids = sorted(POOL)
    for n in range(N_CASES):
        cid = f"case-{n:03d}"
        parties = rng.sample(ids, 3 if n % 10 == 0 else 2)
        alignments[cid] = case(parties, *_items(rng, cid),
                               trust=rng.choice(["low", "low", "high"]))
    return make_kb(tmp_path, states=states, alignments=alignments, relations=RELATIONS), \
        sorted(alignments)


def signature(v: Any) -> tuple:
    """What must not depend on what else the process assessed before."""
    return (v.case, v.year, v.degree, v.level, v.depth, v.ceiling,
            tuple((f["kind"], f["rule"], f["text"], tuple(f["evidence"])) for f in v.findings),
            tuple(f.rule for f in v.trace),
            tuple(tuple(f.evidence) for f in v.trace),
            tuple((k, p["status"], p["depth"]) for k, p in v.profile.items()))


def _reference(kb: str, cases: list[str]) -> dict[tuple[str, int], tuple]:
    """Each case alone in a fresh Assessor (run in a fresh process by the test)."""
    from smaf_expert.paths import default_rules

    packs = smaf_expert.load_packs([default_rules()])
    base = smaf_expert.load_knowledge(kb)
    out = {}
    for cid in cases:
        fresh = smaf_expert.Assessor(base, packs)
        for year in YEARS:
            out[(cid, year)] = signature(fresh.assess(cid, year))
    return out


def test_5000_assessments_match_fresh_assessors(tmp_path):
    """5,000 assessments in one Assessor, in shuffled order, give the verdicts each case gets
    alone in a fresh Assessor in a fresh process: no leakage, no session limit."""
    kb, cases = generated_kb(tmp_path)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_reference, str(kb), cases)
        batch = assessor(kb)
        jobs = [(c, y) for c in cases for y in YEARS]
        rng = random.Random(7)
        seen: dict[tuple[str, int], tuple] = {}
        count = 0
        for _ in range(ROUNDS):
            rng.shuffle(jobs)
            for cid, year in jobs:
                sig = signature(batch.assess(cid, year))
                count += 1
                assert seen.setdefault((cid, year), sig) == sig, (cid, year)
        reference = future.result(timeout=300)
    assert count == 5000
    assert len(reference) == len(seen) == N_CASES * len(YEARS)
    mismatched = sorted(k for k in reference if reference[k] != seen[k])
    assert mismatched == []
    # The generated cases exercise the rules (not a batch of empty verdicts).
    degrees = {sig[2] for sig in seen.values()}
    kinds = {f[0] for sig in seen.values() for f in sig[6]}
    assert len(degrees) >= 6
    assert {"hedging", "sequence_anomaly", "deinstitutionalisation", "unknown_indicators",
            "paper_alliance", "hierarchy", "friendly_dyad"} <= kinds


PREREQUISITES = {3: {2}, 4: {2}, 5: {2, 3, 4}, 6: {2, 3, 4}, 7: {2, 3, 4}}


def oracle_degree(stages: set[int], strict: bool) -> int:
    """DOMAIN.md S-degree and S-prereq computed directly from the stages that count."""
    if strict:
        stages = {s for s in stages if PREREQUISITES.get(s, set()) <= stages}
    return max(stages, default=0)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_degree_and_ceiling_agree_with_profile_on_generated_cases(tmp_path, strict):
    """On every generated case and year, the degree is the highest stage that counts in the
    profile (strict: with its prerequisites), and the ceiling is that degree with every unknown
    indicator counted."""
    kb, cases = generated_kb(tmp_path, seed=5)
    a = assessor(kb, strict=strict)
    wrong = []
    for cid in cases:
        for year in YEARS:
            v = a.assess(cid, year)
            counting = {p["stage"] for p in v.profile.values()
                        if p["status"] == "present" and not p.get("discounted")}
            unknown = {p["stage"] for p in v.profile.values() if p["status"] == "unknown"}
            expected = (oracle_degree(counting, strict),
                        oracle_degree(counting | unknown, strict))
            if (v.degree, v.ceiling) != expected:
                wrong.append((cid, year, (v.degree, v.ceiling), expected))
            has_gap = any(f["rule"] == "S-unknown.gap" for f in v.findings)
            if has_gap != (v.ceiling > v.degree):
                wrong.append((cid, year, "gap finding", has_gap))
    assert wrong == []


def test_interleaved_programs_share_the_engine(tmp_path):
    """Strict and default assessors (two compiled programs) interleaved on the one engine give
    the verdicts each gives alone."""
    kb, cases = generated_kb(tmp_path, seed=99)
    base, packs = smaf_expert.load_knowledge(kb), list(shipped_packs())
    alone_default = {c: signature(smaf_expert.Assessor(base, packs).assess(c, 2008))
                     for c in cases}
    alone_strict = {c: signature(smaf_expert.Assessor(base, packs, strict=True).assess(c, 2008))
                    for c in cases}
    default = smaf_expert.Assessor(base, packs)
    strict = smaf_expert.Assessor(base, packs, strict=True)
    for c in cases:
        assert signature(strict.assess(c, 2008)) == alone_strict[c]
        assert signature(default.assess(c, 2008)) == alone_default[c]
    assert alone_default != alone_strict  # strict changes some verdicts


# --- Errors inside rule actions ---------------------------------------------------------------

BROKEN_PACK = """\
pack: test-broken
theory: tests
citation: tests
rules:
  - id: T-broken
    statement: A rule whose explanation names a variable that does not exist.
    citation: tests
    when:
      - c: {type: case}
    then:
      - finding: {kind: test, text: "fired"}
    explain: "{{ nope.field }} is undefined"
"""


def small_kb(tmp_path: Path) -> Path:
    """One case, degree 4."""
    return make_kb(tmp_path, alignments={"us-india": case(
        ["USA", "IND"], *present("ui", "cbm", "consultations", "mtc", "exercises"))})


def test_exception_in_action_is_engine_error_naming_rule(tmp_path):
    """An error inside a rule's action surfaces as EngineError naming the rule."""
    kb = small_kb(tmp_path)
    pack = tmp_path / "broken.yaml"
    pack.write_text(BROKEN_PACK, encoding="utf-8")
    a = smaf_expert.make_assessor(kb, rules=[pack])
    with pytest.raises(smaf_expert.EngineError) as info:
        # Explanations are rendered when read (issue 16): here, when the verdict is exported.
        a.assess("us-india", 2010).as_dict()
    assert info.value.rule_id == "T-broken"
    assert info.value.message.startswith("rule T-broken: UndefinedError:")
    assert "'nope' is undefined" in info.value.message
    # The engine is usable afterwards and gives the same verdict as before.
    v = assess(kb, "us-india", 2010)
    assert (v.degree, v.ceiling) == (4, 7)
    with pytest.raises(smaf_expert.EngineError):
        a.assess("us-india", 2011).as_dict()


def test_exception_from_monkeypatched_action_names_rule(tmp_path, monkeypatch):
    """A failure in rendering a finding is reported with the id of the rule that fired."""
    kb = small_kb(tmp_path)
    import smaf_expert.reasoning.engine as engine_module

    real = engine_module.render_text

    def failing(template: str, context: dict) -> str:
        if "highest stage that counts" in template:
            raise RuntimeError("boom")
        return real(template, context)

    monkeypatch.setattr(engine_module, "render_text", failing)
    with pytest.raises(smaf_expert.EngineError) as info:
        assess(kb, "us-india", 2010).as_dict()  # explanations render when read (issue 16)
    assert info.value.rule_id == "S-degree"
    # Located at the rule's file:line (DOMAIN.md section 7).
    assert info.value.message.startswith("rule S-degree: RuntimeError: boom (")
    assert info.value.message.endswith(")") and "smaf-stages.yaml:" in info.value.message
    monkeypatch.setattr(engine_module, "render_text", real)
    assert assess(kb, "us-india", 2010).degree == 4


def test_engine_error_exits_1_in_cli(tmp_path, runner):
    """`smaf assess` with a failing rule prints the rule and exits 1, no traceback."""
    from smaf_expert.cli import cli

    kb = small_kb(tmp_path)
    pack = tmp_path / "broken.yaml"
    pack.write_text(BROKEN_PACK, encoding="utf-8")
    result = runner.invoke(cli, ["assess", "us-india", "--year", "2010", "--kb", str(kb),
                                 "--rules", str(pack)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: rule T-broken: UndefinedError:")
    assert "Traceback" not in result.output


# --- Negation in strata -----------------------------------------------------------------------

STRATA_PACK = """\
pack: test-strata
theory: tests
citation: tests
rules:
  - id: T-no-flag
    statement: Fires only if no flag was derived for the case.
    citation: tests
    salience: 100
    when:
      - c: {type: case}
    unless:
      - {type: t_flag, case: {ref: c.case}}
    then:
      - finding: {kind: t_no_flag, text: "no flag"}
    explain: no flag
  - id: T-no-other
    statement: Fires when nothing derives t_other.
    citation: tests
    when:
      - c: {type: case}
    unless:
      - {type: t_other}
    then:
      - finding: {kind: t_no_other, text: "no other"}
    explain: no other
  - id: T-derive
    statement: Derives a flag for every case.
    citation: tests
    when:
      - c: {type: case}
    then:
      - assert: {type: t_flag, case: {ref: c.case}}
    explain: flag for {{ c.case }}
  - id: T-seen
    statement: Sees the flag in the same stratum.
    citation: tests
    when:
      - c: {type: case}
      - f: {type: t_flag, case: {ref: c.case}}
    then:
      - finding: {kind: t_seen, text: "flag seen"}
    explain: flag seen
"""


def test_negation_sees_facts_derived_in_the_same_run(tmp_path):
    """A rule negating a fact type derived in the same run sees it, whatever its salience."""
    kb = small_kb(tmp_path)
    pack = tmp_path / "strata.yaml"
    pack.write_text(STRATA_PACK, encoding="utf-8")
    a = smaf_expert.make_assessor(kb, rules=[pack])
    strata = {r.id: s.index for s in a.program.strata for r in s.rules}
    assert strata["T-no-flag"] > strata["T-derive"]
    v = a.assess("us-india", 2010)
    test_rules = [f.rule for f in v.trace if f.pack == "test-strata"]
    assert sorted(test_rules) == ["T-derive", "T-no-other", "T-seen"]
    assert test_rules.index("T-derive") < test_rules.index("T-seen")
    assert [f["kind"] for f in v.findings if f["rule"].startswith("T-")].count("t_no_flag") == 0
    assert v.conclusions["t_flag"] == [{"type": "t_flag", "case": "us-india", "evidence": []}]


def test_degree_max_pattern_picks_exactly_one_degree(tmp_path):
    """With all seven stages counting, S-degree fires once, for stage 7, and S-unknown once."""
    kb = make_kb(tmp_path, alignments={"all": case(["USA", "JPN"],
                                                   *present("al", *INDICATOR_IDS))})
    for strict in (False, True):
        v = assess(kb, "all", 2010, strict=strict)
        rule = "S-degree.strict" if strict else "S-degree"
        (firing,) = firings(v, rule)
        assert firing.asserted[0]["stage"] == 7
        assert stage_trace(v).count("S-degree.count") == 7
        (ceiling,) = firings(v, "S-unknown.strict-ceiling" if strict else "S-unknown")
        assert ceiling.asserted[0]["stage"] == 7
        assert (v.degree, v.level, v.ceiling) == (7, "advanced", 7)


def test_negation_decided_per_case_not_across_cases(tmp_path):
    """A degree derived for one case does not block S-degree.none or S-degree in the next."""
    kb = make_kb(tmp_path, alignments={
        "high": case(["USA", "JPN"], *present("hi", *INDICATOR_IDS)),
        "none": case(["USA", "IND"], *absent("no", *INDICATOR_IDS)),
    })
    a = assessor(kb)
    for _ in range(3):
        h, n = a.assess("high", 2010), a.assess("none", 2010)
        assert (h.degree, n.degree) == (7, 0)
        assert "S-degree.none" in stage_trace(n) and "S-degree" not in stage_trace(n)
        assert "S-degree" in stage_trace(h) and "S-degree.none" not in stage_trace(h)


# --- The trace --------------------------------------------------------------------------------

def trace_kb(tmp_path: Path) -> Path:
    """us-japan: consultations and exercises present, cbm unknown, the rest absent."""
    return make_kb(tmp_path, alignments={"us-japan": case(
        ["USA", "JPN"], ev("uj-con", "consultations", 2000),
        ev("uj-ex", "exercises", 2003, "high"),
        *absent("uj", "mtc", "integrated_command", "joint_deployment",
                "common_defence_policy"))})


def test_trace_lists_rules_in_firing_order(tmp_path):
    """The trace gives the rule ids in firing order, numbered, strata in order."""
    v = assess(trace_kb(tmp_path), "us-japan", 2010)
    assert stage_trace(v) == ["S-unknown.possible", "S-degree.count", "S-degree.count",
                              "S-degree", "S-unknown", "S-depth"]
    assert [f.step for f in v.trace] == list(range(1, len(v.trace) + 1))
    strata = [f.stratum for f in v.trace]
    assert strata == sorted(strata)
    assert all(f.explanation for f in v.trace)


def test_trace_firings_carry_matched_facts_and_evidence(tmp_path):
    """Each firing names the facts it matched, what it asserted and the evidence ids."""
    v = assess(trace_kb(tmp_path), "us-japan", 2010)
    counts = firings(v, "S-degree.count")
    assert sorted(f.matched["ind"]["indicator"] for f in counts) == ["consultations",
                                                                     "exercises"]
    assert sorted(tuple(f.evidence) for f in counts) == [("uj-con",), ("uj-ex",)]
    (possible,) = firings(v, "S-unknown.possible")
    assert possible.matched["ind"]["indicator"] == "cbm"
    assert possible.evidence == []
    (degree,) = firings(v, "S-degree")
    assert degree.matched["top"]["type"] == "counted"
    assert degree.matched["top"]["indicator"] == "exercises"
    assert degree.evidence == ["uj-ex"]
    assert degree.asserted[0]["type"] == "degree"
    assert degree.explanation.startswith("Stage 4 (regular joint military exercises) is the "
                                         "highest stage that counts: degree 4")
    (depth,) = firings(v, "S-depth")
    assert [a["type"] for a in depth.asserted] == ["top_depth", "finding"]
    assert depth.evidence == ["uj-ex"]


def test_verdict_evidence_gives_sources_for_trace_ids(tmp_path):
    """Every evidence id in the trace has its sources in the verdict's evidence."""
    v = assess(trace_kb(tmp_path), "us-japan", 2010)
    used = {eid for f in v.trace for eid in f.evidence}
    assert used == {"uj-con", "uj-ex"}
    assert used <= set(v.evidence)
    assert v.evidence["uj-ex"]["sources"] == ["source of uj-ex"]
    assert v.evidence["uj-ex"]["claim"] == "claim of uj-ex"
    assert v.evidence["uj-ex"]["case"] == "us-japan"
    assert (v.evidence["uj-ex"]["since"], v.evidence["uj-ex"]["depth"]) == (2003, "high")


def test_every_cited_evidence_id_has_its_sources(tmp_path):
    """Every evidence id the verdict cites (profile, findings, trace) has its sources in the
    verdict's evidence, including explicitly absent and suspended items."""
    kb = make_kb(tmp_path, alignments={"x": case(
        ["USA", "JPN"], *present("x", "consultations"), *absent("x", "mtc"),
        ev("x-ex", "exercises", 2000, until=2005), ev("x-cbm", "cbm", 2000),
        ev("x-stop", "cbm", 2003, None, status="suspended"))})
    v = assess(kb, "x", 2006)  # x-ex ended in 2005: a de-institutionalisation finding
    cited = ({e for p in v.profile.values() for e in p["evidence"]}
             | {e for f in v.findings for e in f["evidence"]}
             | {e for f in v.trace for e in f.evidence})
    assert cited == {"x-consultations", "x-ex", "x-no-mtc", "x-stop"}
    assert {e: v.evidence.get(e, {}).get("sources") for e in sorted(cited)} == {
        e: [f"source of {e}"] for e in sorted(cited)}


def test_verdict_evidence_includes_other_cases_behind_hedging(tmp_path):
    """The evidence of a rival engagement in another file is in the verdict with its source."""
    kb = make_kb(tmp_path, states={"USA": {"rivals": ["CHN"]}, "IND": {}, "CHN": {}},
                 alignments={
                     "us-india": case(["USA", "IND"], *present("ui", "consultations"),
                                      ev("ui-ex", "exercises", 2000, "high")),
                     "india-china": case(["IND", "CHN"], ev("ic-ex", "exercises", 2001, "high"))})
    v = assess(kb, "us-india", 2010)
    assert v.evidence["ic-ex"]["case"] == "india-china"
    assert v.evidence["ic-ex"]["sources"] == ["source of ic-ex"]


@pytest.mark.parametrize("params, strict, recorded", [
    (None, False, {}),
    (None, True, {"prereq.strict": True}),
    ({"hierarchy.ratio": "10", "hedging.stages": "3,4", "friendly.count_cbm": "true"}, False, {}),
    ({"hierarchy.ratio": "30"}, False, {"hierarchy.ratio": 30}),
    ({"hedging.stages": "3", "friendly.count_cbm": "no"}, False,
     {"hedging.stages": [3], "friendly.count_cbm": False}),
], ids=["defaults", "strict", "defaults-given-explicitly", "ratio-30", "two-changed"])
def test_params_record_only_changes(tmp_path, params, strict, recorded):
    """The verdict's params hold exactly the parameters that differ from their defaults."""
    v = assess(trace_kb(tmp_path), "us-japan", 2010, params=params, strict=strict)
    assert v.params == recorded
    assert v.as_dict()["params"] == recorded


@pytest.mark.parametrize("params, message", [
    ({"hedging.stage": "3"}, "unknown parameter 'hedging.stage' (did you mean 'hedging.stages'?)"),
    ({"hierarchy.ratio": "ten"}, "parameter hierarchy.ratio='ten' is not a valid number"),
    ({"friendly.count_cbm": "maybe"}, "is not a valid boolean"),
], ids=["unknown", "not-a-number", "not-a-boolean"])
def test_bad_params_are_assessment_errors(tmp_path, params, message):
    """A wrong parameter name or value is refused with a message naming it."""
    with pytest.raises(smaf_expert.AssessmentError) as info:
        assessor(trace_kb(tmp_path), params=params)
    assert message in info.value.message


def test_shipped_packs_compile(tmp_path):
    """The shipped packs load with smaf-stages among them and every rule compiled in."""
    names = [p.name for p in shipped_packs()]
    assert "smaf-stages" in names
    a = assessor(trace_kb(tmp_path))
    stage_rules = {r.id for r in next(p for p in shipped_packs() if p.name == "smaf-stages").rules}
    compiled = set(a.program.rules) | set(a.program.disabled)
    assert stage_rules <= compiled
    assert "S-prereq.strict" in a.program.disabled
