"""The installed package carries rules/, knowledge/ and reports/ (DEVELOPERS.md)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_rules_knowledge_and_reports(tmp_path):
    """A built wheel holds every rule pack, knowledge file and report template of the repo."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    wheel = next(tmp_path.glob("smaf_expert-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for folder in ("rules", "knowledge", "reports"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".yaml", ".j2", ".md"}:
                expected.add(f"smaf_expert/data/{folder}/{path.relative_to(ROOT / folder)}")
    assert any(n.startswith("smaf_expert/data/rules/") for n in expected)
    assert expected <= names, sorted(expected - names)
    assert "smaf_expert/knowledge/schemas/alignment.json" in names
    sources = {str(f.relative_to(ROOT)) for f in (ROOT / "smaf_expert").rglob("*.py")}
    assert sources <= names, sorted(sources - names)
    # No module or package shares its dotted name with a data folder.
    modules = {n[:-3].replace("/", ".") for n in names if n.endswith(".py")}
    packages = {m.rsplit(".", 1)[0] for m in modules if m.endswith(".__init__")}
    data = {f"smaf_expert.data.{f}" for f in ("rules", "knowledge", "reports")}
    assert not data & (modules | packages)


def test_package_folders_show_the_pipeline():
    """Subpackages by stage, few top-level modules, no module too big to read (issue 10)."""
    pkg = ROOT / "smaf_expert"
    subpackages = [d.name for d in pkg.iterdir() if (d / "__init__.py").is_file()]
    assert {"knowledge", "packs", "reasoning", "explanation", "rendering", "cli"} <= set(
        subpackages)
    assert len(list(pkg.glob("*.py"))) <= 12
    too_big = {str(f.relative_to(ROOT)): n for f in pkg.rglob("*.py")
               if (n := len(f.read_text(encoding="utf-8").splitlines())) > 600}
    assert not too_big
