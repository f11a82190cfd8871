"""Explanations as Argdown argument maps (smaf_expert.explanation.argdown)."""

from __future__ import annotations

import re
from functools import cache
from types import SimpleNamespace

import yaml
from conftest import case, ev, make_kb, with_states

import smaf_expert
from smaf_expert.explanation.argdown import escape, to_argdown
from smaf_expert.explanation.explain import Explainer
from smaf_expert.reasoning.network import NetworkAssessor

ARG_DEF = re.compile(r"^<([^<>]+)>: ")
STMT_DEF = re.compile(r"^\(\d+\) \[([^\]]+)\]: |^\[([^\]]+)\]: |^\s+[+-] \[([^\]]+)\]: ")


@cache
def us_india() -> str:
    """The map of why US–India is at degree 4, with its hedging finding."""
    a = smaf_expert.make_assessor()
    explainer = a.explainer(a.assess("us-india"))
    return to_argdown(explainer.why("degree") + explainer.why("hedging"),
                      "United States–India: why degree 4?")


def blocks(text: str) -> list[str]:
    """The top-level blocks of an Argdown document (separated by empty lines)."""
    return [b for b in text.split("\n\n") if b.strip()]


def test_front_matter_heading_and_conclusion_statement():
    """A YAML front matter with the title, a heading, and the degree as a titled statement."""
    text = us_india()
    assert text.startswith('===\ntitle: "United States–India: why degree 4?"\n===\n')
    assert "\n# United States–India: why degree 4?\n" in text
    assert re.search(r"^\[Degree 4\]: degree\(stage=4, ", text, re.M)


def test_every_firing_is_an_argument_with_a_premise_conclusion_structure():
    """Each `<Rule: step>: ...` is followed by numbered premises, the line, and its
    conclusion, numbered on."""
    parts = blocks(us_india())
    arguments = [i for i, b in enumerate(parts) if ARG_DEF.match(b)]
    names = [ARG_DEF.match(parts[i]).group(1) for i in arguments]
    assert {"S-degree", "S-degree.count", "S-hedging"} <= {n.split(":")[0] for n in names}
    assert all(re.fullmatch(r"[A-Za-z][\w.-]*: \d+", n) for n in names)
    for i in arguments:
        lines = [line for line in parts[i + 1].splitlines() if not line.startswith("//")]
        assert lines[-2] == "----", parts[i + 1]
        numbers = [int(re.match(r"\((\d+)\) ", line).group(1))
                   for line in lines if line != "----"]
        assert numbers == list(range(1, len(numbers) + 1))
    degree = parts[arguments[names.index(next(n for n in names
                                              if n.startswith("S-degree:")))] + 1]
    assert degree.splitlines()[-1].endswith("[Degree 4]")
    assert "[Stage 4 counts]: counted(" in degree


def test_evidence_items_are_premises_with_sources_in_comments():
    """Evidence items are statements titled by their id, their sources in a comment below."""
    text = us_india()
    match = re.search(r"^\(\d+\) \[usind-ex-3\]: Malabar resumes annually.*\n(//.*)$", text,
                      re.M)
    assert match, text
    assert match.group(1).startswith("// sources: Malabar naval exercise series")
    assert re.search(r"^\(\d+\) \[rusind-mtc-2\]: ", text, re.M)


def test_hedging_attacks_the_stage_counting():
    """The hedging firing on US–India's MTC attacks the statement that stage 3 counts."""
    text = us_india()
    hedging = re.search(r"^<(S-hedging: \d+)>: ", text, re.M).group(1)
    assert re.search(r"^\[Stage 3 counts\]: Stage 3 \(military-technical cooperation "
                     r".*\)\s+counts toward the degree of alignment\.\n  - <"
                     + re.escape(hedging) + r">$", text, re.M), text
    # The hedging argument concludes the finding, from the engagement with the rival.
    pcs = blocks(text)[blocks(text).index(next(b for b in blocks(text)
                                               if b.startswith(f"<{hedging}>"))) + 1]
    assert "[IND engages RUS in mtc]: engagement(" in pcs
    assert "[USA rival RUS]: rivalry(" in pcs
    assert pcs.splitlines()[-1].startswith("(") and "[Hedging finding]" in pcs


def test_each_statement_and_argument_is_defined_once():
    """A statement is defined with its text once and referenced by title afterwards."""
    text = us_india()
    titles = []
    for line in text.splitlines():
        match = STMT_DEF.match(line)
        if match:
            titles.append(next(g for g in match.groups() if g))
    assert len(titles) == len(set(titles))
    args = [m.group(1) for m in map(ARG_DEF.match, text.splitlines()) if m]
    assert len(args) == len(set(args))


def test_same_input_same_map():
    """The map is deterministic."""
    a = smaf_expert.make_assessor()
    explainer = a.explainer(a.assess("us-india"))
    assert to_argdown(explainer.why("degree") + explainer.why("hedging"),
                      "United States–India: why degree 4?") == us_india()


def test_escape():
    """Argdown syntax in text is escaped; ordinary punctuation is left alone."""
    assert escape("a [b] <c> *d* _e_ #f {g} @h // i") == (
        r"a \[b\] \<c\> \*d\* \_e\_ \#f \{g\} \@h \// i")
    assert escape("U.S. forces: 1.74; ratio:x: y") == r"U\.S. forces: 1.74; ratio\:x: y"
    assert escape("e.g. plain, text - (1)") == r"e\.g. plain, text - (1)"
    assert escape("two\n lines") == "two lines"


def test_text_from_the_knowledge_base_cannot_break_the_map(tmp_path):
    """A claim full of Argdown syntax stays one escaped statement; its sources stay in the
    comment."""
    claim = "Pact [draft] <secret> *bold* _it_ #tag {k: v} see http://example.org/x"
    kb = make_kb(tmp_path, alignments={"a-b": case(
        ["USA", "JPN"], ev("ab-cbm", "cbm", 2000, claim=claim,
                           sources=["http://example.org/a // b"]))})
    a = smaf_expert.make_assessor(kb)
    explainer = a.explainer(a.assess("a-b", 2001))
    text = to_argdown(explainer.why("degree"), "A [B] <C>")
    line = next(x for x in text.splitlines() if "[ab-cbm]:" in x)
    assert line.endswith(r"Pact \[draft\] \<secret\> \*bold\* \_it\_ \#tag \{k: v\} see "
                         r"http:\//example.org/x")
    after = text.splitlines()[text.splitlines().index(line) + 1]
    assert after == "// sources: http://example.org/a // b"
    assert "\n# A \\[B\\] \\<C\\>\n" in text


def test_cha_override_attacks_the_inner_core_prediction(tmp_path):
    """A weakening ally's commitment (outer core) overrides the inner core's friction: the
    Q-override firing attacks the inner core's prediction."""
    triad = {"id": "t-x", "parties": ["JPN", "AUS"], "ally": "USA", "threat": "CHN",
             "periods": [{"from": 2002, "to": 2003,
                          "fears": {"JPN": "abandonment", "AUS": "entrapment"},
                          "ally_commitment": {"JPN": "weakening", "AUS": "weakening"},
                          "sources": ["t"]}]}
    threat = {"from": "CHN", "category": "territorial", "level": "immediate", "since": 1990,
              "sources": ["t"]}
    kb = make_kb(tmp_path, states=with_states(JPN={"threats": [threat]},
                                              AUS={"threats": [threat]}),
                 relations=[{"type": "alliance", "parties": ["USA", p], "since": 1950,
                             "sources": ["t"]} for p in ("JPN", "AUS")],
                 files={"quasi/t-x.yaml": yaml.safe_dump(triad)})
    net = NetworkAssessor(smaf_expert.make_assessor(kb))
    _, result = net.run(2002)
    # The network run has no verdict; the explainer needs only its trace and derived facts.
    run = SimpleNamespace(trace=result.firings, derived=result.derived,
                          findings=result.facts("finding"))
    nodes = Explainer(run, net.program.rules, {}).why("override")
    text = to_argdown(nodes, "Why cooperation?")
    override = re.search(r"^<(Q-override: \d+)>: ", text, re.M).group(1)
    assert re.search(r"^\[Inner core predicts friction\](: .*)?\n  - <" + re.escape(override)
                     + ">$", text, re.M), text
    assert re.search(r"\[Outer core predicts cooperation\]", text)
