"""Where the shipped rules, knowledge and report templates are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # Installed, the folders travel inside the package under data/ (a name no module has); in a
    # checkout they sit at the top of the repository, where analysts and scholars edit them.
    inside = _HERE / "data" / name
    return inside if inside.is_dir() else _HERE.parent / name


def default_rules() -> Path:
    """The folder of shipped rule packs."""
    return _shipped("rules")


def default_knowledge() -> Path:
    """The folder of the shipped knowledge base."""
    return _shipped("knowledge")


def default_reports() -> Path:
    """The folder of report templates."""
    return _shipped("reports")
