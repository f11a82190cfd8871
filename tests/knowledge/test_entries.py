"""Ids of knowledge entries (DOMAIN.md section 5): derived, written, unique, resolvable."""

from __future__ import annotations

import pytest

import smaf_expert
from smaf_expert.cli import cli
from smaf_expert.knowledge.entries import knowledge_entries, resolve
from tests.conftest import case, ev, line_of, make_kb, with_states

GNP = {"unit": "current US$ billion", "source": "World Bank WDI NY.GDP.MKTP.CD",
       "values": {2020: 2675, 2023: 3550}}


def _kb(tmp_path, relations=None, **states):
    return make_kb(tmp_path, with_states(**states), {"c": case(["USA", "IND"],
                                                               ev("c-1", "cbm", 2000))},
                   relations=relations)


def test_derived_ids_resolve_with_value_year_unit_sources(tmp_path):
    """GNP points, perceptions, orientations, relations and evidence items have derived ids
    that resolve to their entry with value, year, unit, sources and file."""
    kb = smaf_expert.load_knowledge(_kb(
        tmp_path,
        relations=[{"type": "rivalry", "parties": ["IND", "CHN"], "since": 1962,
                    "sources": ["war of 1962"]}],
        IND={"gnp": GNP,
             "threats": [{"from": "CHN", "category": "territorial", "level": "immediate",
                          "since": 2020, "sources": ["Galwan"]}],
             "orientation": [{"since": 2009, "direction": "revisionist",
                              "intensity": "passive", "sources": ["BRIC"]}]}))
    gnp = resolve(kb, "IND#gnp@2023")
    assert (gnp.kind, gnp.value, gnp.year, gnp.unit, gnp.sources) == (
        "gnp", 3550.0, 2023, "current US$ billion", ("World Bank WDI NY.GDP.MKTP.CD",))
    assert gnp.text == "IND GNP 2023: 3,550 current US$ billion"
    assert gnp.file.endswith("states/IND.yaml")
    threat = resolve(kb, "IND#threat/CHN/territorial@2020")
    assert threat.text == "IND perceives CHN as an immediate territorial threat (2020-)"
    assert threat.sources == ("Galwan",)
    assert resolve(kb, "IND#orientation@2009").value == {"direction": "revisionist",
                                                        "intensity": "passive"}
    rivalry = resolve(kb, "relations#rivalry/CHN-IND")
    assert (rivalry.kind, rivalry.year, rivalry.sources) == ("relation", 1962, ("war of 1962",))
    assert resolve(kb, "c-1").sources == ("source of c-1",)
    with pytest.raises(smaf_expert.SmafError, match="no knowledge entry has the id 'nope'"):
        resolve(kb, "nope")


def test_two_relations_of_one_pair_take_their_since_and_written_id_wins(tmp_path):
    """Two alliances of the same pair get `@since`; a written `id:` replaces the derived one."""
    kb = smaf_expert.load_knowledge(_kb(tmp_path, relations=[
        {"type": "alliance", "parties": ["USA", "JPN"], "since": 1951, "until": 1959,
         "sources": ["a"]},
        {"type": "alliance", "parties": ["USA", "JPN"], "since": 1960, "sources": ["b"]},
        {"type": "rivalry", "parties": ["USA", "RUS"], "since": 2014, "id": "us-russia-2014",
         "sources": ["c"]}]))
    assert [r.id for r in kb.relations] == ["relations#alliance/JPN-USA@1951",
                                            "relations#alliance/JPN-USA@1960", "us-russia-2014"]
    assert "us-russia-2014" in knowledge_entries(kb)


def test_an_id_clash_is_a_problem_with_file_and_line(tmp_path, runner):
    """A written id used twice is reported by `kb validate` with file:line of both."""
    root = _kb(tmp_path, IND={"threats": [
        {"from": "CHN", "category": "territorial", "level": "growing", "since": 1998,
         "sources": ["x"], "id": "ind-china"},
        {"from": "PAK", "category": "territorial", "level": "growing", "since": 1998,
         "sources": ["y"], "id": "ind-china"}]})
    result = runner.invoke(cli, ["kb", "validate", "--kb", str(root)])
    assert result.exit_code == 2
    path = root / "states" / "IND.yaml"
    first = line_of(path, "- from: CHN")
    second = line_of(path, "- from: PAK")
    assert (f"  {path}:{second}: id 'ind-china' is also used at {path}:{first}: give one of "
            "the entries its own `id:`") in result.stderr.splitlines()


def test_an_undated_rivals_list_is_a_warning_not_an_error(tmp_path, runner):
    """`kb validate` warns about each undated `rivals:` entry and still exits 0."""
    root = _kb(tmp_path, relations=[{"type": "rivalry", "parties": ["IND", "PAK"],
                                     "since": 1947, "sources": ["s"]}],
               IND={"rivals": ["PAK", "CHN"]})
    result = runner.invoke(cli, ["kb", "validate", "--kb", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")
    path = root / "states" / "IND.yaml"
    line = line_of(path, "rivals:")
    assert result.stderr.splitlines() == [
        f"warning: {path}:{line + 1}: undated rivalry IND-PAK in rivals: list; the dated "
        "rivalry in relations.yaml is read instead",
        f"warning: {path}:{line + 2}: undated rivalry IND-CHN in rivals: list; code it as a "
        "dated rivalry in relations.yaml (since/until, sources)"]


def test_borders_without_sources_is_a_warning(tmp_path, runner):
    """A state with borders but no `sources:` validates, with a warning naming the line."""
    root = _kb(tmp_path, IND={"borders": ["CHN", "PAK"]})
    result = runner.invoke(cli, ["kb", "validate", "--kb", str(root)])
    assert result.exit_code == 0, result.output
    path = root / "states" / "IND.yaml"
    assert result.stderr.splitlines() == [
        f"warning: {path}:{line_of(path, 'borders:')}: borders without sources: give the state "
        "file `sources:` (e.g. the Correlates of War Direct Contiguity data) so that Walt's "
        "proximity can be cited"]
    sourced = _kb(tmp_path / "b", IND={"borders": ["CHN"], "sources": ["COW contiguity"]})
    assert runner.invoke(cli, ["kb", "validate", "--kb", str(sourced)]).stderr == ""
    entry = resolve(smaf_expert.load_knowledge(sourced), "IND#borders")
    assert (entry.value, entry.sources) == (["CHN"], ("COW contiguity",))


def test_power_with_missing_data_cites_the_points_there_are(tmp_path):
    """An undetermined balance of power for want of GNP data cites the points that exist."""
    from tests.conftest import assess

    gnp = {"unit": "current US$ billion", "source": "WDI", "values": {2000: 100}}
    root = make_kb(tmp_path, with_states(USA={"gnp": gnp}, IND={"gnp": gnp}),
                   {"c": case(["USA", "IND"], ev("c-1", "cbm", 2000), against="CHN")})
    v = assess(root, "c", 2005)
    assert v.incentives["bop"]["value"] == "undetermined"
    assert v.incentives["bop"]["evidence"] == ["IND#gnp@2000", "USA#gnp@2000"]


def test_kb_show_follows_a_shipped_trace_to_its_sources(runner):
    """Every id the china-russia verdict cites resolves with `smaf kb show`: its claim, years,
    file:line and every source, as an auditor reads it from the terminal."""
    verdict = smaf_expert.assess("china-russia", 2006)
    cited = sorted({eid for f in verdict.trace for eid in f.evidence})
    assert "chnrus-mtc-2" in cited
    result = runner.invoke(cli, ["kb", "show", *cited])
    assert result.exit_code == 0, result.output
    for eid in cited:
        assert f"\n{eid} [" in "\n" + result.output, eid
    block = result.output.split("chnrus-mtc-2 [evidence] (2006-2007)\n", 1)[1].split("\n\n")[0]
    assert "china-russia.yaml:" in block
    assert "source: 13th session of the China-Russia intergovernmental commission" in block
    assert "source: none given" not in result.output


def test_kb_show_json_and_points_in_time(runner):
    """JSON gives the records of the verdict's evidence map; a GNP figure is shown at its year,
    not as holding from it on."""
    result = runner.invoke(cli, ["kb", "show", "IND#gnp@2020", "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    record = json.loads(result.output)["IND#gnp@2020"]
    assert (record["kind"], record["year"], record["unit"]) == (
        "gnp", 2020, "current US$ billion")
    assert "NY.GDP.MKTP.CD" in record["sources"][0]
    text = runner.invoke(cli, ["kb", "show", "IND#gnp@2020"]).output
    assert text.startswith("IND#gnp@2020 [gnp] (2020)\n")


def test_kb_show_unknown_id_is_an_error_naming_the_closest(runner):
    result = runner.invoke(cli, ["kb", "show", "chnrus-mtc-2", "IND#gnp@2021"])
    assert result.exit_code != 0
    assert "Error: no knowledge entry has the id 'IND#gnp@2021'; did you mean" in result.output
    assert "IND#gnp@2020" in result.output
    assert "Traceback" not in result.output
    # Nothing is printed for the ids that did resolve: the answer is whole or not at all.
    assert "chnrus-mtc-2 [" not in result.output
