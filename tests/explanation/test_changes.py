"""Timelines say why (issue 12): each change of degree or of a profile entry names its cause."""

from __future__ import annotations

import json

from smaf_expert.cli import cli
from tests.conftest import case, ev, make_kb, with_states


def _kb(tmp_path):
    """us-india: consultations from 2000, exercises 2000-2007 (high); India exercises with China
    from 2000; the US-China rivalry is dated from 2005."""
    return make_kb(tmp_path, with_states(), {
        "us-india": case(["USA", "IND"], ev("ui-con", "consultations", 2000),
                         ev("ui-ex", "exercises", 2000, "high", until=2007)),
        "ind-chn": case(["IND", "CHN"], ev("ic-ex", "exercises", 2000, "high")),
    }, relations=[{"type": "rivalry", "parties": ["USA", "CHN"], "since": 2005,
                   "sources": ["a rivalry study"]}])


def test_timeline_names_the_rivalry_that_began_and_the_item_that_ended(tmp_path, runner):
    """The drop in 2005 is caused by the rivalry that began (exclusion as hedging); the change
    in 2008 by the item that ended: in text and in JSON."""
    kb = str(_kb(tmp_path))
    result = runner.invoke(cli, ["timeline", "us-india", "--from", "2004", "--to", "2008",
                                 "--kb", kb, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["year"]: r for r in json.loads(result.output)}
    (exercises, degree) = rows[2005]["changes"]
    assert exercises == {
        "indicator": "exercises", "stage": 4, "from": "high", "to": "excluded (high)",
        "cause": "exclusion began: IND engages CHN, a strategic rival of USA "
                 "(began: relations#rivalry/CHN-USA)",
        "evidence": ["ic-ex", "relations#rivalry/CHN-USA", "ui-ex"]}
    assert degree["cause"] == ("degree fell 4->2: exercises high->excluded (high) (exclusion "
                               "began: IND engages CHN, a strategic rival of USA (began: "
                               "relations#rivalry/CHN-USA))")
    assert rows[2006]["changes"] == []
    (ended,) = rows[2008]["changes"]
    assert (ended["from"], ended["to"], ended["cause"]) == ("excluded (high)", "absent",
                                                            "ended: ui-ex")
    text = runner.invoke(cli, ["timeline", "us-india", "--from", "2004", "--to", "2008",
                               "--kb", kb]).output
    assert ("  - exercises high->excluded (high): exclusion began: IND engages CHN, a strategic "
            "rival of USA (began: relations#rivalry/CHN-USA)") in text.splitlines()
    assert "  - exercises excluded (high)->absent: ended: ui-ex" in text.splitlines()
