"""A corpus of hostile inputs (DOMAIN.md section 7), each run through the CLI: a non-zero exit, an
`Error:` message naming the file and line (or the option), and never a traceback."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from smaf_expert.cli import cli
from smaf_expert.paths import default_knowledge

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def _gnp_1990(text: str, new: str) -> str:
    """India's 1990 GNP replaced, whatever the shipped value is (it follows the WDI copy)."""
    return re.sub(r"\b1990: [0-9.]+", new, text, count=1)


# name -> (file of the knowledge base, its new text or a function of the old, expected text)
KNOWLEDGE = {
    "alias-bomb": ("alignments/us-india.yaml", BOMB, "alignments/us-india.yaml:1: more than"),
    # The newest PyYAML wheels refuse it in libyaml itself; PyYAML 6.0 (the oldest pin, CI's
    # oldest-dependencies job) lets the reader's own depth limit refuse it: either way located.
    "deep-nesting": ("alignments/us-india.yaml", "a: " + "[" * 20000 + "]" * 20000,
                     ("us-india.yaml:1: not valid YAML",
                      "us-india.yaml:1: nested more than 64 levels deep")),
    "complex-key": ("alignments/us-india.yaml", "? [a, b]\n: 1\n",
                    "us-india.yaml:1: a key must be a plain value"),
    "python-tag": ("alignments/us-india.yaml", "x: !!python/object/apply:os.system [id]\n",
                   "us-india.yaml:1: unsupported tag"),
    "merge-key": ("alignments/us-india.yaml", "a: &a {x: 1}\nb:\n  <<: *a\n",
                  "us-india.yaml:3: merge keys"),
    "huge-gnp": ("states/IND.yaml", lambda t: _gnp_1990(t, f"1990: {10 ** 400}"),
                 "states/IND.yaml:{gnp_line}: the number 1000"),
    "tiny-gnp": ("states/IND.yaml", lambda t: _gnp_1990(t, "1990: 1.0e-320"),
                 "states/IND.yaml:{gnp_line}: 1e-320 is too close to zero"),
    "nan-gnp": ("states/IND.yaml", lambda t: _gnp_1990(t, "1990: .nan"),
                "states/IND.yaml:{gnp_line}: nan is not a finite number"),
    "negative-gnp": ("states/IND.yaml", lambda t: _gnp_1990(t, "1990: -5"),
                     "states/IND.yaml:{gnp_line}: gnp.values.1990"),
    "float-year": ("alignments/us-india.yaml",
                   lambda t: t.replace("since: 2004", "since: 2004.0", 1),
                   "must be a whole number written without a decimal point (2004)"),
    "far-year": ("alignments/us-india.yaml",
                 lambda t: t.replace("since: 2004", "since: 1000000000000000000000000000000", 1),
                 "is greater than the maximum of 2100"),
    "not-utf8": ("alignments/us-india.yaml", b"id: \xff\xfe\n", "not UTF-8"),
    "too-large": ("alignments/us-india.yaml", "# " + "x" * (6 * 2 ** 20) + "\n",
                  "larger than 5 MiB"),
}


def _run(runner, *args: str):
    result = runner.invoke(cli, list(args))
    assert result.exit_code != 0, result.output
    # A clean refusal ends in SystemExit; anything else escaped the CLI's edge.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "Error:" in result.output
    return result


@pytest.fixture
def kb(tmp_path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(default_knowledge(), root)
    return root


@pytest.mark.parametrize("name", sorted(KNOWLEDGE))
def test_hostile_knowledge_is_refused_with_file_and_line(runner, kb, name):
    rel, change, expected = KNOWLEDGE[name]
    path = kb / rel
    old = path.read_text(encoding="utf-8") if path.exists() else None
    new = change(old) if callable(change) else change
    assert new != old, f"the hostile edit {name} found nothing to change in {rel}"
    if isinstance(new, bytes):
        path.write_bytes(new)
    else:
        path.write_text(new, encoding="utf-8")
    result = _run(runner, "kb", "validate", "--kb", str(kb))
    # The shipped file changes as knowledge is added: find the line of the value under test.
    gnp_line = next((n for n, line in enumerate(str(new).splitlines(), 1) if "1990: " in line),
                    0)
    alternatives = expected if isinstance(expected, tuple) else (expected,)
    assert any(e.replace("{gnp_line}", str(gnp_line)) in result.output for e in alternatives), \
        result.output


@pytest.mark.parametrize("what", ["taxonomy.yaml", "states/XXX.yaml"])
def test_a_symlink_loop_is_an_error_not_a_skip(runner, kb, what):
    path = kb / what
    path.unlink(missing_ok=True)
    os.symlink(path.name, path)
    result = _run(runner, "kb", "validate", "--kb", str(kb))
    assert f"{what}: cannot read the file" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_an_error(runner, kb):
    (kb / "alignments").chmod(0)
    try:
        result = _run(runner, "kb", "validate", "--kb", str(kb))
    finally:
        (kb / "alignments").chmod(0o755)
    assert "alignments: cannot list the folder" in result.output


PACK = """\
pack: hostile
theory: none
citation: none
parameters:
  hostile.x: {{type: number, default: 1, doc: d}}
rules:
  - id: H-1
    statement: s
    citation: c
    explain: e
{rule}
"""

# name -> (the rest of rule H-1, the line of the problem, expected text)
PACKS = {
    "salience-word": ("    salience: high\n    when:\n      - c: {type: case}\n    then:\n"
                      "      - finding: {kind: k, text: t}", 11, "`salience` must be a whole"),
    "list-as-type": ("    when:\n      - c: {type: [case, x]}\n    then:\n"
                     "      - finding: {kind: k, text: t}", 12, "`type` is one fact type"),
    "bad-regex": ("    when:\n      - c: {type: case, case: {matches: '(['}}\n    then:\n"
                  "      - finding: {kind: k, text: t}", 12, "is not one"),
    "sum-of-text": ("    when:\n      - c: {type: case, year: {gt: {sum: ['a', 1]}}}\n    then:\n"
                    "      - finding: {kind: k, text: t}", 12, "cannot be computed with"),
    "negation-cycle": ("    when:\n      - c: {type: case}\n    unless:\n      - {type: cyc}\n"
                       "    then:\n      - assert: {type: cyc}", 7, "rule H-1 is on a cycle"),
    "runaway": ("    when:\n      - c: {type: loopy}\n    then:\n"
                "      - assert: {type: loopy, n: '{{ c.n ~ 1 }}'}\n  - id: H-2\n"
                "    statement: s\n    citation: c\n    explain: e\n    when:\n"
                "      - c: {type: case}\n    then:\n      - assert: {type: loopy, n: '1'}",
                7, "H-1: stopped after 50 firings (run.max_firings)"),
    "code-in-text": ("    when:\n      - c: {type: case}\n    then:\n      - finding: {kind: k, "
                     "text: \"{{ cycler.__init__.__globals__.os.popen('id').read() }}\"}",
                     7, "SecurityError"),
}


@pytest.mark.parametrize("name", sorted(PACKS))
def test_hostile_packs_are_refused_with_file_and_line(runner, tmp_path, name):
    body, line, expected = PACKS[name]
    path = tmp_path / "hostile.yaml"
    path.write_text(PACK.format(rule=body), encoding="utf-8")
    result = _run(runner, "assess", "us-india", "--rules", str(path),
                  "--param", "run.max_firings=50")
    assert expected in result.output
    if line:
        assert f"{path}:{line}" in result.output


@pytest.mark.parametrize("spec, expected", [
    ("{type: number, default: .nan, doc: d}", "nan is not a finite number"),
    ("{type: integer, default: 9, min: 1, max: 7, doc: d}", "the default 9 is not allowed"),
    ("{type: string, default: max, choices: [min, median], doc: d}", "'max' is not one of"),
    ("{type: number, default: 1, mn: 0, doc: d}", "unknown parameter field 'mn'"),
])
def test_bad_parameter_declarations_are_refused(runner, tmp_path, spec, expected):
    path = tmp_path / "hostile.yaml"
    path.write_text(PACK.format(rule="    when:\n      - c: {type: case}\n    then:\n"
                                "      - finding: {kind: k, text: '{{ params[\"hostile.x\"] }}'}"
                                ).replace("{type: number, default: 1, doc: d}", spec),
                    encoding="utf-8")
    result = _run(runner, "assess", "us-india", "--rules", str(path))
    assert f"{path}:5" in result.output and expected in result.output


@pytest.mark.parametrize("args, expected", [
    (["--param", "bop.permissive=nan"], "expected a finite number"),
    (["--param", "bop.permissive=inf"], "expected a finite number"),
    (["--param", "bop.permissive=-inf"], "expected a finite number"),
    (["--param", "hedging.stages=34"], "34 is above the greatest allowed value, 7"),
    (["--param", "combine.policy=max"], "'max' is not one of min, median"),
    (["--param", "bop.stale_years=1e400"], "expected a finite number"),
    (["--year", "1000000000000000000000000000000"], "is not in the range 1800<=x<=2100"),
    (["--year", "1000"], "is not in the range 1800<=x<=2100"),
])
def test_hostile_options_are_refused(runner, args, expected):
    result = _run(runner, "assess", "us-india", *args)
    assert expected in result.output


@pytest.mark.parametrize("target, expected", [
    ("missing/rules.dot", "No such file or directory"),
    ("/dev/full", "No space left on device"),
])
def test_output_failures_are_errors(runner, tmp_path, target, expected):
    out = target if target.startswith("/") else str(tmp_path / target)
    if target.startswith("/") and not os.path.exists(target):
        pytest.skip(f"{target} is not on this system")
    result = _run(runner, "rules", "graph", "-o", out)
    assert f"cannot write {out}: {expected}" in result.output


@pytest.mark.parametrize("section, line, expected", [
    ("facts: [1, {a: 1}]", 6, "a background fact is a mapping with a `type` name"),
    ("disable: [[1]]", 6, "`disable` lists rule ids"),
])
def test_hostile_pack_sections_are_refused(runner, tmp_path, section, line, expected):
    path = tmp_path / "hostile.yaml"
    body = "    when:\n      - c: {type: case}\n    then:\n      - finding: {kind: k, text: t}"
    path.write_text(PACK.format(rule=body).replace("rules:", section + "\nrules:"),
                    encoding="utf-8")
    result = _run(runner, "assess", "us-india", "--rules", str(path))
    assert f"{path}:{line}: {expected}" in result.output
