"""Installs anywhere a user has Python 3.11 or later (issue 17): the engine's extension loads
on 3.13+ without a rebuild, the fallback names a command that works, the pins are tested."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.version import Version  # a dependency of pytest

from smaf_expert.reasoning import engine

ROOT = Path(__file__).resolve().parent.parent


def _child(code: str) -> dict:
    """Run code in a fresh interpreter (durable-rules not yet imported) and read its JSON."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


# Forces the lazy path whatever the Python (on 3.13+ it is the real one) and records every
# change of the dlopen flags with whether durable-rules' extension was loaded at that moment.
SPY = """
import json, os, sys
from packaging.version import Version  # a dependency of pytest

from smaf_expert.reasoning import engine
engine.LAZY_BINDING = True
calls = []
real = sys.setdlopenflags
def spy(flags):
    calls.append([flags, "durable_rules_engine" in sys.modules])
    real(flags)
sys.setdlopenflags = spy
before = sys.getdlopenflags()
"""


def test_engine_import_binds_lazily_then_restores_the_flags():
    """durable-rules' extension is imported under RTLD_LAZY (RTLD_NOW cleared, other bits
    kept), and the interpreter's flags are the same afterwards."""
    out = _child(SPY + """
engine._durable_engine()
print(json.dumps({"before": before, "after": sys.getdlopenflags(), "calls": calls,
                  "lazy": os.RTLD_LAZY, "now": os.RTLD_NOW}))
""")
    before, (during, loaded_then), (restored, loaded_after) = out["before"], *out["calls"]
    assert out["after"] == before == restored
    assert during & out["lazy"] and not during & out["now"]
    assert during & ~(out["lazy"] | out["now"]) == before & ~(out["lazy"] | out["now"])
    assert (loaded_then, loaded_after) == (False, True)


def test_fallback_message_gives_the_rebuild_command_and_restores_the_flags():
    """Where the extension still cannot load, the error names the command that works from a
    dirty pip cache, and the flags are restored all the same."""
    out = _child(SPY + """
sys.modules["durable_rules_engine"] = None   # the import fails as an unloadable extension does
try:
    engine._durable_engine()
except Exception as err:
    print(json.dumps({"message": str(err), "kind": type(err).__name__, "before": before,
                      "after": sys.getdlopenflags()}))
""")
    assert out["kind"] == "SmafError"
    assert out["message"].startswith("cannot load the rule engine durable-rules")
    assert engine.REBUILD_COMMAND in out["message"]
    assert out["after"] == out["before"]
    for part in ('CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject"', "--no-cache-dir",
                 "--force-reinstall", "--no-binary durable-rules", "durable-rules==2.0.28"):
        assert part in engine.REBUILD_COMMAND
    # The README's note gives the same command.
    assert engine.REBUILD_COMMAND in (ROOT / "README.md").read_text(encoding="utf-8")


def test_oldest_dependencies_job_pins_every_floor():
    """.ci/oldest-deps.txt pins each `>=` floor of the dependencies and the test extra (ruff
    aside: CI lints once, with the newest), so CI tests the versions the pins allow."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floors = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        if m := re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", spec):
            floors[m[1].lower()] = m[2]
    floors.pop("ruff")
    pins = {}
    for line in (ROOT / ".ci" / "oldest-deps.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    assert {n: Version(v) for n, v in pins.items()} == {n: Version(v) for n, v in floors.items()}


def test_build_floor_reads_a_license_expression():
    """The build needs setuptools 77+ for `license = "MIT"` (PEP 639), and the LICENSE file
    it names exists."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (req,) = data["build-system"]["requires"]
    major = int(re.fullmatch(r"setuptools>=(\d+)[0-9.]*", req)[1])
    assert major >= 77
    assert data["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the smaf-expert authors" in text
