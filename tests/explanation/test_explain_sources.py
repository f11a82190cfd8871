"""Explanations reach the source: leaves are knowledge entries with value, year, unit and
sources (issue 12); conclusions cite only the entries their rules read."""

from __future__ import annotations

import pytest

from smaf_expert.cli import cli
from tests.conftest import assess, case, ev, findings_by, make_kb, with_states

GNP = "sources: World Bank WDI, GDP (current US$), series NY.GDP.MKTP.CD: GDP (not GNP)"


def _leaves(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("# ")]


def test_explain_bop_ends_at_the_gnp_figures(runner):
    """`smaf explain us-india --about bop` ends at each GNP point with year, unit and source."""
    result = runner.invoke(cli, ["explain", "us-india", "--about", "bop", "--year", "2023"])
    assert result.exit_code == 0, result.output
    assert _leaves(result.output) == [
        "# USA GNP 2023: 27,400 current US$ billion [USA#gnp@2023]",
        "# IND GNP 2023: 3,550 current US$ billion [IND#gnp@2023]",
        "# CHN GNP 2023: 17,800 current US$ billion [CHN#gnp@2023]"]
    assert result.output.count(GNP) == 3
    # The measure is rounded for reading; the rules compare it unrounded.
    assert "r=1.74, parties_gnp=30950, against_gnp=17800" in result.output


def test_explain_bot_shows_both_parties_perceptions(runner):
    """`--about bot` on china-russia reaches the perception of each party, with sources."""
    result = runner.invoke(cli, ["explain", "china-russia", "--about", "bot", "--year", "2019"])
    assert result.exit_code == 0, result.output
    leaves = _leaves(result.output)
    assert any(leaf.endswith("[RUS#threat/USA/global_order@2014]") for leaf in leaves)
    assert any(leaf.endswith("[CHN#threat/USA/global_order@2018]") for leaf in leaves)
    assert "Military Doctrine of the Russian Federation (December 2014)" in result.output


def test_explain_overall_reaches_the_perceptions_behind_bot(runner):
    """`--about overall` on us-india (BOT weak: no common threat) reaches both parties'
    perceptions, e.g. India's territorial and the US global-order perception of China."""
    result = runner.invoke(cli, ["explain", "us-india", "--about", "overall", "--year", "2023"])
    assert result.exit_code == 0, result.output
    text = "\n".join(_leaves(result.output))
    assert "[IND#threat/CHN/territorial@2020]" in text
    assert "[USA#threat/CHN/global_order@2017]" in text


def test_categorical_mismatch_cites_both_perceptions():
    """A categorical mismatch finding carries the ids of the perceptions it compares (one
    finding per threat state: every party's perceptions of it)."""
    from smaf_expert import assess as assess_shipped

    v = assess_shipped("us-india", 2023)
    mismatches = [f["evidence"] for f in v.findings if f["kind"] == "categorical_mismatch"]
    (ids,) = mismatches
    assert {"IND#threat/CHN/territorial@2020", "USA#threat/CHN/global_order@2017"} <= set(ids)
    assert v.evidence["IND#threat/CHN/territorial@2020"]["sources"]


@pytest.fixture
def treaty_kb(tmp_path):
    gnp = {"unit": "current US$ billion", "source": "WDI", "values": {2000: 100}}
    return make_kb(tmp_path, with_states(USA={"gnp": {**gnp, "values": {2000: 1100}}},
                                         JPN={"gnp": gnp}),
                   {"us-japan": case(["USA", "JPN"], ev("uj-cbm", "cbm", 2000),
                                     ev("uj-con", "consultations", 2000))},
                   relations=[{"type": "alliance", "parties": ["USA", "JPN"], "since": 1960,
                               "sources": ["the treaty"]}])


def test_conclusions_cite_only_the_fields_their_rules_read(treaty_kb):
    """The paper-alliance finding reads `treaty` and cites the alliance; the hierarchy finding
    reads the GNP ratio and cites the GNP points; the degree cites neither."""
    v = assess(treaty_kb, "us-japan", 2005)
    (paper,) = findings_by(v, "S-treaty.paper")
    assert "relations#alliance/JPN-USA" in paper["evidence"]
    assert "USA#gnp@2000" not in paper["evidence"]
    (hierarchy,) = findings_by(v, "S-hierarchy.gnp")
    assert hierarchy["evidence"] == ["JPN#gnp@2000", "USA#gnp@2000", "uj-con"]
    degree = next(f for f in v.derived if f["type"] == "degree")
    assert degree["evidence"] == ["uj-con"]  # the top stage that counts, nothing else
    assert v.evidence["relations#alliance/JPN-USA"]["sources"] == ["the treaty"]
