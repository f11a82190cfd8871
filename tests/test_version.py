"""The version constant and pyproject.toml agree (the constant spares importlib.metadata)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import smaf_expert


def test_version_constant_equals_pyproject():
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml")
                              .read_text(encoding="utf-8"))
    assert smaf_expert.__version__ == pyproject["project"]["version"]
