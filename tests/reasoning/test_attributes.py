"""Theory data (DOMAIN.md section 8): a pack declares the attributes it reads, knowledge files
carry them with sources, the rules see them as `attribute` facts whose evidence resolves to
those sources, and a field no loaded pack declares is refused with its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import case, ev, line_of, make_kb, with_states

import smaf_expert
from smaf_expert.cli import cli
from smaf_expert.errors import KnowledgeError
from smaf_expert.reasoning.network import network_facts

# A pack for a theory the tests never saw elsewhere, written from docs/rule-packs.md alone
# ("A theory that needs its own knowledge"): the democratic peace, with regime type as theory
# data of each state.
DEMOCRATIC_PEACE = textwrap.dedent("""\
    pack: democratic-peace
    theory: The democratic peace
    citation: Bruce Russett, Grasping the Democratic Peace (Princeton, 1993), chapter 1
    knowledge:
      - {entity: state, field: regime, type: string, values: [democracy, autocracy],
         doc: "Regime type in the years assessed"}
      - {entity: case, field: summit, type: boolean}
      - {entity: relation, field: trade_share, type: number}
    produces:
      regime_prediction: {value: string, state: string}
    rules:
      - id: DP-democrat
        statement: A democratic party of an alignment expects peaceful relations with its partners.
        citation: Russett (1993), chapter 1
        when:
          - r: {type: attribute, entity: state, pack: democratic-peace, field: regime,
                value: democracy}
          - m: {type: member, state: {ref: r.of}}
        then:
          - assert: {type: regime_prediction, value: peaceful, state: {ref: m.state}}
        explain: "{{ m.state|state }} is a democracy."
    """)

SOURCE = "Polity V, regime type (2020)"


def _regime(value: str, sid: str, **extra: object) -> dict:
    return {"attributes": {"democratic-peace": {"regime": value, **extra,
                                                "sources": [f"{SOURCE} {sid}"]}}}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    path = tmp_path / "democratic-peace.yaml"
    path.write_text(DEMOCRATIC_PEACE, encoding="utf-8")
    return path


def _kb(tmp_path: Path, **states: dict) -> Path:
    return make_kb(
        tmp_path, states=with_states(**states),
        alignments={"quad": case(["USA", "JPN", "IND", "AUS"], ev("q-1", "cbm", 2000),
                                 against="CHN",
                                 attributes={"democratic-peace": {"summit": True,
                                                                  "sources": ["summit src"]}}),
                    "other": case(["RUS", "PAK"], ev("o-1", "cbm", 2000))},
        relations=[
            {"type": "alliance", "parties": ["USA", "JPN"], "sources": ["s"],
             "attributes": {"democratic-peace": {"trade_share": 0.2, "sources": ["trade"]}}},
            {"type": "alliance", "parties": ["USA", "FRA"], "sources": ["s"],
             "attributes": {"democratic-peace": {"trade_share": 0.1, "sources": ["trade"]}}}])


def test_rule_fires_per_carrying_party_with_evidence_resolving_to_sources(tmp_path, pack):
    """The pack's rule fires once per party coded a democracy (not for the autocracy, not for
    the party with no code, not for a state outside the case), and each firing's evidence ids
    resolve in the verdict to the attribute's own sources."""
    kb = _kb(tmp_path, USA=_regime("democracy", "USA"), JPN=_regime("democracy", "JPN"),
             IND=_regime("autocracy", "IND"), RUS=_regime("democracy", "RUS"))
    verdict = smaf_expert.make_assessor(kb, rules=[pack]).assess("quad", 2010)
    firings = [f for f in verdict.trace if f.rule == "DP-democrat"]
    assert sorted(f.matched["m"]["state"] for f in firings) == ["JPN", "USA"]
    for firing in firings:
        sid = firing.matched["m"]["state"]
        eid = f"{sid}#attributes/democratic-peace"
        assert firing.evidence == [eid]
        assert verdict.evidence[eid]["sources"] == [f"{SOURCE} {sid}"]
        assert verdict.evidence[eid]["file"].endswith(f"states/{sid}.yaml")
    assert {(p["state"], p["value"]) for p in verdict.predictions
            if p["pack"] == "democratic-peace"} == {("USA", "peaceful"), ("JPN", "peaceful")}
    assert verdict.packs["democratic-peace"] == str(pack)


def test_case_sees_its_own_attributes_and_relations_among_its_states(tmp_path, pack):
    """A case sees its parties' and its own attributes, and those of relations among its
    states; a relation with a state outside the case is left out."""
    kb = _kb(tmp_path, USA=_regime("democracy", "USA"), RUS=_regime("democracy", "RUS"))
    verdict = smaf_expert.make_assessor(kb, rules=[pack]).assess("quad", 2010)
    attrs = {(f["entity"], str(f["of"]), f["field"]): f for f in verdict.facts
             if f["type"] == "attribute"}
    assert set(attrs) == {("state", "USA", "regime"), ("case", "quad", "summit"),
                          ("relation", "['USA', 'JPN']", "trade_share")}
    relation = attrs[("relation", "['USA', 'JPN']", "trade_share")]
    assert relation["relation"] == "alliance" and relation["value"] == 0.2
    assert relation["evidence"] == ["relations#alliance/JPN-USA#attributes/democratic-peace"]
    assert attrs[("case", "quad", "summit")]["evidence"] == ["quad#attributes/democratic-peace"]


def test_dated_attribute_holds_only_in_its_years(tmp_path, pack):
    """`since`/`until` in an attribute block date it, as for the other dated entries."""
    kb = _kb(tmp_path, JPN=_regime("democracy", "JPN", since=2005))
    assessor = smaf_expert.make_assessor(kb, rules=[pack])
    before = [f for f in assessor.assess("quad", 2004).trace if f.rule == "DP-democrat"]
    after = [f for f in assessor.assess("quad", 2006).trace if f.rule == "DP-democrat"]
    assert (len(before), len(after)) == (0, 1)


def test_network_scope_sees_every_attribute(tmp_path, pack):
    """The network facts carry the attributes of every state, case and relation."""
    kb = _kb(tmp_path, RUS=_regime("democracy", "RUS"))
    facts = network_facts(smaf_expert.make_assessor(kb, rules=[pack]), 2010)
    seen = {(f["entity"], str(f["of"])) for f in facts if f["type"] == "attribute"}
    assert seen == {("state", "RUS"), ("case", "quad"), ("relation", "['USA', 'JPN']"),
                    ("relation", "['USA', 'FRA']")}


def test_undeclared_field_is_refused_with_file_and_line(tmp_path, pack):
    """A field the loaded pack does not declare is an error at its file and line, from the
    library and from `kb validate --rules` alike."""
    kb = _kb(tmp_path, USA={"attributes": {"democratic-peace": {"regim": "democracy",
                                                                "sources": ["s"]}}})
    path = kb / "states" / "USA.yaml"
    expected = (f"{path}:{line_of(path, 'regim:')}: pack 'democratic-peace' declares no state "
                "attribute 'regim' (did you mean 'regime'?); its state attributes are: regime")
    with pytest.raises(KnowledgeError) as err:
        smaf_expert.make_assessor(kb, rules=[pack])
    assert expected in err.value.message
    result = smaf_expert_cli(["kb", "validate", "--kb", str(kb), "--rules", str(pack)])
    assert result.exit_code == 2
    assert expected in result.output


def test_wrong_type_and_value_outside_values_are_refused(tmp_path, pack):
    """A value of the wrong type, or outside the declared `values`, is refused at its line."""
    kb = _kb(tmp_path, USA=_regime("monarchy", "USA"),
             JPN={"attributes": {"democratic-peace": {"regime": True, "sources": ["s"]}}})
    with pytest.raises(KnowledgeError) as err:
        smaf_expert.make_assessor(kb, rules=[pack])
    usa, jpn = kb / "states" / "USA.yaml", kb / "states" / "JPN.yaml"
    assert [str(p) for p in err.value.problems] == [
        f"{jpn}:{line_of(jpn, 'regime:')}: attribute 'regime' of pack 'democratic-peace' must "
        "be a string (its declaration), not True",
        f"{usa}:{line_of(usa, 'regime:')}: attribute 'regime' of pack 'democratic-peace' is "
        "'monarchy'; the values allowed are: democracy, autocracy"]


def test_attributes_of_packs_not_loaded_are_reported_unchecked(tmp_path):
    """Without the pack, its attributes are not checked, and `kb validate` says so in one
    line; the verdict does not change."""
    kb = _kb(tmp_path, USA={"attributes": {"democratic-peace": {"regim": 1, "sources": ["s"]},
                                           "other-theory": {"x": 1, "sources": ["s"]}}})
    result = smaf_expert_cli(["kb", "validate", "--kb", str(kb)])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "unchecked: attributes of packs not loaded (democratic-peace, other-theory); "
        "give them with --rules to check them")


def test_attribute_without_sources_is_refused(tmp_path):
    """Every attribute block needs sources, as everything in the knowledge base does."""
    kb = _kb(tmp_path, USA={"attributes": {"democratic-peace": {"regime": "democracy"}}})
    with pytest.raises(KnowledgeError) as err:
        smaf_expert.load_knowledge(kb)
    assert "'sources' is a required property" in err.value.message


def smaf_expert_cli(args: list[str]):
    """Run the CLI in-process."""
    from click.testing import CliRunner

    return CliRunner().invoke(cli, args)
