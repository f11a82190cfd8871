"""Loading and validating knowledge bases: every mistake as file:line: message, all at once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import assess, case, ev, line_of, make_kb, present, with_states

import smaf_expert
from smaf_expert.cli import cli

GOOD_CASE = case(["USA", "IND"], ev("good-1", "cbm", 2000), ev("good-2", "consultations", 2001))
THREAT = {"from": "CHN", "category": "territorial", "level": "immediate", "since": 2020,
          "sources": ["a source"]}
TAXONOMY = {"territorial": "Territorial disputes", "maritime": "Maritime order"}

# id -> (make_kb arguments, file relative to the KB, text on the expected line, message)
MISTAKES: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "malformed-yaml": (
        {"alignments": {"broken": "id: broken\nparties: [USA, IND]\n  evidence: []\n"}},
        "alignments/broken.yaml", "  evidence: []",
        # libyaml and the pure-Python parser word this one differently.
        "not valid YAML: did not find expected key" if yaml.__with_libyaml__ else
        "not valid YAML: expected <block end>, but found '<block mapping start>'"),
    "duplicate-yaml-key": (
        {"alignments": {"twice": "id: twice\nparties: [USA, IND]\nparties: [USA, JPN]\n"
                                 "evidence: []\n"}},
        "alignments/twice.yaml", "parties: [USA, JPN]",
        "not valid YAML: duplicate key 'parties'"),
    "unknown-state": (
        {"alignments": {"us-inn": case(["USA", "INN"], ev("s-1", "cbm", 2000))}},
        "alignments/us-inn.yaml", "- INN",
        "unknown state 'INN' (did you mean 'IND'?): add knowledge/states/INN.yaml or fix the id"),
    "unknown-state-in-relations": (
        {"relations": [{"type": "alliance", "parties": ["USA", "JPM"], "sources": ["x"]}]},
        "relations.yaml", "- JPM",
        "unknown state 'JPM' (did you mean 'JPN'?): add knowledge/states/JPM.yaml or fix the id"),
    "unknown-rival": (
        {"states": with_states(IND={"rivals": ["PAC"]})},
        "states/IND.yaml", "- PAC",
        "unknown state 'PAC' (did you mean 'PAK'?): add knowledge/states/PAC.yaml or fix the id"),
    "unknown-indicator": (
        {"alignments": {"us-japan": case(["USA", "JPN"], ev("i-1", "exercize", 2000))}},
        "alignments/us-japan.yaml", "indicator: exercize",
        "unknown indicator 'exercize' (did you mean 'exercises'?); the indicators are: cbm, "
        "consultations, mtc, exercises, integrated_command, joint_deployment, "
        "common_defence_policy"),
    "duplicate-evidence-id": (
        {"alignments": {"a-first": case(["USA", "FRA"], ev("dup-1", "cbm", 2000)),
                        "b-second": case(["USA", "AUS"], ev("dup-1", "mtc", 2003))}},
        "alignments/b-second.yaml", "id: dup-1",
        "duplicate evidence id 'dup-1' (first used in case 'a-first')"),
    "since-after-until": (
        {"alignments": {"ru-cn": case(["RUS", "CHN"], ev("d-1", "mtc", 2010, until=2005))}},
        "alignments/ru-cn.yaml", "until: 2005",
        "since 2010 is after until 2005"),
    "one-party": (
        {"alignments": {"alone": case(["USA"], ev("o-1", "cbm", 2000))}},
        "alignments/alone.yaml", "parties:",
        "a case needs at least two parties, found 1"),
    "present-without-depth": (
        {"alignments": {"in-ru": case(["IND", "RUS"], ev("nd-1", "mtc", 2000, None))}},
        "alignments/in-ru.yaml", "- id: nd-1",
        "evidence 'nd-1' is present but has no depth (low, developing or high)"),
    "unknown-threat-category": (
        {"states": with_states(IND={"threats": [{**THREAT, "category": "territorail"}]}),
         "taxonomy": TAXONOMY},
        "states/IND.yaml", "category: territorail",
        "unknown threat category 'territorail' (did you mean 'territorial'?): the categories "
        "are listed in taxonomy.yaml"),
    "case-id-not-filename": (
        {"alignments": {"wrong-name": {"id": "other-name", **case(["JPN", "AUS"],
                                                                   ev("w-1", "cbm", 2000))}}},
        "alignments/wrong-name.yaml", "id: other-name",
        "id 'other-name' does not match the file name 'wrong-name.yaml'"),
    "state-id-not-filename": (
        {"states": {**with_states(), "GBR": {"id": "UKG", "name": "United Kingdom"}}},
        "states/GBR.yaml", "id: UKG",
        "id 'UKG' does not match the file name 'GBR.yaml'"),
    "state-from-after-to": (
        {"states": with_states(RUS={"from": 1992, "to": 1991})},
        "states/RUS.yaml", "to: 1991",
        "from 1992 is after to 1991"),
    "dominant-not-a-party": (
        {"relations": [{"type": "hierarchy", "parties": ["USA", "JPN"], "dominant": "AUS",
                        "sources": ["x"]}]},
        "relations.yaml", "dominant: AUS",
        "the dominant state must be one of the parties"),
    "wrong-type": (
        {"alignments": {"us-fr": case(["USA", "FRA"], ev("t-1", "cbm", "2000"))}},
        "alignments/us-fr.yaml", "since: '2000'",
        "evidence.0.since: '2000' is not of type 'integer'"),
    "bad-depth": (
        {"alignments": {"us-au": case(["USA", "AUS"], ev("b-1", "cbm", 2000, "deep"))}},
        "alignments/us-au.yaml", "depth: deep",
        "evidence.0.depth: 'deep' is not one of ['low', 'developing', 'high']"),
}


def build(tmp_path: Path, spec: dict[str, Any], name: str = "kb") -> Path:
    """A KB with the default states and one good case, changed by `spec`."""
    args = {"alignments": {"good-case": GOOD_CASE}, **spec}
    if "alignments" in spec:
        args["alignments"] = {"good-case": GOOD_CASE, **spec["alignments"]}
    return make_kb(tmp_path, name=name, **args)


def problems_of(kb: Path) -> list[str]:
    """The problems load_knowledge reports, as `file:line: message` strings."""
    with pytest.raises(smaf_expert.KnowledgeError) as info:
        smaf_expert.load_knowledge(kb)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("mistake", sorted(MISTAKES), ids=sorted(MISTAKES))
def test_each_mistake_is_reported_with_file_and_line(tmp_path, mistake):
    """One mistake gives exactly one problem: `file:line: message`, on the offending line."""
    spec, rel, needle, message = MISTAKES[mistake]
    kb = build(tmp_path, spec)
    path = kb / rel
    assert problems_of(kb) == [f"{path}:{line_of(path, needle)}: {message}"]


@pytest.mark.parametrize("where, needle", [
    ("top", "colour: red"),
    ("evidence", "depht: high"),
], ids=["top-level-key", "evidence-key"])
def test_unknown_key_points_at_its_line(tmp_path, where, needle):
    """An unknown key is reported at the line of the key itself, naming the key."""
    item = ev("k-1", "cbm", 2000)
    body: dict[str, Any] = case(["USA", "JPN"], item)
    if where == "top":
        body["colour"] = "red"
    else:
        item["depht"] = "high"
    kb = build(tmp_path, {"alignments": {"us-japan": body}})
    path = kb / "alignments" / "us-japan.yaml"
    (problem,) = problems_of(kb)
    key = needle.split(":")[0]
    assert repr(key) in problem
    assert problem.startswith(f"{path}:{line_of(path, needle)}: ")


def test_all_mistakes_of_a_kb_are_reported_at_once(tmp_path):
    """A KB with many mistakes in many files reports every one of them, sorted by file."""
    states = with_states(IND={"threats": [{**THREAT, "category": "territorail"}]},
                         RUS={"from": 1992, "to": 1991})
    alignments: dict[str, Any] = {}
    relations: list = []
    expected = []
    for mistake in ("malformed-yaml", "unknown-state", "unknown-indicator",
                    "duplicate-evidence-id", "since-after-until", "one-party",
                    "present-without-depth", "case-id-not-filename", "dominant-not-a-party"):
        spec, rel, needle, message = MISTAKES[mistake]
        alignments.update(spec.get("alignments", {}))
        relations.extend(spec.get("relations", []))
        expected.append((rel, needle, message))
    for mistake in ("unknown-threat-category", "state-from-after-to"):
        _, rel, needle, message = MISTAKES[mistake]
        expected.append((rel, needle, message))
    kb = build(tmp_path, {"states": states, "alignments": alignments, "relations": relations,
                          "taxonomy": TAXONOMY})
    wanted = sorted(f"{kb / rel}:{line_of(kb / rel, needle)}: {message}"
                    for rel, needle, message in expected)
    got = problems_of(kb)
    assert sorted(got) == wanted
    assert len(got) == 11
    with pytest.raises(smaf_expert.KnowledgeError) as info:
        smaf_expert.load_knowledge(kb)
    assert info.value.message.startswith("11 problems in the knowledge base:\n")


def test_kb_validate_cli_lists_every_problem(tmp_path, runner):
    """`smaf kb validate` exits 2 and prints Error: with every file:line, no traceback."""
    kb = build(tmp_path, {"alignments": {
        **MISTAKES["unknown-state"][0]["alignments"],
        **MISTAKES["since-after-until"][0]["alignments"],
        **MISTAKES["malformed-yaml"][0]["alignments"],
        **MISTAKES["present-without-depth"][0]["alignments"],
    }})
    result = runner.invoke(cli, ["kb", "validate", "--kb", str(kb)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 4 problems in the knowledge base:"
    for key in ("unknown-state", "since-after-until", "malformed-yaml", "present-without-depth"):
        _, rel, needle, message = MISTAKES[key]
        assert f"  {kb / rel}:{line_of(kb / rel, needle)}: {message}" in lines
    for line in lines[1:]:
        assert re.match(r"^  \S+\.yaml:\d+: \S", line), line


def test_kb_validate_cli_ok(tmp_path, runner):
    """A good KB validates with a summary and exit 0."""
    kb = build(tmp_path, {"relations": [{"type": "alliance", "parties": ["USA", "JPN"],
                                         "since": 1960, "sources": ["t"]}]})
    result = runner.invoke(cli, ["kb", "validate", "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 8 states, 1 relations, 1 cases (2 evidence items), "
                                    "0 quasi-alliance triads in ")


def test_missing_kb_folder(tmp_path, runner):
    """A --kb folder that does not exist is an error naming it, exit 2."""
    result = runner.invoke(cli, ["kb", "validate", "--kb", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 1 problem in the knowledge base:")
    assert f"{tmp_path / 'nowhere'}: no such knowledge folder" in result.stderr


def test_schema_error_does_not_hide_other_errors_of_the_file(tmp_path):
    """A file with an unknown key and an unknown state reports both, not the first only."""
    item = ev("m-1", "cbm", 2000, depht="high")
    kb = build(tmp_path, {"alignments": {"us-inn": case(["USA", "INN"], item)}})
    path = kb / "alignments" / "us-inn.yaml"
    got = problems_of(kb)
    assert len(got) == 2, got
    assert any("'depht'" in p and p.startswith(f"{path}:{line_of(path, 'depht:')}: ")
               for p in got)
    assert f"{path}:{line_of(path, '- INN')}: unknown state 'INN' (did you mean 'IND'?): " \
           "add knowledge/states/INN.yaml or fix the id" in got


def test_bad_state_file_gives_no_spurious_unknown_state_errors(tmp_path):
    """A state file with a schema error is reported once; cases naming that state are not
    told to add a file that exists."""
    kb = build(tmp_path, {"states": with_states(IND={"capital": "New Delhi"})})
    got = problems_of(kb)
    assert len(got) == 1, got
    path = kb / "states" / "IND.yaml"
    assert got[0].startswith(f"{path}:{line_of(path, 'capital:')}: ")
    assert "'capital'" in got[0]


def test_valid_kb_loads(tmp_path):
    """A valid KB loads states, relations, cases and an index of evidence by id."""
    kb = build(tmp_path, {
        "states": with_states(IND={"cow": 750, "threats": [THREAT], "rivals": ["PAK"],
                                   "gnp": {"unit": "US$ bn", "source": "WDI",
                                           "values": {2000: 468, 2010: 1676}}}),
        "relations": [{"type": "alliance", "parties": ["USA", "JPN"], "since": 1960,
                       "sources": ["t"]}],
        "taxonomy": TAXONOMY,
        "alignments": {"us-japan": case(["USA", "JPN"], *present("uj", "exercises"),
                                        ev("uj-stop", "exercises", 2005, None,
                                           status="suspended"),
                                        trust="high", against="CHN", name="US-Japan")},
    })
    base = smaf_expert.load_knowledge(kb)
    assert sorted(base.states) == sorted(with_states())
    assert base.states["IND"].gnp == {2000: 468.0, 2010: 1676.0}
    assert base.states["IND"].rivals == ("PAK",)
    assert sorted(base.alignments) == ["good-case", "us-japan"]
    us_japan = base.alignments["us-japan"]
    assert (us_japan.name, us_japan.trust, us_japan.against) == ("US-Japan", "high", "CHN")
    assert sorted(base.evidence) == ["good-1", "good-2", "uj-exercises", "uj-stop"]
    assert base.evidence["uj-stop"].status == "suspended"
    assert base.evidence["uj-exercises"].depth == "developing"
    assert base.threat_categories == TAXONOMY


def test_party_that_did_not_exist_cannot_be_assessed(tmp_path):
    """Assessing a year in which a party did not exist is an AssessmentError."""
    kb = build(tmp_path, {"states": with_states(RUS={"from": 1992}, IND={"to": 2030}),
                          "alignments": {"ru-in": case(["RUS", "IND"], ev("r-1", "mtc", 1995))}})
    with pytest.raises(smaf_expert.AssessmentError) as info:
        assess(kb, "ru-in", 1991)
    assert info.value.message == ("case 'ru-in' cannot be assessed at 1991: Russia (RUS) "
                                  "existed only in 1992-...")
    with pytest.raises(smaf_expert.AssessmentError) as info:
        assess(kb, "ru-in", 2031)
    assert "India (IND) existed only in ...-2030" in info.value.message
    assert assess(kb, "ru-in", 1992).year == 1992
    assert assess(kb, "ru-in", 2030).year == 2030


def test_links_have_the_edges_of_the_graph_in_its_order():
    """`build_links` (no networkx) gives every state the out-edges `build_graph` gives, in the
    same order, every year from 1945 to 2025."""
    from smaf_expert.knowledge.graph import build_graph, build_links
    from smaf_expert.knowledge.loader import load_knowledge
    from smaf_expert.paths import default_knowledge

    kb = load_knowledge(default_knowledge())
    for year in range(1945, 2026, 5):
        g, links = build_graph(kb, year), build_links(kb, year)
        assert [n for n in kb.states if n in g] == [n for n in kb.states if n in links]
        for node in g:
            assert list(g.out_edges(node, data=True)) == links.out_edges(node, data=True)
