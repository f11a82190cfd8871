"""smaf_expert.packs.lint: each kind of problem on a small pack, located and saying what to do; the
shipped packs lint clean; the vocabulary matches what preparation builds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import case, ev, make_kb, with_states

from smaf_expert.packs.lint import KINDS, WARNING, LintProblem, errors, lint_packs
from smaf_expert.packs.vocabulary import BASE_FACTS, json_type, vocabulary
from smaf_expert.paths import default_rules

HEADER = """\
pack: {name}
theory: a test theory
citation: a test citation
"""

#: A well-formed rule to start from; tests replace parts of it.
GOOD_RULE = """\
  - id: T-ok
    statement: A present indicator is noted.
    citation: test
    when:
      - ind: {type: indicator, status: present}
    then:
      - finding: {kind: noted, text: "{{ ind.indicator|indicator }} is present."}
    explain: "{{ ind.indicator }} at {{ ind.depth }} depth."
"""


def write_pack(tmp_path: Path, body: str, name: str = "test-pack", file: str | None = None
               ) -> Path:
    """A pack file: the header, then `body` (dedented YAML)."""
    path = tmp_path / (file or f"{name}.yaml")
    path.write_text(HEADER.format(name=name) + textwrap.dedent(body), encoding="utf-8")
    return path


def lint_one(tmp_path: Path, body: str, **kwargs) -> tuple[Path, list[LintProblem]]:
    path = write_pack(tmp_path, body, **kwargs)
    return path, lint_packs([path])


def of_kind(problems: list[LintProblem], kind: str) -> list[LintProblem]:
    return [p for p in problems if p.kind == kind]


def line_with(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def only(problems: list[LintProblem], kind: str) -> LintProblem:
    found = of_kind(problems, kind)
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


# --- The shipped packs -------------------------------------------------------------------------

def test_shipped_packs_lint_clean():
    """No errors in any shipped pack; the two cluster packs have no warning either."""
    problems = lint_packs([default_rules()])
    assert errors(problems) == [], "\n".join(map(str, problems))
    for name in ("smaf-stages.yaml", "smaf-incentives.yaml"):
        assert [p for p in problems if Path(p.path).name == name] == [], name


def test_a_good_pack_is_clean(tmp_path):
    _, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE)
    assert problems == []


def test_every_kind_is_documented():
    assert {"load", "unknown-type", "unknown-field", "unconsumed", "never-holds",
            "duplicate-id", "missing-text", "undeclared-param", "unused-param",
            "template-syntax", "template-name", "template-unsafe", "negation-cycle"} == set(KINDS)


# --- load errors ---------------------------------------------------------------------------------

def test_load_errors_are_reported_with_their_line(tmp_path):
    path, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE + """\
  - id: T-two
    statement: s
    citation: c
    explain: e
    whenn:
      - ind: {type: indicator}
    then:
      - finding: {kind: k, text: t}
""")
    load = of_kind(problems, "load")
    assert any("unknown field 'whenn'" in p.message and p.line == line_with(path, "whenn")
               for p in load), [str(p) for p in problems]


def test_invalid_yaml_and_missing_files_are_load_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: x\nrules: [\n", encoding="utf-8")
    shapeless = tmp_path / "shapeless.yaml"
    shapeless.write_text("pack: y\nparameters: 4\nrules: 5\n", encoding="utf-8")
    problems = lint_packs([bad, shapeless, tmp_path / "nowhere.yaml"])
    assert {p.kind for p in problems} == {"load"}
    assert any(p.path == str(bad) and "not valid YAML" in p.message and p.line == 3
               for p in problems), [str(p) for p in problems]
    assert any(p.path == str(shapeless) and "`parameters` must be a mapping" in p.message
               for p in problems), [str(p) for p in problems]
    assert any(p.path == str(shapeless) and "`rules` must be a list" in p.message
               for p in problems)
    assert any("no such rule pack" in p.message for p in problems)


def test_a_malformed_rule_does_not_hide_the_others(tmp_path):
    _, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace("T-ok", "T-a").replace(
        "    explain:", "    colour: red\n    explain:") + GOOD_RULE.replace(
        "type: indicator", "type: indicatr"))
    assert of_kind(problems, "load") and of_kind(problems, "unknown-type")


# --- unknown types and fields ------------------------------------------------------------------

def test_unknown_type_in_a_condition(tmp_path):
    path, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace(
        "{type: indicator", "{type: indicatr"))
    p = only(problems, "unknown-type")
    assert p.line == line_with(path, "indicatr")
    assert "did you mean 'indicator'?" in p.message and "never fires" in p.message


def test_unknown_type_in_a_conclusion_and_in_produces(tmp_path):
    path, problems = lint_one(tmp_path, """\
produces:
  marked: {indicator: string, stage: integr}
rules:
""" + GOOD_RULE.replace("      - finding:", "      - assert: {type: markd, indicator: x}\n"
                        "      - assert: {type: marked, indicator: x}\n      - finding:"))
    found = of_kind(problems, "unknown-type")
    assert len(found) == 2, [str(p) for p in problems]
    conclusion = next(p for p in found if "markd" in p.message)
    assert conclusion.line == line_with(path, "type: markd")
    assert "declare it under `produces`" in conclusion.message
    assert "did you mean 'marked'?" in conclusion.message
    field_type = next(p for p in found if "integr" in p.message)
    assert field_type.line == line_with(path, "stage: integr")
    assert "did you mean 'integer'?" in field_type.message


def test_unknown_field_in_a_condition(tmp_path):
    path, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace(
        "status: present", "staus: present"))
    p = only(problems, "unknown-field")
    assert p.line == line_with(path, "staus")
    assert "did you mean 'status'?" in p.message


def test_unknown_field_in_a_conclusion(tmp_path):
    path, problems = lint_one(tmp_path, """\
produces:
  marked: {indicator: string}
rules:
""" + GOOD_RULE.replace("      - finding:", "      - assert: {type: marked, indicatr: x}\n"
                        "      - assert: {type: marked, indicator: {ref: ind.indicatr}}\n"
                        "      - finding:").replace(
        "when:\n", "when:\n      - m: {type: marked}\n"))
    found = of_kind(problems, "unknown-field")
    assert len(found) == 2, [str(p) for p in problems]
    assert all("did you mean 'indicator'?" in p.message for p in found)
    assert {p.line for p in found} == {line_with(path, "indicatr: x"),
                                       line_with(path, "ind.indicatr")}


def test_an_extra_pack_is_linted_with_the_shipped_ones_as_context(tmp_path):
    body = "rules:\n" + GOOD_RULE.replace("{type: indicator, status: present}",
                                          "{type: degree, stage: {gte: 5}}").replace(
        "ind.indicator|indicator", "ind.stage").replace(
        "{{ ind.indicator }} at {{ ind.depth }} depth.", "{{ ind.stage }}")
    path = write_pack(tmp_path, body)
    assert of_kind(lint_packs([path]), "unknown-type")
    assert lint_packs([path], context=[default_rules()]) == []


# --- produced but never consumed ---------------------------------------------------------------

def test_a_conclusion_nothing_consumes_is_a_warning(tmp_path):
    path, problems = lint_one(tmp_path, """\
produces:
  marked: {indicator: string}
  used: {indicator: string}
rules:
""" + GOOD_RULE.replace("      - finding:", "      - assert: {type: marked, indicator: x}\n"
                        "      - assert: {type: used, indicator: x}\n      - finding:")
      + GOOD_RULE.replace("T-ok", "T-use").replace("{type: indicator, status: present}",
                                                   "{type: used}").replace(
        "ind.indicator|indicator", "ind.indicator").replace("{{ ind.depth }}", "no"))
    p = only(problems, "unconsumed")
    assert p.severity == WARNING and str(p).startswith(f"{path}:{p.line}: warning: ")
    assert "'marked' is produced but never consumed" in p.message
    assert p.line == line_with(path, "type: marked, indicator: x")
    assert errors(problems) == []


def test_types_the_verdict_reads_are_consumed(tmp_path):
    _, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace(
        "      - finding:", "      - assert: {type: degree, stage: 1}\n      - finding:"))
    assert of_kind(problems, "unconsumed") == []


# --- conditions that can never hold ------------------------------------------------------------

NEVER = {
    "string for an integer": ("{type: indicator, status: present}",
                              "{type: indicator, stage: '3'}", "compares mixed types"),
    "float for an integer": ("{type: indicator, status: present}",
                             "{type: indicator, stage: 3.0}", "write 3"),
    "empty in": ("{type: indicator, status: present}",
                 "{type: indicator, stage: {in: []}}", "lists no value"),
    "join on a missing field": ("{type: indicator, status: present}",
                                "{type: indicator, stage: 3}\n"
                                "      - eng: {type: engagement, stage: {ref: ind.stag}}",
                                "has no field 'stag' (did you mean 'stage'?)"),
    "stage outside 1..7": ("{type: indicator, status: present}",
                           "{type: indicator, stage: 9}", "one of 1, 2, 3"),
    "stage above 7": ("{type: indicator, status: present}",
                      "{type: indicator, stage: {gt: 7}}", "stage: {gt: 7}"),
    "status not prepared": ("{type: indicator, status: present}",
                            "{type: indicator, status: presnt}", "(did you mean 'present'?)"),
    "a list compared": ("{type: indicator, status: present}",
                        "{type: indicator, ended: x}", "is a list"),
    "a bad regex": ("{type: indicator, status: present}",
                    "{type: indicator, indicator: {matches: '(cbm'}}",
                    "not a valid regular expression"),
    "no static fact matches": ("{type: indicator, status: present}",
                               "{type: indicator}\n"
                               "      - s: {type: scale, kind: thret}",
                               "no background fact of type 'scale'"),
    "nothing produces the type": ("{type: indicator, status: present}",
                                  "{type: indicator}\n      - m: {type: marked}",
                                  "no rule asserts 'marked'"),
}


@pytest.mark.parametrize("name", sorted(NEVER))
def test_conditions_that_can_never_hold(tmp_path, name):
    old, new, needle = NEVER[name]
    path, problems = lint_one(tmp_path, """\
facts:
  - {type: scale, kind: threat, rank: 1}
produces:
  marked: {indicator: string}
rules:
""" + GOOD_RULE.replace(old, new))
    p = only(problems, "never-holds")
    assert needle in p.message, p.message
    assert p.line == line_with(path, new.splitlines()[-1].strip())


def test_enabled_when_of_the_wrong_type_never_holds(tmp_path):
    path, problems = lint_one(tmp_path, """\
parameters:
  t.flag: {type: boolean, default: false, doc: d}
rules:
""" + GOOD_RULE.replace("    when:", "    enabled_when: {t.flag: 'yes'}\n    when:"))
    p = only(problems, "never-holds")
    assert "never compiled in" in p.message and p.line == line_with(path, "enabled_when")


def test_tests_that_can_hold_are_not_reported(tmp_path):
    _, problems = lint_one(tmp_path, """\
facts:
  - {type: scale, kind: threat, rank: 1}
parameters:
  t.stages: {type: integers, default: [3, 4], doc: d}
rules:
""" + GOOD_RULE.replace("{type: indicator, status: present}",
                        "{type: indicator, stage: {in: {param: t.stages}}, depth_rank: {gte: 2}}"
                        "\n      - s: {type: scale, kind: threat, rank: {lte: {ref: ind.stage}}}"))
    assert problems == []


# --- duplicate ids and missing texts -----------------------------------------------------------

def test_duplicate_rule_ids_within_a_pack(tmp_path):
    path, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE + GOOD_RULE)
    p = only(problems, "duplicate-id")
    lines = [n for n, t in enumerate(path.read_text().splitlines(), 1) if "id: T-ok" in t]
    assert p.line == lines[1] and f"first at line {lines[0]}" in p.message
    assert of_kind(problems, "load") == []  # the loader's own message is not repeated


def test_duplicate_rule_ids_across_packs(tmp_path):
    first = write_pack(tmp_path, "rules:\n" + GOOD_RULE, name="one")
    second = write_pack(tmp_path, "rules:\n" + GOOD_RULE, name="two")
    problems = lint_packs([first, second])
    p = only(problems, "duplicate-id")
    assert p.path == str(second) and "also used by pack 'one'" in p.message
    assert of_kind(problems, "load") == []


@pytest.mark.parametrize("key", ["statement", "citation", "explain"])
def test_missing_statement_citation_or_explain(tmp_path, key):
    body = "\n".join(line for line in GOOD_RULE.splitlines() if not line.startswith(f"    {key}"))
    path, problems = lint_one(tmp_path, "rules:\n" + body + "\n")
    p = only(problems, "missing-text")
    assert f"missing `{key}`" in p.message and p.line == line_with(path, "id: T-ok")
    assert of_kind(problems, "load") == []


# --- parameters --------------------------------------------------------------------------------

def test_undeclared_parameters(tmp_path):
    path, problems = lint_one(tmp_path, """\
parameters:
  t.limit: {type: integer, default: 2, doc: d}
refines:
  t.limt: 3
rules:
""" + GOOD_RULE.replace("status: present", "status: present, depth_rank: {gte: {param: t.limt}}")
      .replace("    when:", "    enabled_when: {t.flg: true}\n    when:")
      .replace("is present.", "is present above {{ params['t.lmit'] }}.")
      .replace("depth.\"", "depth ({{ params['t.limit'] }}).\""))
    found = of_kind(problems, "undeclared-param")
    assert sorted(p.subject for p in found) == ["t.flg", "t.limt", "t.limt", "t.lmit"]
    assert all("did you mean 't.limit'?" in p.message for p in found if p.subject != "t.flg")
    assert {p.line for p in found} == {line_with(path, "t.limt: 3"),
                                       line_with(path, "param: t.limt"),
                                       line_with(path, "enabled_when"),
                                       line_with(path, "t.lmit")}
    assert of_kind(problems, "unused-param") == []


def test_unused_parameters_are_a_warning(tmp_path):
    path, problems = lint_one(tmp_path, """\
parameters:
  t.unused: {type: number, default: 1, doc: d}
  t.in_text: {type: number, default: 1, doc: d}
rules:
""" + GOOD_RULE.replace("is present.", "is present ({{ params['t.in_text'] }})."))
    p = only(problems, "unused-param")
    assert p.severity == WARNING and p.subject == "t.unused"
    assert p.line == line_with(path, "t.unused")


# --- templates ---------------------------------------------------------------------------------

def test_a_template_that_does_not_parse(tmp_path):
    path, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace(
        "{{ ind.depth }} depth", "{{ ind.depth } depth"))
    p = only(problems, "template-syntax")
    assert "not valid Jinja2" in p.message and p.line == line_with(path, "explain:")


def test_a_template_with_an_unknown_filter(tmp_path):
    _, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace("|indicator", "|indicatr"))
    assert "No filter named 'indicatr'" in only(problems, "template-syntax").message


def test_a_template_naming_what_the_rule_does_not_match(tmp_path):
    path, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace(
        "{{ ind.indicator }} at", "{{ indi.indicator }} at").replace(
        "{{ ind.depth }}", "{{ ind.dept }}"))
    found = of_kind(problems, "template-name")
    assert len(found) == 2, [str(p) for p in problems]
    assert any("names 'indi'" in p.message and "did you mean 'ind'?" in p.message
               for p in found)
    assert any("'ind.dept'" in p.message and "did you mean 'depth'?" in p.message
               for p in found)
    assert {p.line for p in found} == {line_with(path, "explain:")}


def test_template_context_names_are_allowed(tmp_path):
    _, problems = lint_one(tmp_path, "rules:\n" + GOOD_RULE.replace(
        "{{ ind.indicator }} at", "{{ case_id }} {{ year }} {{ ind.get('depth') }} at"))
    assert problems == []


# --- negation cycles -----------------------------------------------------------------------------

CYCLE = """\
produces:
  a: {stage: integer}
  b: {stage: integer}
rules:
  - id: T-a
    statement: s
    citation: c
    when:
      - ind: {type: indicator}
    unless:
      - {type: b, stage: {ref: ind.stage}}
    then:
      - assert: {type: a, stage: {ref: ind.stage}}
    explain: e
  - id: T-b
    statement: s
    citation: c
    when:
      - x: {type: a}
    then:
      - assert: {type: b, stage: {ref: x.stage}}
      - finding: {kind: k, text: t}
    explain: e
"""


def test_a_negation_cycle(tmp_path):
    path, problems = lint_one(tmp_path, CYCLE)
    p = only(problems, "negation-cycle")
    assert p.line == line_with(path, "unless:")
    assert "T-a negates 'b'" in p.message and "T-a -> a -> T-b -> b" in p.message
    assert "no stratification" in p.message


def test_rules_never_enabled_together_make_no_cycle(tmp_path):
    body = CYCLE.replace("rules:", "parameters:\n  t.mode: {type: string, default: x, doc: d}\n"
                         "rules:")
    body = body.replace("    when:\n      - ind:", "    enabled_when: {t.mode: x}\n    when:\n"
                        "      - ind:").replace("    when:\n      - x:",
                                                "    enabled_when: {t.mode: y}\n    when:\n"
                                                "      - x:")
    _, problems = lint_one(tmp_path, body)
    assert of_kind(problems, "negation-cycle") == []


# --- The vocabulary is what preparation builds ----------------------------------------------

def _compatible(declared: str, value: object) -> bool:
    actual = json_type(value)
    return declared in ("any", actual) or (declared == "number" and actual == "integer")


def test_case_vocabulary_matches_preparation():
    """Every prepared fact of every shipped case is in the vocabulary with its JSON type, and
    every field the vocabulary declares is prepared somewhere: a field added to prepare.py (or
    dropped from it) fails here until smaf_expert/vocabulary.py follows."""
    from smaf_expert import make_assessor
    from smaf_expert.reasoning.assess import BASE_TYPES

    assessor = make_assessor()
    static = {f["type"] for pack in assessor.packs for f in pack.facts}
    vocab = vocabulary([], "case")
    seen: set[tuple[str, str]] = set()
    for case_id in assessor.kb.alignments:
        for fact in assessor.assess(case_id).facts:
            if fact["type"] in static:
                continue
            assert fact["type"] in vocab, fact["type"]
            for name, value in fact.items():
                assert name in vocab[fact["type"]], (fact["type"], name)
                assert _compatible(vocab[fact["type"]][name], value), (fact["type"], name, value)
                seen.add((fact["type"], name))
    assert set(BASE_FACTS["case"]) == BASE_TYPES
    # The shipped knowledge carries no theory data for packs: `attribute` facts are checked
    # on a knowledge base that does (tests/reasoning/test_attributes.py).
    declared = {(t, n) for t, fields in BASE_FACTS["case"].items() for n in fields
                if t != "attribute"}
    assert declared <= seen, declared - seen


def test_network_vocabulary_matches_preparation(tmp_path):
    from smaf_expert import make_assessor
    from smaf_expert.reasoning.network import NETWORK_TYPES, network_facts

    threat = {"from": "CHN", "category": "territorial", "level": "growing", "since": 2000,
              "sources": ["s"]}
    nuclear = {"attributes": {"other-pack": {"nuclear": True, "sources": ["s"]}}}
    kb = make_kb(tmp_path, states=with_states(JPN={"threats": [threat]},
                                              AUS={"threats": [threat]}, USA=nuclear),
                 alignments={"c-x": case(["JPN", "AUS"], ev("a1", "consultations", 2000))},
                 relations=[{"type": "alliance", "parties": ["USA", "JPN"], "sources": ["s"],
                             **nuclear},
                            {"type": "animosity", "parties": ["JPN", "AUS"], "sources": ["s"]}],
                 files={"quasi/t.yaml": textwrap.dedent("""\
                     id: t
                     parties: [JPN, AUS]
                     ally: USA
                     threat: CHN
                     periods:
                       - {from: 2000, to: 2020, fears: {JPN: abandonment, AUS: none},
                          ally_commitment: {JPN: weakening}, observed: cooperation,
                          sources: [s]}
                     """)})
    facts = network_facts(make_assessor(kb), 2010)
    vocab = vocabulary([], "network")
    assert set(BASE_FACTS["network"]) == NETWORK_TYPES
    assert {f["type"] for f in facts} == NETWORK_TYPES
    for fact in facts:
        for name, value in fact.items():
            assert name in vocab[fact["type"]], (fact["type"], name)
            assert _compatible(vocab[fact["type"]][name], value), (fact["type"], name, value)


def test_vocabulary_adds_what_packs_produce_and_their_static_facts():
    from conftest import shipped_packs

    vocab = vocabulary(shipped_packs())
    assert vocab["degree"]["stage"] == "integer"
    assert vocab["prerequisite"] == {"type": "string", "stage": "integer",
                                     "requires": "integer", "evidence": "array"}
    assert vocab["band"]["low"] == "integer" and vocab["scale"]["value"] == "string"
    assert vocab["finding"]["kind"] == "string"
    assert all(f["evidence"] == "array" and f["type"] == "string" for f in vocab.values())
    assert "tie" not in vocab and "tie" in vocabulary(shipped_packs(), "network")
