"""`cow-states`: the Correlates of War state system list -> COW codes and years of existence.

Reads COW's `states2016.csv` layout (`stateabb, ccode, statenme, styear, stmonth, styday,
endyear, endmonth, endday, version`), one row per spell of system membership. Only states that
have a file in the knowledge base get values; every ccode missing from the crosswalk is
reported. Interpretations (docs/panel-and-importers.md):

- A ccode's years are cut by the crosswalk (365: RUS to 1921, SUN 1922-1991, RUS from 1992).
- A state's `from`/`to` are those of its latest spell of membership (spells less than two years
  apart are joined): the knowledge format has no gaps, so earlier spells are reported as notes.
- An `endyear` equal to the last year of the file means "still in the system": no `to`; a
  `to` an earlier import wrote for such a state is kept and listed as not in this file.
- `cow` is the ccode of the state's latest spell (DEU: 255, not 260).
"""

from __future__ import annotations

from pathlib import Path

from smaf_expert.importers.common import (
    KnowledgeEdits,
    Report,
    column,
    cow_years,
    not_in_crosswalk,
    start_import,
)
from smaf_expert.importers.crosswalk import split_by_cow
from smaf_expert.importers.states import set_state_field

DATASET = "cow-states"
REQUIRED = ["stateabb", "ccode", "statenme", "styear", "endyear"]


def run(kb: Path, file: Path, **_: object) -> tuple[KnowledgeEdits, Report]:
    """Plan the import of a COW state list into the knowledge base at `kb`."""
    table, report, edits, known = start_import(kb, file, DATASET, REQUIRED)
    col = {name: column(table, name) for name in REQUIRED}
    version_col = next((h for h in table.header if h.casefold() == "version"), None)
    spells: dict[str, list[tuple[int, int, int, int, str | None]]] = {}
    parsed = []
    for line, row in table.rows:
        try:
            (ccode,), start, end = cow_years(row, col, ("ccode",))
        except ValueError as err:
            report.skipped.append(f"row {line}: {err}")
            continue
        if start is None or end is None:
            report.skipped.append(f"row {line}: no styear or endyear")
            continue
        parsed.append((line, row, ccode, start, end))
    last_year = max((p[4] for p in parsed), default=None)
    outside: set[str] = set()
    for line, row, ccode, start, end in parsed:
        pieces = split_by_cow(ccode, start, end)
        if not pieces:
            report.unmapped.append(not_in_crosswalk(line, ccode, row[col["statenme"]]))
            continue
        version = row.get(version_col, "") if version_col else ""
        for iso3, lo, hi in pieces:
            if iso3 not in known:
                outside.add(iso3)
                continue
            spells.setdefault(iso3, []).append((lo, hi if hi is not None else end, ccode, line,
                                                version or None))
    if outside:
        report.notes.append(f"{len(outside)} states have no file in the knowledge base and were "
                            f"left out: {', '.join(sorted(outside))}")
    for iso3, found in sorted(spells.items()):
        latest = _latest_spell(sorted(found))
        lo, hi, ccode, first_line, version = latest[0]
        last = latest[-1]
        earlier = [s for s in found if s not in latest]
        if earlier:
            report.notes.append(f"{iso3}: earlier COW spells not representable as from/to: "
                                + ", ".join(f"{s[0]}-{s[1]}" for s in sorted(earlier)))
        def prov(line: int, v: str | None = version) -> dict:
            return table.provenance(DATASET, v, line)
        set_state_field(edits, report, iso3, "cow", last[2], prov(last[3], last[4]))
        set_state_field(edits, report, iso3, "from", lo, prov(first_line))
        if last[1] != last_year:
            set_state_field(edits, report, iso3, "to", last[1], prov(last[3], last[4]))
        elif "to" in ((edits.edit(f"states/{iso3}.yaml").data() or {}).get("imported") or {}):
            report.stale.append(f"{iso3} to (states/{iso3}.yaml): this file has the state in "
                                f"the system to its last year, {last_year}")
    return edits, report


def _latest_spell(spells: list[tuple]) -> list[tuple]:
    """The pieces of the latest run of spells, each starting at most a year after the last."""
    run = [spells[-1]]
    for spell in reversed(spells[:-1]):
        if spell[1] >= run[0][0] - 1:
            run.insert(0, spell)
        else:
            break
    return run
