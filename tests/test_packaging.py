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
                expected.add(f"smaf_expert/{folder}/{path.relative_to(ROOT / folder)}")
    assert any(n.startswith("smaf_expert/rules/") for n in expected)
    assert expected <= names, sorted(expected - names)
    assert "smaf_expert/schemas/alignment.json" in names
