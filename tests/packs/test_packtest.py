"""smaf_expert.packs.examples: pack examples run through the assessor and compared with `expect`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml
from conftest import case, ev, make_kb

from smaf_expert import load_packs
from smaf_expert.packs.examples import ExampleResult, run_example, run_examples
from smaf_expert.paths import default_rules

#: An extra pack: a finding when the degree reaches 2, and its examples.
DEMO = """\
pack: demo
theory: a demo theory
citation: a demo citation
rules:
  - id: D-note
    statement: A degree of 2 or more is noted.
    citation: demo
    when:
      - deg: {type: degree, stage: {gte: 2}}
    then:
      - finding: {kind: demo_note, text: "Degree {{ deg.stage }}."}
    explain: Degree {{ deg.stage }}.
examples:
"""

KB = {
    "states": {"AAA": {"name": "State A"}, "BBB": {"name": "State B"}},
    "alignments": {"a-b": {"parties": ["AAA", "BBB"], "evidence": [
        {"id": "ab-con", "indicator": "consultations", "since": 2005, "depth": "developing",
         "claim": "Staff talks", "sources": ["example"]}]}},
}


def demo_pack(tmp_path: Path, *examples: dict) -> Path:
    path = tmp_path / "demo.yaml"
    body = yaml.safe_dump(list(examples), sort_keys=False)
    path.write_text(DEMO + textwrap.indent(body, "  "), encoding="utf-8")
    return path


def example(name: str = "degree two is noted", **expect) -> dict:
    return {"name": name, **KB, "case": "a-b", "year": 2010,
            "expect": expect or {"degree": 2, "findings": ["demo_note"], "fires": ["D-note"],
                                 "silent": ["S-degree.none"], "absent_findings": ["hedging"],
                                 "profile": {"consultations": "present"}}}


def test_the_shipped_examples_pass():
    results = run_examples([default_rules()])
    assert results and all(r.passed for r in results), "\n".join(map(str, results))
    by_pack: dict[str, int] = {}
    for r in results:
        by_pack[r.pack] = by_pack.get(r.pack, 0) + 1
    assert 2 <= by_pack["smaf-stages"] <= 4 and 2 <= by_pack["smaf-incentives"] <= 4


def test_the_loader_keeps_the_examples():
    packs = {p.name: p for p in load_packs([default_rules()])}
    assert packs["smaf-stages"].examples[0]["name"].startswith("hedging with a rival")


def test_a_passing_example(tmp_path):
    path = demo_pack(tmp_path, example())
    (result,) = run_examples([path])
    assert isinstance(result, ExampleResult)
    assert result.passed and result.status == "pass", str(result)
    assert result.pack == "demo" and result.path == str(path)
    assert result.line == next(n for n, t in enumerate(path.read_text().splitlines(), 1)
                               if "degree two is noted" in t)
    assert str(result).endswith("PASS demo: degree two is noted")


def test_a_failing_example_lists_every_mismatch(tmp_path):
    path = demo_pack(tmp_path, example(
        "wrong on every count", degree=3, ceiling=2, findings=["hedging"],
        absent_findings=["demo_note"], fires=["S-hedging"], silent=["D-note"],
        profile={"consultations": "absent"}, incentives={"bop": "strong"}, fit="above"))
    (result,) = run_examples([path])
    assert not result.passed and result.status == "fail" and result.error is None
    text = "\n".join(result.mismatches)
    for needle in ("degree: expected 3, got 2", "ceiling: expected 2, got 7",
                   "finding 'hedging' expected, not made",
                   "finding 'demo_note' made by D-note, expected none: Degree 2.",
                   "rule S-hedging did not fire", "rule D-note fired, expected silent",
                   "profile consultations: expected 'absent', got 'present'",
                   "incentives bop: expected 'strong', got 'undetermined'",
                   "fit: expected 'above', got 'undetermined'"):
        assert needle in text, text
    assert len(result.mismatches) == 9
    assert "FAIL demo: wrong on every count" in str(result)


def test_misspelt_expectations_are_errors_not_passes(tmp_path):
    path = demo_pack(tmp_path, example("misspelt", silent=["D-nte"],
                                       absent_findings=["demo_nte"]))
    (result,) = run_examples([path])
    assert result.status == "error"
    assert "unknown rule id 'D-nte' (did you mean 'D-note'?)" in result.error
    assert "no rule makes a finding of kind 'demo_nte' (did you mean 'demo_note'?)" \
        in result.error


def test_malformed_examples_are_errors(tmp_path):
    bad = {"name": "bad", **KB, "case": "a-b", "knowledge": "kb",
           "expect": {"degre": 2}, "yaer": 2010}
    (result,) = run_examples([demo_pack(tmp_path, bad)])
    assert result.status == "error"
    for needle in ("unknown example field 'yaer' (did you mean 'year'?)",
                   "either `knowledge` (a path) or an inline knowledge base",
                   "unknown `expect` field 'degre' (did you mean 'degree'?)"):
        assert needle in result.error


def test_a_knowledge_error_names_the_example(tmp_path):
    broken = example("broken knowledge")
    broken["states"] = {"AAA": {"name": "State A", "rivals": ["ZZZ"]}, "BBB": {}}
    (result,) = run_examples([demo_pack(tmp_path, broken)])
    assert result.status == "error"
    assert "<example 'broken knowledge'>/states/AAA.yaml" in result.error
    assert "unknown state 'ZZZ'" in result.error


def test_an_example_on_a_knowledge_folder_with_parameters(tmp_path):
    make_kb(tmp_path, alignments={"a-b": case(["USA", "IND"],
                                              ev("x-ex", "exercises", 2005, "low"))})
    on_folder = {"name": "strict on a folder", "knowledge": "kb", "case": "a-b", "year": 2010,
                 "params": {"prereq.strict": True},
                 "expect": {"degree": 0, "fires": ["S-degree.strict-none"],
                            "findings": ["sequence_anomaly"]}}
    path = demo_pack(tmp_path, on_folder, example())
    results = run_examples([path], only="strict")
    assert [r.name for r in results] == ["strict on a folder"]
    assert results[0].passed, str(results[0])


def test_run_example_on_one_example(tmp_path):
    path = demo_pack(tmp_path)
    result = run_example(path, example(degree=1), "demo", 3)
    assert not result.passed and result.mismatches == ["degree: expected 1, got 2"]
    assert str(result).startswith(f"{path}:3: FAIL demo:")
