"""The `smaf` command on small knowledge bases: output contracts, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import absent, case, ev, make_kb, present, with_states

from smaf_expert.cli import cli
from smaf_expert.paths import default_rules


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """us-india (exercises excluded as hedging with China, ended 2016), us-japan (degree 4,
    treaty), russia-india (Russia exists from 1992)."""
    return make_kb(tmp_path, states=with_states(USA={"rivals": ["CHN"]}, RUS={"from": 1992}),
                   relations=[{"type": "alliance", "parties": ["USA", "JPN"], "since": 1960,
                               "sources": ["treaty"]}],
                   alignments={
        "us-india": case(["USA", "IND"], ev("ui-cbm", "cbm", 2000),
                         ev("ui-con", "consultations", 2001),
                         ev("ui-ex", "exercises", 2002, "high", until=2016),
                         ev("ui-mtc", "mtc", 2005, "low")),
        "india-china": case(["IND", "CHN"], ev("ic-ex", "exercises", 2005, "high")),
        "us-japan": case(["USA", "JPN"], *present("uj", "cbm", "consultations", "mtc"),
                         ev("uj-ex", "exercises", 2003, "high"),
                         *absent("uj", "integrated_command"), name="US-Japan"),
        "russia-india": case(["RUS", "IND"], ev("ri-mtc", "mtc", 1995, "high")),
    })


def run(runner, *args: str):
    """Invoke `smaf` with these arguments."""
    return runner.invoke(cli, list(args))


def ok(result) -> None:
    """The command succeeded without a traceback."""
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Traceback" not in result.output


def stage_rules(trace: list[dict]) -> list[str]:
    """Rule ids of the smaf-stages firings of a JSON trace."""
    return [t["rule"] for t in trace if t["pack"] == "smaf-stages"]


# --- smaf assess ------------------------------------------------------------------------------

def test_assess_json_contract(runner, kb):
    """`--format json` prints one JSON object with the contract's keys and values."""
    result = run(runner, "assess", "us-japan", "--year", "2010", "--format", "json",
                 "--kb", str(kb))
    ok(result)
    data = json.loads(result.stdout)
    assert {"case", "year", "degree", "level", "ceiling", "profile", "findings",
            "trace"} <= set(data)
    assert (data["case"], data["year"], data["degree"], data["level"], data["depth"],
            data["ceiling"]) == ("us-japan", 2010, 4, "moderate", "high", 7)
    assert data["profile"]["exercises"] == {"stage": 4, "status": "present", "depth": "high",
                                            "evidence": ["uj-ex"], "excluded_by": None}
    assert data["profile"]["integrated_command"]["status"] == "absent"
    assert data["profile"]["joint_deployment"]["status"] == "unknown"
    stage_findings = [(f["kind"], f["rule"]) for f in data["findings"]
                      if f["rule"].startswith("S-")]
    assert stage_findings == [("unknown_indicators", "S-unknown.gap"), ("depth", "S-depth")]
    assert all({"kind", "rule", "text"} <= set(f) for f in data["findings"])
    assert stage_rules(data["trace"])[-4:] == ["S-degree", "S-unknown", "S-unknown.gap",
                                               "S-depth"]
    degree = next(t for t in data["trace"] if t["rule"] == "S-degree")
    assert degree["matched"]["top"]["indicator"] == "exercises"
    assert degree["evidence"] == ["uj-ex"]
    assert data["evidence"]["uj-ex"]["sources"] == ["source of uj-ex"]
    assert data["params"] == {}


def test_assess_json_hedging(runner, kb):
    """The JSON verdict shows the excluded indicator, whom it names and the finding."""
    result = run(runner, "assess", "us-india", "--year", "2010", "--format", "json",
                 "--kb", str(kb))
    ok(result)
    data = json.loads(result.stdout)
    assert (data["degree"], data["level"]) == (3, "moderate")
    assert data["profile"]["exercises"]["status"] == "excluded"
    assert data["profile"]["exercises"]["excluded_by"] == {"party": "IND", "partner": "CHN",
                                                           "rival_of": "USA"}
    (hedging,) = [f for f in data["findings"] if f["kind"] == "hedging"]
    assert hedging["rule"] == "S-hedging"
    assert stage_rules(data["trace"])[0] == "S-hedging"


def test_assess_param_hedging_stages_3_leaves_exercises(runner, kb):
    """`--param hedging.stages=3` keeps exercises counting and records the parameter."""
    result = run(runner, "assess", "us-india", "--year", "2010", "--format", "json",
                 "--param", "hedging.stages=3", "--kb", str(kb))
    ok(result)
    data = json.loads(result.stdout)
    assert data["profile"]["exercises"]["status"] == "present"
    assert (data["degree"], data["level"]) == (4, "moderate")
    assert "S-hedging" not in stage_rules(data["trace"])
    assert data["params"] == {"hedging.stages": [3]}


def test_assess_strict_flag(runner, tmp_path):
    """`--strict` lowers the degree of a stage without prerequisites and is recorded."""
    kb = make_kb(tmp_path, alignments={"jump": case(["USA", "AUS"],
                                                    *present("j", "cbm", "exercises"))})
    loose = json.loads(run(runner, "assess", "jump", "--year", "2010", "--format", "json",
                           "--kb", str(kb)).stdout)
    strict = json.loads(run(runner, "assess", "jump", "--year", "2010", "--format", "json",
                            "--strict", "--kb", str(kb)).stdout)
    assert (loose["degree"], strict["degree"]) == (4, 1)
    assert strict["params"] == {"prereq.strict": True}
    assert "S-degree.strict" in stage_rules(strict["trace"])


def test_assess_text_names_degree_level_depth_findings(runner, kb):
    """The text verdict states degree, level, depth, ceiling, findings and reasoning."""
    result = run(runner, "assess", "us-india", "--year", "2010", "--kb", str(kb))
    ok(result)
    out = result.stdout
    assert out.startswith("us-india (USA, IND) in 2010\n")
    assert ("Degree 3 of 7: moderate alignment, reaching stage 3 (military-technical "
            "cooperation with regular personnel exchange) at low depth.") in out
    assert "Ceiling 7 (if every unknown indicator were present)." in out
    assert "excluded  high       ui-ex (hedging: IND with CHN, rival of USA)" in out
    assert "  - [hedging] Stage 4 (regular joint military exercises) is excluded as hedging" in out
    assert "  - [depth] The top stage, stage 3" in out
    assert "Parameters changed" not in out
    assert "S-hedging: " in out and "S-degree: " in out


def test_assess_text_records_changed_parameters(runner, kb):
    """The text verdict lists the parameters changed for the run."""
    result = run(runner, "assess", "us-india", "--year", "2010", "--strict", "--param",
                 "hedging.stages=3", "--kb", str(kb))
    ok(result)
    assert "Parameters changed for this run: prereq.strict=True, hedging.stages=[3]" in \
        result.stdout


@pytest.mark.parametrize("case_id, year", [
    ("us-india", 2016),       # ui-ex until 2016 is the latest year named
    ("us-japan", 2003),
    ("russia-india", 1995),
], ids=["until-is-latest", "latest-since", "single-item"])
def test_year_defaults_to_latest_evidence(runner, kb, case_id, year):
    """Without --year the verdict is at the latest year with evidence."""
    result = run(runner, "assess", case_id, "--format", "json", "--kb", str(kb))
    ok(result)
    assert json.loads(result.stdout)["year"] == year


# --- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["assess", "us-indai"],
     "Error: unknown case 'us-indai'; did you mean us-india"),
    (["assess", "nothing-like-it"],
     "Error: unknown case 'nothing-like-it' (`smaf cases` lists them)"),
    (["assess", "us-india", "--param", "hedging.stage=3"],
     "Error: --param: unknown parameter 'hedging.stage' (did you mean 'hedging.stages'?)"),
    (["assess", "us-india", "--param", "hedging.stages"],
     "Error: --param 'hedging.stages': expected NAME=VALUE"),
    (["assess", "us-india", "--param", "hierarchy.ratio=ten"],
     "Error: --param: parameter hierarchy.ratio='ten' is not a valid number"),
    (["assess", "russia-india", "--year", "1991"],
     "Error: case 'russia-india' cannot be assessed at 1991: Russia (RUS) existed only in "
     "1992-..."),
    (["timeline", "russia-india", "--from", "1990", "--to", "1995"],
     "Error: case 'russia-india' cannot be assessed at 1990: Russia (RUS)"),
    (["timeline", "us-india", "--from", "2010", "--to", "2005"],
     "Error: --from 2010 is after --to 2005"),
    (["timeline", "us-indai", "--from", "2005", "--to", "2010"],
     "Error: unknown case 'us-indai'; did you mean us-india"),
], ids=["unknown-case-suggestion", "unknown-case-no-suggestion", "unknown-param",
        "param-without-value", "param-bad-value", "party-did-not-exist",
        "timeline-party-did-not-exist", "timeline-from-after-to", "timeline-unknown-case"])
def test_bad_input_exits_2_with_message(runner, kb, args, message):
    """Bad input gives `Error: ...` on stderr and exit 2, never a traceback."""
    result = run(runner, *args, "--kb", str(kb))
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_bad_kb_exits_2_for_assess(runner, tmp_path):
    """`smaf assess` on a malformed KB prints the problems and exits 2."""
    kb = make_kb(tmp_path, alignments={"bad": case(["USA", "XXX"], ev("b-1", "cbm", 2000))})
    result = run(runner, "assess", "bad", "--kb", str(kb))
    assert result.exit_code == 2
    path = kb / "alignments" / "bad.yaml"
    assert result.stderr.splitlines() == [
        "Error: 1 problem in the knowledge base:",
        f"  {path}:4: unknown state 'XXX': add knowledge/states/XXX.yaml or fix the id"]


def test_case_without_evidence_gives_no_traceback(runner, tmp_path):
    """A case with an empty evidence list is either refused with a message or listed; it never
    crashes `smaf cases` or `smaf assess`."""
    kb = make_kb(tmp_path, alignments={"empty": case(["USA", "IND"]),
                                       "full": case(["USA", "JPN"], ev("f-1", "cbm", 2000))})
    for args in (["cases"], ["assess", "empty"]):
        result = run(runner, *args, "--kb", str(kb))
        assert result.exit_code in (0, 2), (args, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            (args, repr(result.exception))
        if result.exit_code == 2:
            assert result.stderr.startswith("Error: ")


# --- smaf timeline ----------------------------------------------------------------------------

def test_timeline_json_one_object_per_year(runner, kb):
    """`timeline --format json` gives one object per year with year, degree, level, findings."""
    result = run(runner, "timeline", "us-india", "--from", "2015", "--to", "2018",
                 "--format", "json", "--kb", str(kb))
    ok(result)
    rows = json.loads(result.stdout)
    assert [r["year"] for r in rows] == [2015, 2016, 2017, 2018]
    for row in rows:
        assert {"year", "degree", "level", "findings"} <= set(row)
        assert (row["degree"], row["level"]) == (3, "moderate")
    deinst = [[f["evidence"] for f in r["findings"] if f["kind"] == "deinstitutionalisation"]
              for r in rows]
    assert deinst == [[], [], [["ui-ex"]], []]


def test_timeline_json_degree_changes(runner, tmp_path):
    """A timeline follows the degree year by year, since and until inclusive."""
    kb = make_kb(tmp_path, alignments={"t": case(
        ["USA", "FRA"], ev("t-con", "consultations", 2001),
        ev("t-ex", "exercises", 2003, "high", until=2004))})
    result = run(runner, "timeline", "t", "--from", "2000", "--to", "2005", "--format", "json",
                 "--kb", str(kb))
    ok(result)
    rows = json.loads(result.stdout)
    assert [(r["year"], r["degree"], r["level"]) for r in rows] == [
        (2000, 0, "none"), (2001, 2, "early"), (2002, 2, "early"), (2003, 4, "moderate"),
        (2004, 4, "moderate"), (2005, 2, "early")]


def test_timeline_text_marks_drops(runner, kb):
    """The text timeline has a row per year and marks the de-institutionalisation."""
    result = run(runner, "timeline", "us-india", "--from", "2016", "--to", "2017",
                 "--kb", str(kb))
    ok(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "us-india (USA, IND), 2016-2017"
    rows = {line.split()[0]: line for line in lines
            if line[:4].isdigit() and len(line.split()) >= 5}
    assert sorted(rows) == ["2016", "2017"]
    assert rows["2016"].split()[:5] == ["2016", "3", "moderate", "low", "7"]
    assert rows["2017"].split()[:5] == ["2017", "3", "moderate", "low", "7"]
    assert "de-institutionalisation" not in rows["2016"]
    assert rows["2017"].endswith("de-institutionalisation")
    assert "items that ended or were suspended: ui-ex" in result.stdout


# --- smaf cases, smaf rules -------------------------------------------------------------------

def test_cases_text(runner, kb):
    """`smaf cases` lists every case with parties, years and evidence count."""
    result = run(runner, "cases", "--kb", str(kb))
    ok(result)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["case", "parties", "against", "years", "evidence"]
    assert [line.split() for line in lines[1:]] == [
        ["india-china", "IND-CHN", "-", "2005-2005", "1"],
        ["russia-india", "RUS-IND", "-", "1995-1995", "1"],
        ["us-india", "USA-IND", "-", "2000-2016", "4"],
        ["us-japan", "USA-JPN", "-", "2000-2003", "5"],
    ]


def test_cases_json(runner, kb):
    """`smaf cases --format json` gives one object per case."""
    result = run(runner, "cases", "--format", "json", "--kb", str(kb))
    ok(result)
    rows = json.loads(result.stdout)
    assert [r["case"] for r in rows] == ["india-china", "russia-india", "us-india", "us-japan"]
    us_japan = rows[-1]
    assert us_japan == {"case": "us-japan", "name": "US-Japan", "parties": ["USA", "JPN"],
                        "against": None, "from": 2000, "to": 2003, "evidence": 5}


def test_rules_list_names_every_rule(runner):
    """`smaf rules list` lists every rule id of the shipped smaf-stages pack."""
    result = run(runner, "rules", "list")
    ok(result)
    pack = yaml.safe_load((default_rules() / "smaf-stages.yaml").read_text(encoding="utf-8"))
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    ids = [r["id"] for r in pack["rules"]]
    assert {"S-hedging", "S-degree", "S-prereq", "S-unknown", "S-time"} <= set(ids)
    assert set(ids) <= listed
    assert "smaf-stages (SMAF cluster one (Korolev 2024)):" in result.stdout


def test_rules_list_with_extra_pack(runner, tmp_path):
    """`smaf rules list --rules FILE` adds the extra pack's rules."""
    pack = tmp_path / "extra.yaml"
    pack.write_text(yaml.safe_dump({"pack": "extra", "theory": "tests", "rules": [{
        "id": "X-one", "statement": "An extra rule.", "citation": "tests",
        "when": [{"c": {"type": "case"}}], "then": [{"finding": {"kind": "x", "text": "x"}}],
        "explain": "x"}]}), encoding="utf-8")
    result = run(runner, "rules", "list", "--rules", str(pack))
    ok(result)
    assert "  X-one" in result.stdout and "An extra rule." in result.stdout


def test_rules_params_lists_defaults(runner):
    """`smaf rules params` lists the smaf-stages parameters with their defaults."""
    result = run(runner, "rules", "params")
    ok(result)
    for line in ("friendly.count_cbm = True (boolean, pack smaf-stages)",
                 "hedging.stages = [3, 4] (integers from 1 to 7, pack smaf-stages)",
                 "hierarchy.ratio = 10 (number of at least 1, pack smaf-stages)",
                 "prereq.strict = False (boolean, pack smaf-stages)"):
        assert line in result.stdout


@pytest.mark.parametrize("params, hierarchy", [
    ([], True),
    (["--param", "hierarchy.ratio=30"], False),
    (["--param", "hierarchy.ratio=19.5"], True),
], ids=["default-10", "ratio-30", "ratio-19.5"])
def test_assess_param_hierarchy_ratio(runner, tmp_path, params, hierarchy):
    """`--param hierarchy.ratio=30` stops the GNP hierarchy caveat of a 20:1 dyad."""
    gnp = {"unit": "US$ bn", "source": "test"}
    kb = make_kb(tmp_path, states=with_states(USA={"gnp": {**gnp, "values": {2000: 2000}}},
                                              AUS={"gnp": {**gnp, "values": {2000: 100}}}),
                 alignments={"us-aus": case(["USA", "AUS"], *present("ua", "consultations"))})
    result = run(runner, "assess", "us-aus", "--year", "2010", "--format", "json", *params,
                 "--kb", str(kb))
    ok(result)
    data = json.loads(result.stdout)
    found = [f for f in data["findings"] if f["rule"] == "S-hierarchy.gnp"]
    assert len(found) == (1 if hierarchy else 0)
    if hierarchy:
        assert found[0]["kind"] == "hierarchy"
        assert found[0]["text"].startswith("United States (USA) has 20.00 times the GNP")
    expected = {"hierarchy.ratio": float(params[1].split("=")[1])} if params else {}
    assert data["params"] == expected


def test_degree_zero_reads_no_alignment(tmp_path, runner):
    """Degree 0 is worded as DOMAIN.md words it: "no alignment", not "none alignment"."""
    kb = make_kb(tmp_path, alignments={"zz": case(["USA", "JPN"], *absent("z", "cbm"))})
    result = runner.invoke(cli, ["assess", "zz", "--kb", str(kb), "--year", "2010"])
    assert result.exit_code == 0, result.output
    assert "Degree 0 of 7: no alignment." in result.output
    assert "none alignment" not in result.output


# --- small items of issue 14 ------------------------------------------------------------------

def _commands(group, prefix=()):
    """Every command under a group, with its path of names."""
    import click

    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


def test_help_examples_keep_one_command_a_line(runner):
    """Each example line of a command's docstring stays a line of its --help."""
    for path, cmd in _commands(cli):
        doc = cmd.help or ""
        examples = [line.strip() for line in doc.split("Example:")[-1].splitlines()
                    if line.strip().startswith("smaf ")] if "Example:" in doc else []
        assert examples, path
        result = run(runner, *path, "--help")
        ok(result)
        lines = [line.strip() for line in result.output.splitlines()]
        for example in examples:
            assert example in lines, (path, example, result.output)


def test_output_files_are_announced_on_stderr(runner, tmp_path):
    """`report -o` and `graph -o` write the file, print nothing on stdout and "wrote FILE" on
    stderr."""
    kb = make_kb(tmp_path, alignments={"uj": case(["USA", "JPN"],
                                                  *present("uj", "cbm", "consultations"))})
    for args, name in ((["report", "uj", "--year", "2005"], "r.html"),
                       (["graph", "--year", "2005", "--format", "json"], "g.json")):
        out = tmp_path / name
        result = run(runner, *args, "--kb", str(kb), "-o", str(out))
        ok(result)
        assert out.stat().st_size > 0
        assert (result.stdout, result.stderr) == ("", f"wrote {out}\n")


def test_graph_draws_no_alignment_edge_at_degree_zero(runner, tmp_path):
    """A case at degree 0 is no alignment: no alignment edge in the exported graph."""
    kb = make_kb(tmp_path, alignments={
        "zz": case(["USA", "JPN"], *absent("z", "cbm")),
        "ua": case(["USA", "AUS"], *present("k", "cbm", "consultations"))})
    result = run(runner, "graph", "--year", "2010", "--format", "json", "--kb", str(kb))
    ok(result)
    edges = [(e["source"], e["target"], e["case"]) for e in json.loads(result.stdout)["links"]
             if e["kind"] == "alignment"]
    assert sorted(edges) == [("AUS", "USA", "ua"), ("USA", "AUS", "ua")]
