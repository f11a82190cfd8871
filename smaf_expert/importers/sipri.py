"""`sipri-trade`: the SIPRI Arms Transfers Database trade register -> MTC evidence (stage 3).

The register CSV has title lines, then `Recipient, Supplier, Year of order, , Number ordered, ,
Weapon designation, Weapon description, Number delivered, , Year(s) of delivery, status,
Comments, SIPRI TIV per unit, SIPRI TIV for total order, SIPRI TIV of delivered weapons` (the
empty headers are spacer columns). Country names are SIPRI's and map through the crosswalk;
every name that does not map is reported, never guessed. Interpretations
(docs/panel-and-importers.md):

- A deal is evidence of military-technical cooperation (`mtc`) for the case whose parties are
  exactly its supplier and recipient; deals of other pairs are counted and left out.
- One evidence item per deal: `since` the year of order, `until` the last year of delivery in
  the register (open while nothing is delivered), `confidence: low` for the analyst to review
  (an arms sale is not necessarily cooperation "with regular personnel exchange").
- Depth from the deal's TIV (SIPRI trend-indicator value, millions; delivered, else the total
  order): `high` from TIV_HIGH (default 500), `developing` from TIV_DEVELOPING (default 50),
  `low` below; `smaf import sipri-trade --tiv-high N --tiv-developing N` changes them.
- Where a hand-coded `mtc` item of the case holds in a year of the deal with another status or
  depth, the hand-coded coding wins: the deal is not written and is listed as a conflict.
- A deal an earlier import wrote into a case this file has deals for, and that this file no
  longer has (by id), is kept and listed as not in this file. Cases the file has no deal for
  are not checked: a register is usually downloaded for a few states.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from smaf_expert.importers.common import KnowledgeEdits, Report, read_table
from smaf_expert.importers.crosswalk import iso3_of_sipri

DATASET = "sipri-trade"
REQUIRED = ["Recipient", "Supplier", "Year of order", "Weapon designation"]
TIV_HIGH = 500.0
TIV_DEVELOPING = 50.0
SOURCE = "SIPRI Arms Transfers Database, trade register"


def _number(text: str) -> float | None:
    text = text.strip().strip("()")
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _years(text: str) -> list[int]:
    return [int(y) for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", text)]


def _get(row: dict[str, str], name: str) -> str:
    return next((v for k, v in row.items() if k.casefold() == name.casefold()), "")


def _cases(edits: KnowledgeEdits) -> dict[frozenset[str], str]:
    out = {}
    for path in sorted((edits.root / "alignments").glob("*.yaml")):
        data = edits.edit(f"alignments/{path.name}").data() or {}
        parties = data.get("parties") or []
        if len(parties) == 2:
            out[frozenset(parties)] = path.name
    return out


def key(entry: dict[str, Any]) -> Any:
    """Identity of an evidence item: its id."""
    return entry.get("id")


def run(kb: Path, file: Path, tiv_high: float = TIV_HIGH, tiv_developing: float = TIV_DEVELOPING,
        **_: object) -> tuple[KnowledgeEdits, Report]:
    """Plan the import of a SIPRI trade register into the knowledge base at `kb`."""
    table = read_table(file, DATASET, REQUIRED)
    report = Report(DATASET, file.name)
    edits = KnowledgeEdits(kb)
    titles = [" ".join(c.strip() for c in cells if c.strip()) for cells in table.preamble]
    version = "; ".join(t for t in titles if t) or None
    cases = _cases(edits)
    unmapped: dict[str, list[int]] = {}
    no_case: dict[str, int] = {}
    planned: dict[str, list[dict[str, Any]]] = {}
    for line, row in table.rows:
        names = (_get(row, "Supplier"), _get(row, "Recipient"))
        codes = [iso3_of_sipri(n) for n in names]
        for name, code in zip(names, codes, strict=True):
            if code is None:
                unmapped.setdefault(name, []).append(line)
        if None in codes:
            continue
        pair = f"{codes[0]}->{codes[1]}"
        filename = cases.get(frozenset(codes))
        if filename is None:
            no_case[pair] = no_case.get(pair, 0) + 1
            continue
        entry = _item(table, line, row, codes, names, version, tiv_high, tiv_developing)
        if entry is None:
            report.skipped.append(f"row {line}: no year of order or delivery")
            continue
        planned.setdefault(filename, []).append(entry)
    for name, lines in sorted(unmapped.items()):
        report.unmapped.append(f"SIPRI name {name!r} (rows {', '.join(map(str, lines))})")
    for pair, n in sorted(no_case.items()):
        report.skipped.append(f"{pair}: {n} deal(s), no case with exactly these parties")
    for filename, entries in planned.items():
        _write(edits, report, filename, entries)
    return edits, report


def _item(table: Any, line: int, row: dict[str, str], codes: list[str | None],
          names: tuple[str, str], version: str | None, tiv_high: float,
          tiv_developing: float) -> dict[str, Any] | None:
    ordered = _years(_get(row, "Year of order"))
    delivered = _years(_get(row, "Year(s) of delivery"))
    if not ordered and not delivered:
        return None
    since = min(ordered or delivered)
    tiv = _number(_get(row, "SIPRI TIV of delivered weapons")) or _number(
        _get(row, "SIPRI TIV for total order"))
    depth = ("high" if tiv is not None and tiv >= tiv_high else
             "developing" if tiv is not None and tiv >= tiv_developing else "low")
    designation = _get(row, "Weapon designation")
    slug = re.sub(r"[^a-z0-9]+", "-", designation.lower()).strip("-") or "deal"
    entry: dict[str, Any] = {
        "id": f"sipri-{codes[0]}-{codes[1]}-{since}-{slug}".lower()[:80],
        "indicator": "mtc", "status": "present", "depth": depth, "since": since,
    }
    if delivered:
        entry["until"] = max(delivered)
    number = _get(row, "Number delivered") or _get(row, "Number ordered")
    what = " ".join(p for p in (number, designation, f"({_get(row, 'Weapon description')})"
                                if _get(row, "Weapon description") else "") if p)
    entry["claim"] = (f"Arms transfer {names[0]} to {names[1]}: {what}, ordered {since}"
                      + (f", delivered {_get(row, 'Year(s) of delivery')}" if delivered else "")
                      + (f"; SIPRI TIV {tiv:g}" if tiv is not None else "; no TIV"))
    entry["sources"] = [f"{SOURCE}{f' ({version})' if version else ''}"]
    entry["confidence"] = "low"
    entry["imported"] = DATASET
    entry["provenance"] = table.provenance(DATASET, version, line)
    return entry


def _write(edits: KnowledgeEdits, report: Report, filename: str,
           entries: list[dict[str, Any]]) -> None:
    edit = edits.edit(f"alignments/{filename}")
    items = [e for e in (edit.data() or {}).get("evidence") or [] if isinstance(e, dict)]
    hand = [e for e in items if "imported" not in e]
    mine = {e.get("id"): e for e in items if e.get("imported") == DATASET}
    hand_ids = {e.get("id") for e in hand}
    seen: dict[str, int] = {}
    keep = []
    for entry in entries:
        # Two deals of a pair, year and designation: number them in file order.
        base = entry["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            entry["id"] = f"{base}-{seen[base]}"
        label = f"{filename}: {entry['id']}"
        if entry["id"] in hand_ids:
            report.conflicts.append(f"{label}: a hand-coded item has this id")
            continue
        clash = [e for e in hand if e.get("indicator") == "mtc" and _overlaps(e, entry)
                 and (e.get("status", "present"), e.get("depth")) != ("present", entry["depth"])]
        if clash:
            coded = ", ".join(f"{e.get('id')} ({e.get('status', 'present')} "
                              f"{e.get('depth') or ''})".replace(" )", ")") for e in clash)
            report.conflicts.append(f"{label} ({entry['depth']}, {entry['since']}-"
                                    f"{entry.get('until') or ''}): hand-coded {coded} wins")
            continue
        report.count(mine.get(entry["id"]), entry, label)
        keep.append(entry)
    if keep:
        edit.upsert_items(("evidence",), keep, key)
    listed = {entry["id"] for entry in entries}
    report.stale += [f"{filename}: {eid}" for eid in mine if eid not in listed]


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    a_end = a.get("until") if a.get("until") is not None else 9999
    b_end = b.get("until") if b.get("until") is not None else 9999
    return max(a["since"], b["since"]) <= min(a_end, b_end)
