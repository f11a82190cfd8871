"""The one YAML reader: the same data and lines with libyaml and the pure-Python fallback, and
every hostile file refused at a line (DOMAIN.md section 7)."""

from __future__ import annotations

import pytest
import yaml

from smaf_expert import yamlio
from smaf_expert.paths import default_rules

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if yaml.__with_libyaml__ else [])
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi",
                                                               strict=True))


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request, monkeypatch):
    monkeypatch.setattr(yamlio, "_Loader", request.param)
    return request.param


def test_shipped_packs_read_alike_with_either_loader(loader):
    for path in sorted(default_rules().glob("*.yaml")):
        doc, problem = yamlio.read_yaml(path)
        assert problem is None
        assert doc.data == yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = path.read_text(encoding="utf-8").splitlines()
        first = next(n for n, text in enumerate(lines, 1) if text.startswith("  - id:"))
        assert doc.line(("rules", 0)) == first


@pytest.mark.parametrize("text, line, message", [
    (BOMB, None, "aliases expanded"),
    ("a: " + "[" * 80 + "]" * 80 + "\n", 1, "nested more than 64 levels"),
    ("a: 1\nb:\n  ? [x, y]\n  : 2\n", 3, "a key must be a plain value"),
    ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
    ("a: !!set {x}\n", 1, "unsupported tag"),
    ("a: [1, .inf]\n", 1, "inf is not a finite number"),
    ("a:\n  b: 2004-13-45\n", 2, "cannot read the value"),
])
def test_hostile_yaml_is_refused_at_a_line(loader, tmp_path, text, line, message):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    doc, problem = yamlio.read_yaml(path)
    assert doc is None and message in problem.message
    if line:
        assert problem.line == line
