"""Writing imported fields of a state file (`cow`, `from`, `to`, `gnp`), never hand-coded ones.

A field is imported when the state's `imported:` map names it (with its provenance); a field
present without that is hand-coded and wins: the dataset's value is listed as a conflict when
it differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smaf_expert.importers.common import KnowledgeEdits, Report


def set_state_field(edits: KnowledgeEdits, report: Report, sid: str, name: str, value: Any,
                    provenance: dict[str, Any],
                    differs: Callable[[Any, Any], str | None] | None = None) -> None:
    """Set field `name` of state `sid` to an imported value with its provenance.

    `differs(hand, imported)` describes a disagreement with a hand-coded value (None: they
    agree); by default, any inequality.
    """
    edit = edits.edit(f"states/{sid}.yaml")
    data = edit.data() or {}
    imported = dict(data.get("imported") or {})
    label = f"{sid} {name}"
    if name in data and name not in imported:
        gap = (differs or _differs)(data[name], value)
        if gap:
            report.conflicts.append(f"{label}: {gap} (hand-coded in states/{sid}.yaml; "
                                    f"{provenance['file']} row {provenance.get('row')})")
        else:
            report.unchanged.append(f"{label} (hand-coded, agrees with the dataset)")
        return
    old = (data.get(name), imported.get(name)) if name in imported else None
    report.count(old, (value, provenance), label)
    if old == (value, provenance):
        return
    edit.set_top_level(name, value)
    imported[name] = provenance
    edit.set_top_level("imported", imported)


def _differs(hand: Any, imported: Any) -> str | None:
    return None if hand == imported else f"hand-coded {hand!r}, the dataset says {imported!r}"
