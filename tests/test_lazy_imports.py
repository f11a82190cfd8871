"""Start-up loads only what a command uses (issue 16): checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import smaf_expert

HEAVY = ("yaml", "jsonschema", "networkx", "jinja2", "durable", "importlib.metadata",
         "smaf_expert.reasoning.engine", "smaf_expert.rendering.report",
         "smaf_expert.packs.lint", "smaf_expert.packs.examples")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nimport json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_help_loads_no_heavy_module():
    loaded = _loaded_after("from smaf_expert.cli import cli\n"
                           "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_import_package_loads_no_heavy_module():
    loaded = _loaded_after("import smaf_expert; smaf_expert.__version__")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_every_public_name_imports_and_is_listed():
    for name in smaf_expert.__all__:
        assert getattr(smaf_expert, name) is not None
    assert set(smaf_expert.__all__) <= set(dir(smaf_expert))
    from smaf_expert import Assessor, load_knowledge  # noqa: F401 - the import form works


def test_unknown_attribute_is_an_attribute_error():
    try:
        smaf_expert.no_such_name  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("no AttributeError")


def test_assess_loads_neither_networkx_nor_jsonschema():
    """Assessing a shipped case reads the year's links without networkx, and a valid knowledge
    base is checked without jsonschema (issue 16: a third of the cold start)."""
    loaded = _loaded_after("from smaf_expert.cli import cli\n"
                           "try:\n    cli(['assess', 'china-russia'])\nexcept SystemExit:\n"
                           "    pass")
    assert "smaf_expert.reasoning.engine" in loaded
    assert not loaded & {"networkx", "jsonschema"}, sorted(loaded & {"networkx", "jsonschema"})
