"""`smaf panel` (DOMAIN.md section 9): one row per case-year, the contract's columns, the
binary formats read back, the codebook covers every column, and --jobs keeps the order."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from conftest import case, ev, make_kb, with_states

import smaf_expert
from smaf_expert.cli import cli
from smaf_expert.indicators import INDICATORS
from smaf_expert.panel.codebook import definitions, render_codebook
from smaf_expert.panel.panel import PanelSpec, build_panel, kb_version
from smaf_expert.panel.write import stata_names
from smaf_expert.paths import default_knowledge, default_rules

#: The columns DOMAIN.md section 9 names (finding flags are checked separately).
CONTRACT = ["case", "year", "parties", "ccode1", "ccode2", "degree", "level", "ceiling",
            "depth", *(i.id for i in INDICATORS), "bop", "bot", "boi", "overall", "fit", "r",
            "params", "kb_version"]


@pytest.fixture(scope="module")
def shipped_csv(tmp_path_factory):
    """The panel over the shipped knowledge base, as CSV rows (made once: ~20 s)."""
    out = tmp_path_factory.mktemp("panel") / "panel.csv"
    result = CliRunner().invoke(cli, ["panel", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_shipped_panel_has_one_row_per_case_year(shipped_csv):
    """Every case at every year from its first year with evidence to its last coded year (the
    assessor's default year: `coded_to` where declared), once, in order."""
    header, rows = shipped_csv
    assessor = smaf_expert.make_assessor()
    kb = assessor.kb
    expected = []
    for cid in sorted(kb.alignments):
        first = kb.alignments[cid].years()[0]
        last = assessor.default_year(kb.alignments[cid])
        expected += [(cid, str(y)) for y in range(first, last + 1)
                     if all(kb.states[p].exists_in(y) for p in kb.alignments[cid].parties)]
    got = [(r["case"], r["year"]) for r in rows]
    assert len(set(got)) == len(got)
    assert got == expected
    assert set(CONTRACT) <= set(header)


def test_shipped_panel_values(shipped_csv):
    """COW codes for dyads, empty for multilateral cases; finding flags are 0/1; the version
    is the knowledge base's content hash."""
    header, rows = shipped_csv
    by_key = {(r["case"], r["year"]): r for r in rows}
    usind = by_key[("us-india", "2020")]
    assert (usind["ccode1"], usind["ccode2"], usind["parties"]) == ("2", "750", "USA;IND")
    assert usind["mtc"] == "excluded" and usind["f_hedging"] == "1"
    # (USA + IND) / CHN at 2020, from the shipped figures: a new data vintage moves the number,
    # not the formula.
    states = smaf_expert.load_knowledge(default_knowledge()).states
    expected_r = (states["USA"].gnp[2020] + states["IND"].gnp[2020]) / states["CHN"].gnp[2020]
    assert float(usind["r"]) == pytest.approx(expected_r, abs=1e-6)
    multi = by_key[("greece-israel-cyprus", "2018")]
    assert (multi["ccode1"], multi["ccode2"]) == ("", "")
    flags = [c for c in header if c.startswith("f_")]
    assert "f_hedging" in flags and "f_paper_alliance" in flags
    assert {r[c] for r in rows for c in flags} == {"0", "1"}
    assert {r["kb_version"] for r in rows} == {kb_version(default_knowledge())}


def test_codebook_defines_every_column(shipped_csv, runner):
    """Every column of the panel is in the codebook, with the rules it comes from."""
    header, _ = shipped_csv
    result = runner.invoke(cli, ["panel", "--codebook"])
    assert result.exit_code == 0, result.output
    for column in header:
        assert f"| `{column}` |" in result.output, column
    packs = smaf_expert.load_packs([default_rules()])
    rows = {d["column"]: d for d in definitions(packs)}
    assert "S-degree" in rows["degree"]["rules"]
    assert rows["bop"]["rules"].startswith("P-bop.")
    assert "S-hedging" in rows["f_hedging"]["rules"]
    assert render_codebook(packs).startswith("# smaf panel: codebook")


@pytest.fixture
def small_kb(tmp_path):
    return make_kb(tmp_path, states=with_states(USA={"cow": 2}, IND={"cow": 750},
                                                JPN={"cow": 740}), alignments={
        "us-india": case(["USA", "IND"], ev("ui-c", "consultations", 2001, until=2003)),
        "india-japan": case(["IND", "JPN"], ev("ij-c", "consultations", 2010),
                            ev("ij-m", "mtc", 2012, "low")),
    })


def test_binary_formats_read_back_with_pandas(small_kb, tmp_path, runner):
    """Parquet and Stata files hold the same rows as the CSV."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pytest.importorskip("pyreadstat")
    paths = {fmt: tmp_path / f"p.{fmt}" for fmt in ("csv", "parquet", "dta")}
    for fmt, path in paths.items():
        result = runner.invoke(cli, ["panel", "--kb", str(small_kb), "--format", fmt,
                                     "-o", str(path)])
        assert result.exit_code == 0, (result.output, result.exception)
    text = pd.read_csv(paths["csv"])
    parquet = pd.read_parquet(paths["parquet"])
    stata = pd.read_stata(paths["dta"])
    keys = [("india-japan", y) for y in range(2010, 2013)] + [("us-india", y)
                                                               for y in range(2001, 2004)]
    for frame in (text, parquet, stata):
        assert list(zip(frame["case"], frame["year"].astype(int), strict=True)) == keys
        assert list(frame["degree"].astype(int)) == [2, 2, 3, 2, 2, 2]
    assert list(parquet["ccode2"]) == [740, 740, 740, 750, 750, 750]
    assert list(stata.columns) == list(stata_names(list(parquet.columns)).values())


def test_jobs_do_not_change_the_rows(small_kb):
    """Two processes give the same rows in the same order as one."""
    spec = PanelSpec(kb=str(small_kb), start=2002, end=2011)
    assert build_panel(spec, jobs=2) == build_panel(spec, jobs=1)
    _, rows = build_panel(spec)
    assert [(r["case"], r["year"]) for r in rows] == [("india-japan", 2010),
                                                      ("india-japan", 2011),
                                                      ("us-india", 2002), ("us-india", 2003)]


def test_last_year_is_the_coded_to_of_the_case(tmp_path):
    """A case that declares `coded_to` runs to that year, past its last evidence, as
    `smaf assess` without --year does; one without runs to its last year with evidence."""
    root = make_kb(tmp_path, states=with_states(USA={"cow": 2}, IND={"cow": 750},
                                                JPN={"cow": 740}), alignments={
        "us-india": case(["USA", "IND"], ev("ui-c", "consultations", 2001, until=2003),
                         coded_to=2006),
        "india-japan": case(["IND", "JPN"], ev("ij-c", "consultations", 2010)),
    })
    _, rows = build_panel(PanelSpec(kb=str(root)))
    years = {c: [r["year"] for r in rows if r["case"] == c] for c in ("us-india", "india-japan")}
    assert years == {"us-india": list(range(2001, 2007)), "india-japan": [2010]}
    assessor = smaf_expert.make_assessor(root)
    assert assessor.assess("us-india").year == 2006


def test_missing_extra_names_the_install_command(small_kb, tmp_path, runner, monkeypatch):
    """Without pyarrow, --format parquet says what to install, with no traceback."""
    import sys

    # None in sys.modules makes `import pyarrow` fail, as when it is not installed.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    out = tmp_path / "p.parquet"
    result = runner.invoke(cli, ["panel", "--kb", str(small_kb), "--format", "parquet",
                                 "-o", str(out)])
    assert result.exit_code != 0
    assert "Error: --format parquet needs pyarrow" in result.output
    assert "pip install 'smaf-expert[panel]'" in result.output
    assert not out.exists()


def test_stata_names_are_valid_and_distinct():
    """Dashes, leading digits and long names map to valid, distinct Stata names."""
    names = stata_names(["case", "f_alliance-drift", "1st", "f_" + "x" * 40, "f_" + "x" * 41])
    assert names["case"] == "case"
    assert names["f_alliance-drift"] == "f_alliance_drift"
    assert names["1st"] == "v1st"
    assert all(len(n) <= 32 for n in names.values())
    assert len(set(names.values())) == len(names)


def test_unknown_case_and_binary_to_stdout_are_refused(small_kb, runner):
    """Bad requests give a message, not a traceback."""
    result = runner.invoke(cli, ["panel", "--kb", str(small_kb), "--cases", "nope"])
    assert result.exit_code == 2 and "unknown case(s): nope" in result.output
    result = runner.invoke(cli, ["panel", "--kb", str(small_kb), "--format", "dta"])
    assert result.exit_code == 2 and "give -o FILE" in result.output
    result = runner.invoke(cli, ["panel", "--kb", str(small_kb)])
    assert result.exit_code == 0
    assert list(csv.reader(io.StringIO(result.output)))[0][:2] == ["case", "year"]


def test_no_progress_bar_on_a_pipe(small_kb, tmp_path, runner):
    """Standard error that is not a terminal gets no bar, only the one-line summary."""
    out = tmp_path / "p.csv"
    result = runner.invoke(cli, ["panel", "--kb", str(small_kb), "-o", str(out)])
    assert result.exit_code == 0
    assert "Assessing" not in result.output
    assert result.output.startswith("Wrote 6 case-years of 2 cases to ")


def test_binary_output_keeps_the_mode_and_refuses_a_folder(tmp_path):
    """A replaced file keeps its mode; a path that is not a regular file is refused."""
    from smaf_expert.errors import SmafError
    from smaf_expert.panel.write import write_panel

    pytest.importorskip("pyarrow")
    target = tmp_path / "p.parquet"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_panel(str(target), "parquet", ["case", "year"], [{"case": "a", "year": 2000}])
    assert target.stat().st_mode & 0o777 == 0o640 and target.read_bytes()[:4] == b"PAR1"
    with pytest.raises(SmafError, match="not a regular file"):
        write_panel(str(tmp_path), "parquet", ["case"], [{"case": "a"}])
