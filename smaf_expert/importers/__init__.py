"""Importers of the field's datasets into the knowledge base (docs/panel-and-importers.md).

Each importer reads a file the user downloaded, in its dataset's own layout, and plans edits of
the knowledge YAML with provenance; `apply` validates and writes them (or shows the diff).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from smaf_expert.importers import cow_states, rivalries, sipri, wdi
from smaf_expert.importers.common import KnowledgeEdits, Report

#: Dataset name -> planner: (knowledge folder, dataset file, options) -> (edits, report).
IMPORTERS: dict[str, Callable[..., tuple[KnowledgeEdits, Report]]] = {
    wdi.DATASET: wdi.run,
    rivalries.DATASET: rivalries.run,
    sipri.DATASET: sipri.run,
    cow_states.DATASET: cow_states.run,
}


def plan_import(dataset: str, kb: str | Path, file: str | Path,
                **options: Any) -> tuple[KnowledgeEdits, Report]:
    """The edits an import would make and its report; nothing is written."""
    return IMPORTERS[dataset](Path(kb), Path(file), **options)


def run_import(dataset: str, kb: str | Path, file: str | Path, dry_run: bool = False,
               **options: Any) -> tuple[KnowledgeEdits, Report]:
    """Import `file` into the knowledge base at `kb`: the result is validated first and
    written whole (nothing is written when it would not validate, or with `dry_run`)."""
    from smaf_expert.knowledge.loader import load_knowledge

    # A knowledge base that does not load is reported as such before any edit is planned.
    load_knowledge(kb)
    edits, report = plan_import(dataset, kb, file, **options)
    if edits.changed():
        edits.check()
        if not dry_run:
            edits.write()
    return edits, report


__all__ = ["IMPORTERS", "KnowledgeEdits", "Report", "plan_import", "run_import"]
