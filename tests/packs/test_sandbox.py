"""Pack texts render in the sandbox (DOMAIN.md section 7): no code runs, no file is read, and
`smaf rules lint` refuses a text that tries, at its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from smaf_expert.cli import cli
from smaf_expert.packs.lint import lint_packs
from smaf_expert.packs.templating import render_text

PACK = """\
pack: hostile
theory: none
citation: none
rules:
  - id: H-1
    statement: s
    citation: c
    when:
      - c: {{type: case}}
    then:
      - finding: {{kind: hostile, text: "{text}"}}
    explain: "ok"
"""

ESCAPES = {
    "shell": "{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}",
    "dunder-item": "{{{{ c['__class__'] }}}}",
    "format": "{{{{ '{{0.__class__}}'.format(c) }}}}",
    "map-attribute": "{{{{ [c]|map(attribute='__class__')|list }}}}",
    "include": "{{% include '/etc/passwd' %}}",
    "lipsum": "{{{{ lipsum(5) }}}}",
}


def _pack(tmp_path: Path, escape: str) -> tuple[Path, Path]:
    marker = tmp_path / "ran"
    text = ESCAPES[escape].format(marker=marker)
    path = tmp_path / "hostile.yaml"
    path.write_text(PACK.format(text=text), encoding="utf-8")
    return path, marker


@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_lint_refuses_a_text_that_leaves_the_format(tmp_path, escape):
    path, _ = _pack(tmp_path, escape)
    problems = [p for p in lint_packs([path]) if p.kind == "template-unsafe"]
    assert problems, escape
    assert {p.line for p in problems} == {11}
    assert all(p.path == str(path) and "may not do" in p.message for p in problems)


@pytest.mark.parametrize("escape", ["shell", "dunder-item", "format", "include", "lipsum"])
def test_running_a_hostile_pack_runs_nothing_and_fails_cleanly(tmp_path, runner, escape):
    path, marker = _pack(tmp_path, escape)
    result = runner.invoke(cli, ["assess", "us-india", "--rules", str(path)])
    assert result.exit_code != 0
    assert result.output.startswith("Error: rule H-1")
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert not marker.exists()


def test_shipped_texts_still_render_with_the_documented_filters():
    text = "{{ ['IND', 'USA']|map('state')|join(' and ')|capitalize }}: {{ 2|stage }}"
    assert render_text(text, {"state_names": {"IND": "India"}}) == (
        "India (ind) and usa: stage 2 (mechanism of regular inter-military consultations)")


def test_a_text_cannot_build_a_huge_string():
    with pytest.raises(Exception, match="too large"):
        render_text("{{ 'a' * 10 ** 9 }}", {})


def test_an_assert_value_cannot_read_a_file(tmp_path, runner):
    path = tmp_path / "hostile.yaml"
    path.write_text(PACK.format(text="t").replace(
        "      - finding: {kind: hostile, text: \"t\"}",
        "      - assert: {type: leak, text: \"{% include '/etc/hostname' %}{{ c.case }}\"}"),
        encoding="utf-8")
    assert [p.line for p in lint_packs([path]) if p.kind == "template-unsafe"] == [11]
    result = runner.invoke(cli, ["assess", "us-india", "--rules", str(path), "--format", "json"])
    assert result.exit_code != 0 and result.output.startswith("Error: rule H-1")
