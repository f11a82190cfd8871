"""The assessment year (DOMAIN.md section 6): a case's last coded year by default."""

from __future__ import annotations

import datetime

import pytest
from conftest import assessor, case, ev, make_kb

NOW = datetime.date.today().year


@pytest.mark.parametrize("extra, items, year", [
    ({"coded_to": 2015}, [ev("x-con", "consultations", 2005)], 2015),
    ({}, [ev("x-con", "consultations", 2005), ev("x-ex", "exercises", 2008, until=2012)], 2012),
    ({}, [ev("x-con", "consultations", 2005, until=2007), ev("x-ex", "exercises", 2006)], 2007),
    ({}, [ev("x-con", "consultations", 2005, until=NOW + 20)], NOW),
    ({"coded_to": NOW + 5}, [ev("x-con", "consultations", 2005)], NOW),
], ids=["coded-to", "latest-end", "end-after-start", "end-in-future", "coded-to-in-future"])
def test_default_year_is_the_last_coded_year(tmp_path, extra, items, year):
    """`coded_to` when declared, else the latest year an item starts or ends; never after
    the current year."""
    kb = make_kb(tmp_path, alignments={"x": case(["USA", "JPN"], *items, **extra)})
    a = assessor(kb)
    assert a.default_year(a.case("x")) == year
    assert a.assess("x").year == year


def test_common_year_is_the_earliest_last_coded_year(tmp_path):
    """Several cases: one year, the earliest of their default years, unless one is given."""
    kb = make_kb(tmp_path, alignments={
        "a": case(["USA", "JPN"], ev("a-con", "consultations", 2005), coded_to=2020),
        "b": case(["USA", "JPN"], ev("b-con", "consultations", 2005), coded_to=2016)})
    a = assessor(kb)
    assert a.common_year(["a", "b"]) == 2016
    assert a.common_year(["a", "b"], 2010) == 2010


def test_coded_to_must_be_a_year(tmp_path):
    """A `coded_to` that is not a year is refused with the file named."""
    import smaf_expert

    kb = make_kb(tmp_path, alignments={
        "x": case(["USA", "JPN"], ev("x-con", "consultations", 2005), coded_to="lately")})
    with pytest.raises(smaf_expert.SmafError, match="x.yaml"):
        smaf_expert.load_knowledge(kb)


def test_shipped_cases_default_to_their_last_coded_year():
    """Every shipped case: `coded_to` when the file declares it, else its latest item year."""
    import smaf_expert

    a = smaf_expert.make_assessor()
    for c in a.kb.alignments.values():
        expected = c.coded_to if c.coded_to is not None else c.years()[1]
        assert a.default_year(c) == min(expected, NOW), c.id


def test_cases_lists_years_up_to_the_last_coded_year(tmp_path, runner):
    """`smaf cases` shows each case from its first item year to the year `assess` uses without
    --year: `coded_to` where declared."""
    import json

    from smaf_expert.cli import cli

    kb = make_kb(tmp_path, alignments={
        "a": case(["USA", "JPN"], ev("a-con", "consultations", 2005), coded_to=2020),
        "b": case(["USA", "JPN"], ev("b-con", "consultations", 2005, until=2009))})
    result = runner.invoke(cli, ["cases", "--format", "json", "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert [(r["case"], r["from"], r["to"]) for r in json.loads(result.stdout)] == [
        ("a", 2005, 2020), ("b", 2005, 2009)]
