"""`rivalries`: Thompson and Dreyer's strategic rivalries -> dated rivalry relations.

Reads `rivalryno, rivalryname, ccode1, ccode2, styear, endyear, region, type1, type2, type3`
(COW codes). Interpretations (docs/panel-and-importers.md):

- Each ccode maps through the crosswalk by year, so a rivalry that spans a change of code is cut
  into one relation per piece (a 365 rivalry 1950-2010 becomes SUN 1950-1991 and RUS
  1992-2010).
- An empty `endyear` is an ongoing rivalry: no `until`.
- Only pairs whose two states have files in the knowledge base are written; others are listed.
- A hand-coded rivalry of the same pair whose years overlap wins: the imported one is not
  written, and listed as a conflict when its years differ.
- A rivalry an earlier import wrote that this file no longer has (by rivalry number, pair and
  first year) is kept and listed as not in this file: the list may have dropped or re-dated
  it, or the file may be an extract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smaf_expert.importers.common import (
    KnowledgeEdits,
    Report,
    column,
    cow_years,
    not_in_crosswalk,
    start_import,
)
from smaf_expert.importers.crosswalk import split_by_cow

DATASET = "rivalries"
REQUIRED = ["rivalryno", "rivalryname", "ccode1", "ccode2", "styear", "endyear"]
SOURCE = "Thompson and Dreyer, Handbook of International Rivalries, 1494-2010 (CQ Press, 2012)"


def _overlap(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    lo = max(a[0] or 0, b[0] or 0)
    hi = min(a[1] if a[1] is not None else 9999, b[1] if b[1] is not None else 9999)
    return lo <= hi


def key(entry: dict[str, Any]) -> Any:
    """Identity of an imported rivalry: dataset, rivalry number, pair and first year."""
    if entry.get("imported") != DATASET:
        return None
    prov = entry.get("provenance") or {}
    return (prov.get("rivalryno"), tuple(sorted(entry["parties"])), entry.get("since"))


def run(kb: Path, file: Path, **_: object) -> tuple[KnowledgeEdits, Report]:
    """Plan the import of a strategic-rivalries CSV into the knowledge base at `kb`."""
    table, report, edits, known = start_import(kb, file, DATASET, REQUIRED)
    col = {name: column(table, name) for name in REQUIRED}
    types = [h for h in table.header if h.casefold() in {"type1", "type2", "type3"}]
    edit = edits.edit("relations.yaml")
    existing = [r for r in (edit.data() or []) if isinstance(r, dict)]
    by_key = {key(r): r for r in existing if key(r) is not None}
    hand = [r for r in existing if r.get("type") == "rivalry" and "imported" not in r]
    entries = []
    listed = set()  # the keys of every rivalry this file has, written or not
    for line, row in table.rows:
        try:
            codes, start, end = cow_years(row, col, ("ccode1", "ccode2"))
        except ValueError as err:
            report.skipped.append(f"row {line}: {err}")
            continue
        if start is None:
            report.skipped.append(f"row {line}: no styear")
            continue
        sides = [split_by_cow(c, start, end) for c in codes]
        for c, pieces in zip(codes, sides, strict=True):
            if not pieces:
                report.unmapped.append(not_in_crosswalk(line, c, row[col["rivalryname"]]))
        for a, a_lo, a_hi in sides[0]:
            for b, b_lo, b_hi in sides[1]:
                lo = max(a_lo, b_lo)
                his = [h for h in (a_hi, b_hi) if h is not None]
                hi = min(his) if his else None
                if hi is not None and lo > hi:
                    continue
                missing = [s for s in (a, b) if s not in known]
                if missing:
                    report.skipped.append(f"row {line}: {a}-{b} {lo}-{hi or ''}: no state file "
                                          f"for {', '.join(missing)}")
                    continue
                entry = _relation(table, line, row, col, types, (a, b), lo, hi)
                listed.add(key(entry))
                label = f"rivalry {a}-{b} {lo}-{hi or ''}"
                clash = [r for r in hand if set(r.get("parties", [])) == {a, b}
                         and _overlap((r.get("since"), r.get("until")), (lo, hi))]
                if clash:
                    same = any((r.get("since"), r.get("until")) == (lo, hi) for r in clash)
                    if not same:
                        report.conflicts.append(
                            f"{label} (row {line}): hand-coded in relations.yaml as "
                            + ", ".join(f"{r.get('since')}-{r.get('until') or ''}"
                                        for r in clash))
                    else:
                        report.unchanged.append(f"{label} (hand-coded, agrees with the "
                                                "dataset)")
                    continue
                report.count(by_key.get(key(entry)), entry, label)
                entries.append(entry)
    if entries:
        edit.upsert_items((), entries, key)
    for old in existing:
        if key(old) is not None and key(old) not in listed:
            # Labelled from the entry as it stands: a hand edit may have left other than two
            # parties.
            report.stale.append(f"rivalry {'-'.join(map(str, old['parties']))} "
                                f"{old.get('since')}-{old.get('until') or ''} "
                                f"(relations.yaml, rivalry {key(old)[0]})")
    return edits, report


def _relation(table: Any, line: int, row: dict[str, str], col: dict[str, str],
              types: list[str], parties: tuple[str, str], since: int, until: int | None
              ) -> dict[str, Any]:
    number = row[col["rivalryno"]]
    entry: dict[str, Any] = {"type": "rivalry", "parties": list(parties), "since": since}
    if until is not None:
        entry["until"] = until
    entry["name"] = row[col["rivalryname"]] or f"rivalry {number}"
    kinds = [row[t] for t in types if row.get(t)]
    if kinds:
        entry["note"] = "Thompson and Dreyer type: " + "; ".join(kinds)
    entry["sources"] = [f"{SOURCE}, rivalry {number}"]
    entry["imported"] = DATASET
    entry["provenance"] = table.provenance(DATASET, None, line,
                                           rivalryno=int(number) if number.isdigit() else number)
    return entry
