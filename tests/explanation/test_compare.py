"""Cases side by side (explanation.compare): the paper's comparison, the table, the JSON."""

from __future__ import annotations

import json
from functools import cache

import pytest
from conftest import assessor, case, ev, make_kb, present, with_states

import smaf_expert
from smaf_expert.explanation.compare import compare, render_compare
from smaf_expert.indicators import INDICATORS

PAPER = ["china-russia", "us-india"]


@cache
def shipped() -> smaf_expert.Assessor:
    """An Assessor over the shipped knowledge base, built once."""
    return smaf_expert.make_assessor()


@cache
def paper() -> dict:
    """China–Russia and US–India, each at its latest year with evidence."""
    return compare(shipped(), PAPER)


def cell(data: dict, indicator: str, case_id: str) -> dict:
    """One case's status and depth on one indicator."""
    row = next(r for r in data["indicators"] if r["id"] == indicator)
    return row["cases"][case_id]


def incentive(data: dict, balance: str, case_id: str) -> dict:
    """One case's value of one balance."""
    return next(r for r in data["incentives"] if r["balance"] == balance)["cases"][case_id]


def test_both_cases_present_on_cbms_and_consultations():
    """The paper: both alignments started with CBMs and have regular consultations."""
    data = paper()
    for indicator in ("cbm", "consultations"):
        for case_id in PAPER:
            assert cell(data, indicator, case_id)["status"] == "present", (indicator, case_id)


def test_china_russia_reaches_integrated_command_and_us_india_does_not():
    """The paper: China–Russia has entered the advanced stages (stage 5), US–India has not."""
    data = paper()
    assert cell(data, "integrated_command", "china-russia")["status"] == "present"
    assert cell(data, "integrated_command", "us-india")["status"] != "present"
    assert data["cases"]["china-russia"]["degree"] >= 5
    assert data["cases"]["us-india"]["degree"] < 5
    assert data["cases"]["china-russia"]["level"] == "advanced"


def test_us_india_overall_incentive_is_weaker():
    """The paper: US–India's incentives (divergent threats and interests) are weaker."""
    data = paper()
    cr, ui = (incentive(data, "overall", c) for c in PAPER)
    assert cr["rank"] is not None and ui["rank"] is not None
    assert ui["rank"] < cr["rank"]
    assert (ui["value"], cr["value"]) == ("weak", "moderate")


def test_rows_cover_every_stage_and_balance_in_order():
    """Seven indicator rows in stage order and four incentive rows, each with both cases."""
    data = paper()
    assert [r["stage"] for r in data["indicators"]] == list(range(1, 8))
    assert [r["id"] for r in data["indicators"]] == [i.id for i in INDICATORS]
    assert [r["balance"] for r in data["incentives"]] == ["bop", "bot", "boi", "overall"]
    for row in data["indicators"] + data["incentives"]:
        assert list(row["cases"]) == PAPER
    assert incentive(data, "bop", "us-india")["measure"].startswith("r = ")
    assert incentive(data, "overall", "us-india")["measure"] == "policy: min"


def test_verdict_fields_match_the_assessments():
    """Degree, level, depth, ceiling, fit and year are those of each case's verdict."""
    data = paper()
    for case_id in PAPER:
        v = shipped().assess(case_id)
        got = data["cases"][case_id]
        assert (got["year"], got["degree"], got["level"], got["depth"], got["ceiling"]) == (
            v.year, v.degree, v.level, v.depth, v.ceiling)
        assert got["fit"] == {"value": v.fit["value"], "expected": v.fit["expected"]}
        assert got["parties"] == v.parties


def test_one_year_for_all_cases():
    """Given a year, every case is assessed at it."""
    data = compare(shipped(), PAPER, 2019)
    assert data["year"] == 2019
    assert {c["year"] for c in data["cases"].values()} == {2019}


def test_text_table():
    """The table names both cases in its header and shows every stage's status and depth."""
    text = render_compare(paper())
    lines = text.splitlines()
    # China–Russia's latest year with evidence is 2021: Joint Sea resumes after the 2020 gap
    # (chnrus-ex-4).
    assert lines[0] == ("Comparison: China–Russia (2021); United States–India (2023)")
    assert lines[1].split() == PAPER
    assert any(line.split()[:4] == ["5", "integrated_command", "present", "low"]
               for line in lines)
    row = next(line for line in lines if line.strip().startswith("1 cbm"))
    assert row.split()[2:] == ["present", "high", "present", "high"]
    overall = next(line for line in lines if line.strip().startswith("overall"))
    assert overall.split()[1:] == ["moderate", "(policy:", "min)", "weak", "(policy:", "min)"]
    assert all(line == line.rstrip() for line in lines)
    # The second column starts at the same place on every row that has one.
    starts = {line.index("present high", 26) for line in lines
              if line.strip().startswith(("1 cbm", "2 consultations"))}
    assert len(starts) == 1


def test_json_round_trip():
    """`json` gives the same data."""
    data = paper()
    assert json.loads(render_compare(data, "json")) == json.loads(json.dumps(data))


def test_small_kb_statuses(tmp_path):
    """Excluded, unknown and absent statuses and an undetermined incentive come through."""
    kb = make_kb(tmp_path, states=with_states(USA={"rivals": ["RUS"]}), alignments={
        "us-india": case(["USA", "IND"], *present("ui", "cbm", "consultations"),
                         ev("ui-mtc", "mtc", 2000, "low"),
                         ev("ui-no-ic", "integrated_command", 2000, None, status="absent")),
        "russia-india": case(["RUS", "IND"], ev("ri-mtc", "mtc", 1995, "high")),
        "us-japan": case(["USA", "JPN"], *present("uj", "cbm", "consultations", "exercises")),
    })
    data = compare(assessor(kb), ["us-india", "us-japan"], 2010)
    assert cell(data, "mtc", "us-india") == {"status": "excluded", "depth": "low"}
    assert cell(data, "integrated_command", "us-india")["status"] == "absent"
    assert cell(data, "exercises", "us-india")["status"] == "unknown"
    assert cell(data, "exercises", "us-japan")["status"] == "present"
    assert data["cases"]["us-japan"]["degree"] == 4
    bop = incentive(data, "bop", "us-india")
    assert bop["value"] == "undetermined" and bop["rank"] is None
    assert "us-india" in render_compare(data)


@pytest.mark.parametrize("ids, message", [
    ([], "at least one case"),
    (["us-india", "us-india"], "named twice: us-india"),
    (["us-indai"], "did you mean us-india"),
], ids=["empty", "duplicate", "unknown"])
def test_bad_case_lists(ids, message):
    """Bad case lists are errors that say what is wrong."""
    with pytest.raises(smaf_expert.AssessmentError, match=message):
        compare(shipped(), ids)


def test_unknown_format():
    """An unknown format is an error naming the formats."""
    with pytest.raises(smaf_expert.AssessmentError, match="formats: text, json"):
        render_compare(paper(), "html")
