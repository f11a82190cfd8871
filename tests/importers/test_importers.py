"""`smaf import`: each importer, on a file in its dataset's real layout (title lines, spacer
columns, missing cells, a name that does not map), adds entries with provenance, leaves
hand-coded entries and comments alone, keeps the knowledge base valid, and is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import case, ev, make_kb, with_states

import smaf_expert
from smaf_expert.cli import cli
from smaf_expert.errors import InputError
from smaf_expert.importers import run_import
from smaf_expert.importers.crosswalk import cow_of_iso3, iso3_of_cow, iso3_of_sipri, split_by_cow

RELATIONS = """\
# Hand-written relations: this comment must survive an import.
- type: rivalry
  parties: [CHN, IND]
  since: 1962
  sources: ["hand source"]   # trailing comment
- {type: alliance, parties: [USA, JPN], since: 1960, sources: ["treaty"]}
"""

WDI = ('\ufeff"Data Source","World Development Indicators",\n\n'
       '"Last Updated Date","2024-06-28",\n\n'
       '"Country Name","Country Code","Indicator Name","Indicator Code","2019","2020","2021",\n'
       '"India","IND","GDP (current US$)","NY.GDP.MKTP.CD","2835606256558.5",'
       '"2671595389575.69","",\n'
       '"World","WLD","GDP (current US$)","NY.GDP.MKTP.CD","87000000000000","","",\n'
       '"Japan","JPN","GDP (current US$)","NY.GDP.MKTP.CD","5117993853016.51",'
       '"5055587093501.59","5034620784584.98",\n'
       '"France","FRA","GDP (current US$)","NY.GDP.MKTP.CD","","","",\n')

RIVALRIES = """\
rivalryno,rivalryname,ccode1,ccode2,styear,endyear,region,type1,type2,type3
1,China-India,710,750,1948,,Asia,spatial,positional,
2,Japan-Russia,740,365,1950,2010,Asia,positional,spatial,
3,South Vietnam-North Vietnam,817,816,1954,1975,Asia,positional,,
4,Pakistan-India,770,750,1947,,Asia,spatial,,
"""

SIPRI = """\
"Transfers of major weapons: Deals with deliveries or orders made for 2000 to 2020"
"Information generated: 15 March 2024"

"Recipient","Supplier","Year of order","","Number ordered","","Weapon designation","Weapon description","Number delivered","","Year(s) of delivery","status","Comments","SIPRI TIV per unit","SIPRI TIV for total order","SIPRI TIV of delivered weapons"
"India","Russia","2001","","140","","Su-30MK","FGA aircraft","140","","2002-2015","New","","37","5180","5180"
"India","United States","2008","","8","","P-8A Poseidon","ASW aircraft","8","","2013-2015","New","","","240","240"
"India","United States","2016","","2","","C-17","transport aircraft","","","","New","","","","10"
"South Vietnam","United States","1965","","10","","M-113","APC","10","","1966","Second hand","","","5","5"
"Japan","United States","2010","","3","","E-2D","AEW aircraft","3","","2014-2017","New","","","","600"
"""  # noqa: E501 (the register's real, long lines)

COW = """\
stateabb,ccode,statenme,styear,stmonth,styday,endyear,endmonth,endday,version
USA,2,United States of America,1816,1,1,2016,12,31,2016
RUS,365,Russia,1816,1,1,2016,12,31,2016
RVN,817,Republic of Vietnam,1954,6,4,1975,4,30,2016
IND,750,India,1947,8,15,2016,12,31,2016
JPN,740,Japan,1816,1,1,1945,9,2,2016
JPN,740,Japan,1952,4,28,2016,12,31,2016
"""


@pytest.fixture
def kb(tmp_path) -> Path:
    """A knowledge base with hand-coded entries each importer must leave alone."""
    return make_kb(tmp_path, states=with_states(
        IND={"cow": 750, "gnp": {"unit": "current US$ billion", "source": "hand",
                                 "values": {2019: 2000}}},
        RUS={"from": 1991}, SUN={"name": "Soviet Union", "from": 1922, "to": 1991},
        VNM={"name": "Viet Nam"}), relations=None, files={"relations.yaml": RELATIONS},
        alignments={
            "us-india": case(["USA", "IND"], ev("ui-c", "consultations", 2005),
                             ev("ui-mtc", "mtc", 2015, "developing")),
            "russia-india": "# Russia-India, hand-written.\nid: russia-india\n"
                            "parties: [RUS, IND]\nevidence:\n"
                            "  - id: ri-c   # the first item\n    indicator: consultations\n"
                            "    since: 1994\n    depth: high\n    claim: talks\n"
                            "    sources: [\"hand\"]\n\n# trailing note\n",
        })


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text("utf-8") for p in sorted(root.rglob("*.yaml"))}


def _import(kb: Path, tmp_path: Path, dataset: str, text: str, name: str):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    before = _files(kb)
    edits, report = run_import(dataset, kb, source)
    smaf_expert.load_knowledge(kb)  # still validates
    after = _files(kb)
    again, second = run_import(dataset, kb, source)
    assert not again.changed() and _files(kb) == after, "a second run changed something"
    assert not second.added and not second.updated
    return before, after, report


def test_wdi_adds_series_with_provenance_and_keeps_hand_coded(kb, tmp_path):
    before, after, report = _import(kb, tmp_path, "wdi-gdp", WDI, "API_NY.GDP.MKTP.CD.csv")
    jpn = yaml.safe_load(after["states/JPN.yaml"])
    assert jpn["gnp"] == {"unit": "current US$ billion",
                          "source": "World Bank WDI, GDP (current US$), series NY.GDP.MKTP.CD",
                          "values": {2019: 5117.994, 2020: 5055.587, 2021: 5034.621}}
    assert jpn["imported"]["gnp"] == {
        "dataset": "wdi-gdp", "version": "WDI, last updated 2024-06-28",
        "file": "API_NY.GDP.MKTP.CD.csv", "row": 8, "indicator": "NY.GDP.MKTP.CD",
        "columns": "2019-2021"}
    assert after["states/IND.yaml"] == before["states/IND.yaml"]
    assert any(c.startswith("IND gnp: hand-coded GNP differs") for c in report.conflicts)
    assert any("WLD" in n for n in report.notes)  # the aggregate and FRA: no state file


def test_rivalries_become_dated_relations_cut_at_code_changes(kb, tmp_path):
    before, after, report = _import(kb, tmp_path, "rivalries", RIVALRIES, "rivalries.csv")
    text = after["relations.yaml"]
    assert text.startswith(before["relations.yaml"])  # comments and hand entries untouched
    imported = [r for r in yaml.safe_load(text) if r.get("imported") == "rivalries"]
    assert [(r["parties"], r["since"], r.get("until")) for r in imported] == [
        (["JPN", "SUN"], 1950, 1991), (["JPN", "RUS"], 1992, 2010), (["PAK", "IND"], 1947, None)]
    assert imported[0]["provenance"] == {"dataset": "rivalries", "file": "rivalries.csv",
                                         "row": 3, "rivalryno": 2}
    assert report.conflicts == ["rivalry CHN-IND 1948- (row 2): hand-coded in relations.yaml "
                                "as 1962-"]
    assert report.unmapped == ["row 4: ccode 817 (South Vietnam-North Vietnam) is not in the "
                               "crosswalk"]


def test_rivalries_update_in_place(kb, tmp_path):
    """A corrected row updates its entry where it stands; others stay byte for byte."""
    _import(kb, tmp_path, "rivalries", RIVALRIES, "rivalries.csv")
    source = tmp_path / "rivalries.csv"
    source.write_text(RIVALRIES.replace("1947,,Asia", "1947,2021,Asia"), encoding="utf-8")
    _, report = run_import("rivalries", kb, source)
    assert report.updated == ["rivalry PAK-IND 1947-2021"] and not report.added
    last = yaml.safe_load((kb / "relations.yaml").read_text("utf-8"))[-1]
    assert (last["parties"], last["until"]) == (["PAK", "IND"], 2021)


def test_sipri_adds_low_confidence_mtc_evidence(kb, tmp_path):
    before, after, report = _import(kb, tmp_path, "sipri-trade", SIPRI, "trade-register.csv")
    ri = after["alignments/russia-india.yaml"]
    assert ri.startswith(before["alignments/russia-india.yaml"].split("\n\n# trailing")[0])
    assert "# the first item" in ri and "# trailing note" in ri
    items = yaml.safe_load(ri)["evidence"]
    deal = items[-1]
    assert deal["id"] == "sipri-rus-ind-2001-su-30mk"
    assert (deal["indicator"], deal["depth"], deal["since"], deal["until"]) == (
        "mtc", "high", 2001, 2015)
    assert deal["confidence"] == "low" and deal["imported"] == "sipri-trade"
    assert deal["provenance"]["row"] == 5 and deal["provenance"]["file"] == "trade-register.csv"
    assert "Information generated: 15 March 2024" in deal["provenance"]["version"]
    # P-8A (developing, 2008-2015) overlaps the hand-coded developing item: added beside it;
    # C-17 (low, nothing delivered: open) disagrees in depth with it from 2016: hand-coded wins.
    usind = yaml.safe_load(after["alignments/us-india.yaml"])["evidence"]
    assert [e["id"] for e in usind] == ["ui-c", "ui-mtc", "sipri-usa-ind-2008-p-8a-poseidon"]
    assert any("sipri-usa-ind-2016-c-17" in c and "ui-mtc" in c for c in report.conflicts)
    assert report.unmapped == ["SIPRI name 'South Vietnam' (rows 8)"]
    assert "USA->JPN: 1 deal(s), no case with exactly these parties" in report.skipped


def test_cow_states_sets_codes_and_years(kb, tmp_path):
    before, after, report = _import(kb, tmp_path, "cow-states", COW, "states2016.csv")
    usa = yaml.safe_load(after["states/USA.yaml"])
    assert (usa["cow"], usa["from"], "to" in usa) == (2, 1816, False)
    assert usa["imported"]["cow"] == {"dataset": "cow-states", "version": "2016",
                                      "file": "states2016.csv", "row": 2}
    jpn = yaml.safe_load(after["states/JPN.yaml"])
    assert (jpn["cow"], jpn["from"]) == (740, 1952)  # the latest spell
    ind = yaml.safe_load(after["states/IND.yaml"])  # cow 750 hand-coded and agrees: kept
    assert after["states/IND.yaml"].startswith(before["states/IND.yaml"])
    assert (ind["cow"], ind["from"], list(ind["imported"])) == (750, 1947, ["from"])
    rus = yaml.safe_load(after["states/RUS.yaml"])  # hand-coded from 1991 wins over 1992
    assert (rus["cow"], rus["from"], list(rus["imported"])) == (365, 1991, ["cow"])
    assert any(c.startswith("RUS from: hand-coded 1991, the dataset says 1992")
               for c in report.conflicts)
    assert report.unmapped == ["row 4: ccode 817 (Republic of Vietnam) is not in the crosswalk"]


def test_a_rivalry_hand_coded_with_the_same_years_is_counted_unchanged(kb, tmp_path):
    _, after, report = _import(kb, tmp_path, "rivalries",
                               RIVALRIES.replace("710,750,1948,,", "710,750,1962,,"),
                               "rivalries.csv")
    assert "rivalry CHN-IND 1962- (hand-coded, agrees with the dataset)" in report.unchanged
    assert not report.conflicts
    assert sum(set(r["parties"]) == {"CHN", "IND"} for r in yaml.safe_load(
        after["relations.yaml"])) == 1


def test_entries_a_newer_file_no_longer_has_are_kept_and_named(kb, tmp_path, runner):
    """What an earlier import wrote and the file dropped stays (the file may be an extract) but
    is listed, in the report and in the command's summary; a file that still has it lists
    nothing."""
    _import(kb, tmp_path, "rivalries", RIVALRIES, "rivalries.csv")
    source = tmp_path / "rivalries.csv"
    source.write_text("\n".join(RIVALRIES.splitlines()[:3]) + "\n", encoding="utf-8")  # no PAK
    _, report = run_import("rivalries", kb, source)
    assert report.stale == ["rivalry PAK-IND 1947- (relations.yaml, rivalry 4)"]
    kept = [r for r in yaml.safe_load((kb / "relations.yaml").read_text("utf-8"))
            if r.get("imported")]
    assert [r["parties"] for r in kept] == [["JPN", "SUN"], ["JPN", "RUS"], ["PAK", "IND"]]
    # Re-dated by the list: the old piece is named, the new one added.
    source.write_text(RIVALRIES.replace("1947,,Asia", "1948,,Asia"), encoding="utf-8")
    _, report = run_import("rivalries", kb, source)
    assert report.stale == ["rivalry PAK-IND 1947- (relations.yaml, rivalry 4)"]
    assert report.added == ["rivalry PAK-IND 1948-"]
    result = runner.invoke(cli, ["import", "rivalries", str(source), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "1 imported before, not in this file" in result.output
    assert ("not in this file (kept; delete it by hand if the dataset dropped it): rivalry "
            "PAK-IND 1947- (relations.yaml, rivalry 4)") in result.output

    _import(kb, tmp_path, "sipri-trade", SIPRI, "trade-register.csv")
    lines = SIPRI.splitlines()
    source = tmp_path / "trade-register.csv"
    source.write_text("\n".join(lines[:5] + lines[6:]) + "\n", encoding="utf-8")  # no P-8A
    _, report = run_import("sipri-trade", kb, source)
    assert report.stale == ["us-india.yaml: sipri-usa-ind-2008-p-8a-poseidon"]
    source.write_text(SIPRI, encoding="utf-8")
    _, report = run_import("sipri-trade", kb, source)
    assert report.stale == [] and report.unchanged


def test_an_earlier_import_edited_by_hand_to_three_parties_is_named_not_a_crash(kb, tmp_path):
    """The not-in-this-file list labels an entry as it stands, whatever a hand edit left."""
    _import(kb, tmp_path, "rivalries", RIVALRIES, "rivalries.csv")
    relations = kb / "relations.yaml"
    relations.write_text(relations.read_text("utf-8").replace(
        "parties: [PAK, IND]", "parties: [PAK, IND, CHN]"), encoding="utf-8")
    source = tmp_path / "rivalries.csv"
    source.write_text("\n".join(RIVALRIES.splitlines()[:3]) + "\n", encoding="utf-8")
    _, report = run_import("rivalries", kb, source)
    assert report.stale == ["rivalry PAK-IND-CHN 1947- (relations.yaml, rivalry 4)"]


def test_cow_states_names_an_imported_end_the_file_no_longer_gives(kb, tmp_path):
    older = COW.replace("IND,750,India,1947,8,15,2016", "IND,750,India,1947,8,15,2011")
    _import(kb, tmp_path, "cow-states", older, "states2016.csv")
    assert yaml.safe_load((kb / "states/IND.yaml").read_text("utf-8"))["to"] == 2011
    _, _, report = _import(kb, tmp_path, "cow-states", COW, "states2016.csv")
    assert report.stale == ["IND to (states/IND.yaml): this file has the state in the system "
                            "to its last year, 2016"]


def test_dry_run_shows_the_diff_and_writes_nothing(kb, tmp_path, runner):
    source = tmp_path / "rivalries.csv"
    source.write_text(RIVALRIES, encoding="utf-8")
    before = _files(kb)
    result = runner.invoke(cli, ["import", "rivalries", str(source), "--kb", str(kb),
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+- type: rivalry" in result.output and "+  parties: [JPN, SUN]" in result.output
    assert "1 file(s) would change: relations.yaml" in result.output
    assert _files(kb) == before


def test_a_file_of_another_layout_is_refused(kb, tmp_path, runner):
    source = tmp_path / "wrong.csv"
    source.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", "sipri-trade", str(source), "--kb", str(kb)])
    assert result.exit_code == 2
    assert "not a sipri-trade file: no header line with the columns Recipient" in result.output
    with pytest.raises(InputError, match="one indicator in current US"):
        source.write_text(WDI.replace("NY.GDP.MKTP.CD", "NY.GDP.MKTP.KD.ZG"), encoding="utf-8")
        run_import("wdi-gdp", kb, source)


def test_crosswalk_traps():
    """The known traps map by year; what has no ISO3 code maps to nothing."""
    assert [iso3_of_cow(365, y) for y in (1900, 1950, 1991, 1992)] == ["RUS", "SUN", "SUN",
                                                                       "RUS"]
    assert [iso3_of_cow(345, y) for y in (1900, 1980, 2000, 2010)] == ["SRB", "YUG", "SCG",
                                                                       "SRB"]
    assert iso3_of_cow(255, 2000) == iso3_of_cow(260, 1970) == "DEU"
    assert cow_of_iso3("DEU") == 255 and cow_of_iso3("SUN") == 365
    assert iso3_of_cow(816, 1960) == "VNM" and iso3_of_cow(817, 1960) is None
    assert split_by_cow(365, 1950, None) == [("SUN", 1950, 1991), ("RUS", 1992, None)]
    assert iso3_of_sipri("Viet Nam") == "VNM" and iso3_of_sipri("south vietnam") is None
    assert iso3_of_sipri("Soviet Union") == "SUN" and iso3_of_sipri("West Germany (FRG)") == "DEU"
    assert iso3_of_sipri("Russian Federation") is None  # not in the table: never guessed


def test_cli_spells_the_importers_and_thresholds_as_they_are():
    """The CLI names every importer and SIPRI's thresholds without importing them (so that
    `smaf --help` stays light): its copies match the importers."""
    from smaf_expert.cli import importers as cli_importers
    from smaf_expert.importers import IMPORTERS, sipri

    assert cli_importers.DATASETS == tuple(sorted(IMPORTERS))
    assert (cli_importers.TIV_HIGH, cli_importers.TIV_DEVELOPING) == (sipri.TIV_HIGH,
                                                                      sipri.TIV_DEVELOPING)
