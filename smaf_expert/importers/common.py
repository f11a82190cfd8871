"""What every importer shares: reading the dataset's CSV, provenance, the report, and applying
the edits to the knowledge base whole (validated first) or not at all.

Conventions (docs/panel-and-importers.md): an imported list entry (relation, evidence item) carries
`imported: <dataset>` and `provenance: {dataset, version, file, row, ...}`; imported fields of a
state file are listed under the state's `imported:` map (field -> provenance). An entry or field
without that marking is hand-coded: never changed; where the dataset disagrees with it, the
hand-coded value wins and the disagreement is listed as a conflict.
"""

from __future__ import annotations

import csv
import difflib
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smaf_expert.errors import InputError, Problem, SmafError
from smaf_expert.importers.yamledit import Edit


@dataclass
class Table:
    """A dataset's CSV: the lines above the header, the header, and rows with their line."""

    path: Path
    preamble: list[list[str]]
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def provenance(self, dataset: str, version: str | None, line: int,
                   **extra: Any) -> dict[str, Any]:
        """The provenance record of one row: dataset, version (if the file states it), the
        file's name and the row's line in it."""
        record: dict[str, Any] = {"dataset": dataset}
        if version:
            record["version"] = version
        record.update({"file": self.path.name, "row": line, **extra})
        return record


def read_table(path: str | Path, dataset: str, required: list[str]) -> Table:
    """Read a CSV whose header is the first line holding every `required` column; lines above
    it (titles, metadata) are kept as the preamble, empty header cells (spacers) are dropped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError([Problem(str(path), None, f"cannot read: {err.strerror}")],
                         "dataset file") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # SIPRI and COW files saved by spreadsheet programs are often Windows-1252.
        text = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text))
    preamble: list[list[str]] = []
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    wanted = {c.casefold() for c in required}
    for cells in reader:
        line = reader.line_num
        if header is None:
            if wanted <= {c.strip().casefold() for c in cells}:
                header = [c.strip() for c in cells]
            else:
                preamble.append(cells)
            continue
        if not any(c.strip() for c in cells):
            continue
        rows.append((line, {h: (cells[i].strip() if i < len(cells) else "")
                            for i, h in enumerate(header) if h}))
    if header is None:
        raise InputError([Problem(str(path), None, f"not a {dataset} file: no header line with "
                                                   f"the columns {', '.join(required)}")],
                         "dataset file")
    return Table(path, preamble, header, rows)


def column(table: Table, name: str) -> str:
    """The header as written in the file for a column name (matched without case)."""
    for h in table.header:
        if h.casefold() == name.casefold():
            return h
    raise KeyError(name)


def as_year(text: str) -> int | None:
    """A whole year from a cell, or None for an empty or missing cell."""
    text = text.strip()
    if not text or text in {".", "NA", "-"}:
        return None
    value = float(text)
    if not value.is_integer() or not 1800 <= value <= 2100:
        raise ValueError(f"{text!r} is not a year in 1800-2100")
    return int(value)


@dataclass
class Report:
    """What an import did or would do: entries added, updated, unchanged; conflicts with
    hand-coded entries; names and codes that did not map; rows left out and why; entries an
    earlier import of the dataset wrote that this file no longer has (`stale`: kept, since the
    file may be an extract, but named so that a dropped entry is never kept unseen)."""

    dataset: str
    file: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, old: Any, new: Any, label: str) -> None:
        """Record an entry as added, updated or unchanged."""
        if old is None:
            self.added.append(label)
        elif old != new:
            self.updated.append(label)
        else:
            self.unchanged.append(label)

    def summary(self) -> str:
        """The report as text."""
        out = [f"{self.dataset} from {self.file}: {len(self.added)} added, "
               f"{len(self.updated)} updated, {len(self.unchanged)} unchanged, "
               f"{len(self.conflicts)} conflicts with hand-coded entries, "
               f"{len(self.unmapped)} unmapped, {len(self.skipped)} rows left out, "
               f"{len(self.stale)} imported before, not in this file"]
        for title, items in (("added", self.added), ("updated", self.updated),
                             ("conflict (hand-coded wins)", self.conflicts),
                             ("unmapped (not guessed)", self.unmapped),
                             ("left out", self.skipped),
                             ("not in this file (kept; delete it by hand if the dataset dropped "
                              "it)", self.stale), ("note", self.notes)):
            out += [f"  {title}: {item}" for item in items]
        return "\n".join(out)


class KnowledgeEdits:
    """Pending edits of a knowledge folder's files, applied whole after validation."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._edits: dict[str, tuple[str, Edit]] = {}

    def edit(self, relative: str) -> Edit:
        """The edit of one file (relative to the knowledge folder), created on first use."""
        if relative not in self._edits:
            path = self.root / relative
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            self._edits[relative] = (text, Edit(text))
        return self._edits[relative][1]

    def changed(self) -> dict[str, tuple[str, str]]:
        """Files whose text would change: relative path -> (old, new)."""
        return {rel: (old, e.text) for rel, (old, e) in sorted(self._edits.items())
                if e.text != old}

    def lossy(self) -> list[str]:
        """Files re-dumped whole (their comments are lost)."""
        return [rel for rel, (_, e) in sorted(self._edits.items()) if e.lossy]

    def diff(self) -> str:
        """A unified diff of every change."""
        out: list[str] = []
        for rel, (old, new) in self.changed().items():
            out += difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), f"a/{rel}", f"b/{rel}")
        return "".join(out)

    def check(self) -> None:
        """Validate the knowledge base as it would be after the edits; raise KnowledgeError
        (naming the edited files) when it would not load."""
        from smaf_expert.knowledge.loader import load_knowledge

        with tempfile.TemporaryDirectory(prefix="smaf-import-") as tmp:
            copy = Path(tmp) / "kb"
            shutil.copytree(self.root, copy)
            for rel, (_, new) in self.changed().items():
                target = copy / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(new, encoding="utf-8")
            try:
                load_knowledge(copy)
            except InputError as err:
                # Point the problems at the real files, not the temporary copy.
                problems = [Problem(p.path.replace(str(copy), str(self.root)), p.line,
                                    p.message) for p in err.problems]
                raise InputError(problems, "knowledge base after the import") from err

    def write(self) -> list[str]:
        """Write every changed file (each whole or not at all); the relative paths written."""
        from smaf_expert.cli.output import OutputError, write_atomically

        written = []
        for rel, (_, new) in self.changed().items():
            target = self.root / rel
            done = f" (already written: {', '.join(written)})" if written else ""
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise SmafError(f"cannot write {target}: {err.strerror}{done}") from err
            try:
                write_atomically(str(target), new)
            except OutputError as err:
                raise OutputError(err.message + done) from err
            written.append(rel)
        return written


def start_import(kb: Path, file: Path, dataset: str, required: list[str]
                 ) -> tuple[Table, Report, KnowledgeEdits, set[str]]:
    """What an importer starts from: the dataset's table (its header checked), an empty
    report, the edits to plan, and the ids of the states the knowledge base has files for."""
    table = read_table(file, dataset, required)
    return table, Report(dataset, file.name), KnowledgeEdits(kb), state_ids(kb)


def cow_years(row: dict[str, str], col: dict[str, str], codes: tuple[str, ...]
              ) -> tuple[list[int], int | None, int | None]:
    """A COW row's codes (the `codes` columns) and its `styear` and `endyear`; a ValueError
    names a cell that is not a whole number or a year."""
    return ([int(row[col[c]]) for c in codes], as_year(row[col["styear"]]),
            as_year(row[col["endyear"]]))


def not_in_crosswalk(line: int, ccode: int, name: str) -> str:
    """The report line for a COW code the crosswalk does not map."""
    return f"row {line}: ccode {ccode} ({name}) is not in the crosswalk"


def state_ids(root: str | Path) -> set[str]:
    """The ids of the states of a knowledge folder (its states/*.yaml file names)."""
    return {p.stem for p in (Path(root) / "states").glob("*.yaml")}
