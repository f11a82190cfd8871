"""One finding per point: the findings of one rule about one subject, merged after the run.

A rule fires once per match, so a rule that compares pairs (two perceptions, two balances, a
stage and one of its prerequisites) gives one finding per pair where an analyst wants one per
point. Such a rule's finding declares what it is `about` (a subject: a threat state; empty for
the verdict as a whole) and its `items`, a list of `[key, value]` pairs; its `text` is written
over `about` and `items` (a mapping key -> list of values) and may name nothing else that
differs between firings. The engine renders each firing's text with that firing's items
(`item_context`); `merge_findings` gives one finding per rule, kind and subject, its text
rendered with the union of the items, its evidence the union of the findings' evidence.
"""

from __future__ import annotations

from typing import Any

from smaf_expert.packs.compiler import Program
from smaf_expert.packs.templating import render_text


def grouped(pairs: list[list[Any]] | None) -> dict[str, list[str]]:
    """`[[key, value], ...]` as key -> values, in first-seen order, each value once."""
    out: dict[str, list[str]] = {}
    for key, value in pairs or ():
        values = out.setdefault(str(key), [])
        if value not in values:
            values.append(value)
    return out


def item_context(finding: dict[str, Any]) -> dict[str, Any]:
    """What a finding text with items is rendered with besides `params` and the state names."""
    return {"about": finding.get("about"), "items": grouped(finding.get("items"))}


def _text_template(program: Program, rule: str, kind: str) -> str | None:
    spec = program.rules.get(rule)
    for item in spec.then if spec else ():
        if item.get("finding", {}).get("kind") == kind:
            return item["finding"]["text"]
    return None


def merge_findings(findings: list[dict[str, Any]], program: Program,
                   context: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings with `items` of one rule, kind and subject as one finding, at the place of the
    first; others unchanged. `context` is the run's template context (state names, year)."""
    out: list[dict[str, Any]] = []
    groups: dict[tuple, dict[str, Any]] = {}
    for finding in findings:
        if "items" not in finding:
            out.append(finding)
            continue
        key = (finding["rule"], finding["kind"], finding.get("about"))
        merged = groups.get(key)
        if merged is None:
            groups[key] = merged = {**finding, "items": list(finding["items"]),
                                    "evidence": list(finding.get("evidence") or []),
                                    "_n": 1}
            out.append(merged)
            continue
        merged["_n"] += 1
        merged["items"] += [i for i in finding["items"] if i not in merged["items"]]
        merged["evidence"] = sorted(set(merged["evidence"]) | set(finding.get("evidence") or []))
    for merged in groups.values():
        template = _text_template(program, merged["rule"], merged["kind"])
        if merged.pop("_n") > 1 and template:
            merged["text"] = render_text(template, {**context, "params": program.params,
                                                    **item_context(merged)})
    return out
