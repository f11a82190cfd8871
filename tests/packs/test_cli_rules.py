"""`smaf rules lint|test|graph|show`: the CLI over the rule-pack tooling."""

from __future__ import annotations

import yaml

from smaf_expert.cli import cli


def test_lint_shipped_packs_clean(runner):
    """The shipped packs lint with no error and no warning, exit 0."""
    result = runner.invoke(cli, ["rules", "lint"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 error(s), 0 warning(s)")


def test_lint_reports_file_line_and_exits_1(runner, tmp_path):
    """A pack with an unknown fact type gives file:line and exit 1."""
    pack = tmp_path / "bad.yaml"
    pack.write_text(yaml.safe_dump({"pack": "bad", "theory": "t", "citation": "c", "rules": [{
        "id": "B-1", "statement": "s", "citation": "c", "explain": "e",
        "when": [{"x": {"type": "indicatr"}}],
        "then": [{"finding": {"kind": "k", "text": "t"}}]}]}), encoding="utf-8")
    result = runner.invoke(cli, ["rules", "lint", str(pack)])
    assert result.exit_code == 1
    assert f"{pack}:" in result.output and "indicatr" in result.output


def test_rules_test_runs_the_shipped_examples(runner):
    """Every example the shipped packs carry passes."""
    result = runner.invoke(cli, ["rules", "test"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output
    assert "PASS smaf-stages:" in result.output


def test_rules_graph_dot(runner):
    """The rule graph is DOT with S-degree fed by counted."""
    result = runner.invoke(cli, ["rules", "graph"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("digraph rules {")
    assert "S-degree" in result.output and "counted" in result.output


def test_rules_show(runner):
    """`rules show ID` prints the statement, citation, conditions and links; a typo suggests."""
    result = runner.invoke(cli, ["rules", "show", "S-hedging"])
    assert result.exit_code == 0, result.output
    assert "MTC and joint exercises count as alignment" in result.output
    assert "asserts: excluded, finding" in result.output
    result = runner.invoke(cli, ["rules", "show", "S-hedgin"])
    assert result.exit_code == 2
    assert "no rule 'S-hedgin'; did you mean S-hedging" in result.output
