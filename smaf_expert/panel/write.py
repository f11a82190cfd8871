"""Writing the panel: CSV (no extra packages), Parquet and Stata .dta (the `panel` extra).

Every format is made in memory, then written by the CLI's one output writer
(`smaf_expert.cli.output.write_atomically`): whole or not at all, the mode of a replaced file kept,
a pipe written through, a folder or device refused with the path named.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path
from typing import Any

from smaf_expert.cli.output import write_atomically
from smaf_expert.errors import SmafError

FORMATS = ("csv", "parquet", "dta")
#: Columns that hold whole numbers (nullable: ccode is empty for multilateral cases).
INTEGER = {"year", "ccode1", "ccode2", "degree", "ceiling"}
#: Stata: a name is at most 32 characters of letters, digits and `_`, not starting with a digit.
STATA_MAX = 32


class MissingExtra(SmafError):
    """A format needs packages of the `panel` extra that are not installed."""


def _need(fmt: str, modules: tuple[str, ...]) -> None:
    import importlib

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtra(f"--format {fmt} needs {' and '.join(missing)}, which "
                           f"{'is' if len(missing) == 1 else 'are'} not installed: "
                           "pip install 'smaf-expert[panel]'")


def stata_names(columns: list[str]) -> dict[str, str]:
    """Each column's Stata variable name: characters other than letters, digits and `_` become
    `_`, a leading digit gets a `v` in front, names are cut to 32 characters, and a clash gets a
    numbered suffix. The shipped columns are all valid already; packs may add finding kinds."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", col)
        if not name or name[0].isdigit():
            name = "v" + name
        name = name[:STATA_MAX]
        base, n = name, 1
        while name in used:
            n += 1
            suffix = f"_{n}"
            name = base[:STATA_MAX - len(suffix)] + suffix
        used.add(name)
        out[col] = name
    return out


def to_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """The panel as CSV text: a header row, then one row per case-year; missing is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else r[c] for c in columns])
    return buffer.getvalue()


def to_frame(columns: list[str], rows: list[dict[str, Any]]) -> Any:
    """The panel as a pandas DataFrame with typed columns (nullable integers, floats, text)."""
    import pandas as pd

    frame = pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=columns)
    for col in columns:
        if col in INTEGER or col.startswith("f_"):
            frame[col] = frame[col].astype("Int64")
        elif col == "r":
            frame[col] = frame[col].astype("float64")
        else:
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def _dta_bytes(frame: Any, column_labels: list[str]) -> bytes:
    """A Stata file's bytes: pyreadstat writes only to a path, so to one in a private folder."""
    import pyreadstat

    with tempfile.TemporaryDirectory(prefix="smaf-panel-") as folder:
        tmp = Path(folder) / "panel.dta"
        pyreadstat.write_dta(frame, str(tmp), file_label="smaf-expert panel",
                             column_labels=column_labels)
        return tmp.read_bytes()


def write_panel(path: str, fmt: str, columns: list[str], rows: list[dict[str, Any]],
                labels: dict[str, str] | None = None) -> None:
    """Write the panel to `path` as csv, parquet or dta; `labels` become Stata variable
    labels (the original column name and its definition)."""
    if fmt == "csv":
        write_atomically(path, to_csv(columns, rows))
        return
    if fmt == "parquet":
        _need(fmt, ("pandas", "pyarrow"))
        buffer = io.BytesIO()
        to_frame(columns, rows).to_parquet(buffer, engine="pyarrow", index=False)
        write_atomically(path, buffer.getvalue())
        return
    if fmt == "dta":
        _need(fmt, ("pandas", "pyreadstat"))
        frame = to_frame(columns, rows)
        # Stata has no nullable integer: whole numbers go as doubles, missing as `.`.
        for col in columns:
            if str(frame[col].dtype) == "Int64":
                frame[col] = frame[col].astype("float64")
        names = stata_names(columns)
        frame = frame.rename(columns=names)
        column_labels = [(labels or {}).get(c, c)[:80] for c in columns]
        write_atomically(path, _dta_bytes(frame, column_labels))
        return
    raise SmafError(f"unknown panel format {fmt!r}; the formats are: {', '.join(FORMATS)}")
