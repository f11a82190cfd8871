"""`wdi-gdp`: a World Bank WDI CSV download -> GNP/GDP series of the states of the knowledge base.

The download has metadata lines (`"Data Source","World Development Indicators",`, `"Last
Updated Date","2024-06-28",`), a blank line, then `"Country Name","Country Code","Indicator
Name","Indicator Code","1960",...`; an empty cell is a missing value. Interpretations
(docs/panel-and-importers.md):

- One indicator per file, in current US$ (a code ending `.CD`, e.g. NY.GDP.MKTP.CD for GDP or
  NY.GNP.MKTP.CD for GNI): values are converted to the unit the shipped knowledge base uses,
  `current US$ billion`, rounded to 3 decimals, so ratios between states stay comparable.
- Country Code is ISO3 already; rows for codes with no state file (aggregates such as WLD, or
  states not in the knowledge base) are left out and counted.
- A hand-coded `gnp` block wins; years where it differs from WDI by more than 2% are listed.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from smaf_expert.errors import InputError, Problem
from smaf_expert.importers.common import KnowledgeEdits, Report, column, start_import
from smaf_expert.importers.states import set_state_field

DATASET = "wdi-gdp"
REQUIRED = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
UNIT = "current US$ billion"
#: Relative difference above which a hand-coded value and WDI's are listed as a conflict.
TOLERANCE = 0.02


def run(kb: Path, file: Path, **_: object) -> tuple[KnowledgeEdits, Report]:
    """Plan the import of a WDI CSV into the knowledge base at `kb`."""
    table, report, edits, known = start_import(kb, file, DATASET, REQUIRED)
    meta = {cells[0].strip(): cells[1].strip() for cells in table.preamble if len(cells) > 1}
    version = f"WDI, last updated {meta['Last Updated Date']}" if meta.get(
        "Last Updated Date") else None
    years = [h for h in table.header if re.fullmatch(r"\d{4}", h)]
    code_col, ind_col = column(table, "Country Code"), column(table, "Indicator Code")
    indicators = sorted({row[ind_col] for _, row in table.rows})
    if len(indicators) != 1 or not indicators[0].endswith(".CD"):
        raise InputError([Problem(str(file), None, "a wdi-gdp file holds one indicator in "
                                                   "current US$ (code ending .CD); this one "
                                                   f"holds: {', '.join(indicators) or 'none'}")],
                         "dataset file")
    outside = 0
    for line, row in table.rows:
        sid = row[code_col]
        if sid not in known:
            outside += 1
            continue
        values: dict[int, float] = {}
        for year in years:
            cell = row.get(year, "")
            if not cell:
                continue
            try:
                amount = float(cell)
            except ValueError:
                report.skipped.append(f"row {line}, {year}: {cell!r} is not a number")
                continue
            if not math.isfinite(amount) or amount <= 0:
                report.skipped.append(f"row {line}, {year}: {cell!r} is not a positive amount")
                continue
            values[int(year)] = round(amount / 1e9, 3)
        if not values:
            report.skipped.append(f"row {line}: {sid} has no value in any year")
            continue
        gnp = {"unit": UNIT,
               "source": f"World Bank WDI, {row[column(table, 'Indicator Name')]}, series "
                         f"{indicators[0]}",
               "values": values}
        provenance = table.provenance(DATASET, version, line, indicator=indicators[0],
                                      columns=f"{min(values)}-{max(values)}")
        set_state_field(edits, report, sid, "gnp", gnp, provenance, _differs)
    if outside:
        report.notes.append(f"{outside} rows for codes with no state file (aggregates such as "
                            "WLD, or states not in the knowledge base) left out")
    return edits, report


def _differs(hand: dict, imported: dict) -> str | None:
    values = (hand or {}).get("values") or {}
    gaps = []
    for year, amount in sorted(imported["values"].items()):
        mine = values.get(year, values.get(str(year)))
        if isinstance(mine, int | float) and abs(mine - amount) > TOLERANCE * max(amount, 1e-9):
            gaps.append(f"{year}: {mine} vs {amount}")
    if not gaps:
        return None
    unit = (hand or {}).get("unit")
    return (f"hand-coded GNP differs from WDI by more than {TOLERANCE:.0%} in {len(gaps)} "
            f"year(s) ({'; '.join(gaps[:5])}{'; ...' if len(gaps) > 5 else ''}; hand-coded "
            f"unit: {unit})")
