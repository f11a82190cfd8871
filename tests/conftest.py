"""Shared fixtures: a click runner and small knowledge bases written into tmp_path."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import smaf_expert

#: States every generated knowledge base knows unless a test passes its own.
DEFAULT_STATES: dict[str, dict[str, Any]] = {
    "USA": {"name": "United States"},
    "CHN": {"name": "China"},
    "RUS": {"name": "Russia"},
    "IND": {"name": "India"},
    "JPN": {"name": "Japan"},
    "PAK": {"name": "Pakistan"},
    "AUS": {"name": "Australia"},
    "FRA": {"name": "France"},
}


def ev(eid: str, indicator: str, since: int, depth: str | None = "developing", *,
       until: int | None = None, status: str | None = None, **extra: Any) -> dict[str, Any]:
    """One evidence item with a claim and a source; `depth=None` leaves the depth out."""
    item: dict[str, Any] = {"id": eid, "indicator": indicator, "since": since,
                            "claim": f"claim of {eid}", "sources": [f"source of {eid}"]}
    if depth is not None:
        item["depth"] = depth
    if until is not None:
        item["until"] = until
    if status is not None:
        item["status"] = status
    item.update(extra)
    return item


def case(parties: list[str], *items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An alignment body (the id is added from the file name by make_kb)."""
    return {"parties": list(parties), **extra, "evidence": list(items)}


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")


def make_kb(tmp_path: Path, states: dict[str, Any] | None = None,
            alignments: dict[str, Any] | None = None, relations: list[dict] | None = None,
            taxonomy: dict[str, str] | None = None, files: dict[str, str] | None = None,
            name: str = "kb") -> Path:
    """Write a knowledge base under tmp_path/name and return its folder.

    `states`: id -> dict of fields (`id` and `name` are filled in when missing), or a raw YAML
    string. `alignments`: file stem -> dict (the `id` is the stem unless given) or a raw string.
    `relations`: the list of relations.yaml. `taxonomy`: the threat categories. `files`: extra
    raw files, relative path -> text.
    """
    root = tmp_path / name
    (root / "states").mkdir(parents=True, exist_ok=True)
    for sid, body in (DEFAULT_STATES if states is None else states).items():
        if isinstance(body, str):
            _dump(root / "states" / f"{sid}.yaml", body)
            continue
        data = {"id": sid, "name": DEFAULT_STATES.get(sid, {}).get("name", sid)}
        data.update(body)
        _dump(root / "states" / f"{sid}.yaml", data)
    for stem, body in (alignments or {}).items():
        if isinstance(body, str):
            _dump(root / "alignments" / f"{stem}.yaml", body)
            continue
        data = {"id": stem, **body}
        _dump(root / "alignments" / f"{stem}.yaml", data)
    if relations is not None:
        _dump(root / "relations.yaml", relations)
    if taxonomy is not None:
        _dump(root / "taxonomy.yaml", {"threat_categories": taxonomy})
    for rel, text in (files or {}).items():
        _dump(root / rel, text)
    return root


def with_states(**bodies: dict[str, Any]) -> dict[str, Any]:
    """The default states with some of them extended or replaced."""
    out = {sid: dict(body) for sid, body in DEFAULT_STATES.items()}
    for sid, body in bodies.items():
        out.setdefault(sid, {}).update(body)
    return out


@cache
def shipped_packs() -> tuple[Any, ...]:
    """The shipped rule packs, loaded once per test session (loading costs ~0.15 s)."""
    from smaf_expert.paths import default_rules

    return tuple(smaf_expert.load_packs([default_rules()]))


def assessor(kb: Path, params: dict[str, Any] | None = None, strict: bool = False):
    """A fresh Assessor over `kb` and the shipped packs: make_assessor without re-reading the
    packs from disk."""
    return smaf_expert.Assessor(smaf_expert.load_knowledge(kb), list(shipped_packs()),
                                params, strict)


def assess(kb: Path, case_id: str, year: int | None = None, **kwargs: Any):
    """Assess one case in a fresh Assessor."""
    return assessor(kb, **kwargs).assess(case_id, year)


def rule_ids(verdict: Any) -> list[str]:
    """The rule ids of the trace, in firing order."""
    return [f.rule for f in verdict.trace]


def kinds(verdict: Any) -> list[tuple[str, str]]:
    """The findings as (kind, rule) pairs, in order."""
    return [(f["kind"], f["rule"]) for f in verdict.findings]


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


INDICATOR_IDS = ("cbm", "consultations", "mtc", "exercises", "integrated_command",
                 "joint_deployment", "common_defence_policy")
STAGE = {ind: i + 1 for i, ind in enumerate(INDICATOR_IDS)}
STAGES_PACK = "smaf-stages"


def present(prefix: str, *indicators: str, since: int = 2000, depth: str = "developing"
            ) -> list[dict[str, Any]]:
    """Present items `{prefix}-{indicator}` for some indicators."""
    return [ev(f"{prefix}-{ind}", ind, since, depth) for ind in indicators]


def absent(prefix: str, *indicators: str, since: int = 2000) -> list[dict[str, Any]]:
    """Explicit `status: absent` items `{prefix}-no-{indicator}` for some indicators."""
    return [ev(f"{prefix}-no-{ind}", ind, since, None, status="absent") for ind in indicators]


def stage_trace(verdict: Any) -> list[str]:
    """The rule ids of the smaf-stages firings, in firing order (other packs left out)."""
    return [f.rule for f in verdict.trace if f.pack == STAGES_PACK]


def stage_findings(verdict: Any) -> list[tuple[str, str]]:
    """The (kind, rule) pairs of the findings of smaf-stages rules, in order."""
    return [(f["kind"], f["rule"]) for f in verdict.findings if f["rule"].startswith("S-")]


def findings_by(verdict: Any, rule: str) -> list[dict[str, Any]]:
    """The findings one rule made."""
    return [f for f in verdict.findings if f["rule"] == rule]


def firings(verdict: Any, rule: str) -> list[Any]:
    """The trace entries of one rule."""
    return [f for f in verdict.trace if f.rule == rule]


def line_of(path: Path, needle: str, start: int = 1) -> int:
    """1-based number of the first line at or after `start` that contains `needle`."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number >= start and needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")
