"""Verdicts byte-identical to the golden corpus (issue 16): speed work must not change them.

When a change alters verdicts on purpose, run `python tests/golden/regen.py` and review the diff.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _regen_module():
    spec = importlib.util.spec_from_file_location("golden_regen", HERE / "regen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_verdicts_match_the_golden_corpus():
    fresh = _regen_module().corpus()
    stored = {p.name: p.read_text(encoding="utf-8") for p in (HERE / "verdicts").glob("*.json")}
    assert sorted(fresh) == sorted(stored), "cases or years differ: run tests/golden/regen.py"
    for name, text in fresh.items():
        if text != stored[name]:
            diff = "".join(list(difflib.unified_diff(stored[name].splitlines(True),
                                                     text.splitlines(True), name, "fresh"))[:40])
            raise AssertionError(f"{name} differs from the golden corpus:\n{diff}")
