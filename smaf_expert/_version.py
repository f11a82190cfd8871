"""The package version.

A constant rather than `importlib.metadata` (which costs ~30 ms at every start, issue 16);
tests/test_version.py keeps it equal to the version in pyproject.toml, the one to edit.
"""

from __future__ import annotations

__version__ = "0.1.0"
