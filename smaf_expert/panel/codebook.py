"""The panel's codebook (Markdown): every column, its type and values, and the rule it comes from.

Rule ids are read from the loaded packs (by the prefix of the rule family), so the codebook
stays true when a pack changes; finding columns come with the rules that assert each kind.
"""

from __future__ import annotations

from smaf_expert.indicators import INDICATORS
from smaf_expert.packs.format import Pack
from smaf_expert.panel.panel import FINDING_PREFIX, columns, finding_kinds
from smaf_expert.panel.write import stata_names

_STATUS = "`present`, `absent`, `unknown` or `excluded` (hedging)"
_BALANCE = "`strong`, `moderate`, `weak` or `undetermined`"

#: column -> (type, definition, rule family: a rule id or the prefix of its ids, "" if none).
FIXED: dict[str, tuple[str, str, str]] = {
    "case": ("string", "Case id (the file name in knowledge/alignments/).", ""),
    "year": ("integer", "Year of assessment; every year from the case's first year with "
                        "evidence (`since`) to its last coded year, within --from/--to, in "
                        "which every party existed. The last coded year is the one `smaf "
                        "assess` uses without --year: the case's `coded_to` if it declares "
                        "one, else the latest `since`/`until` of its evidence, never after the "
                        "current year.", ""),
    "parties": ("string", "The parties, ISO 3166-1 alpha-3 codes joined by `;` in the order of "
                          "the case file.", ""),
    "ccode1": ("integer", "Correlates of War code of the first party (state `cow`); empty for a "
                          "multilateral case or a state without a COW code.", ""),
    "ccode2": ("integer", "COW code of the second party; empty as for ccode1.", ""),
    "degree": ("integer 0-7", "Degree of alignment: the highest stage whose indicator is "
                              "present and not excluded.", "S-degree"),
    "level": ("string", "Level of the degree: `none`, `early`, `moderate` or `advanced`.",
              "S-degree"),
    "ceiling": ("integer 0-7", "The degree if every unknown indicator were present.",
                "S-unknown"),
    "depth": ("string", "Depth of the top stage: `low`, `developing`, `high`; empty at degree "
                        "0.", "S-depth"),
    "bop": ("string", f"Balance of power: {_BALANCE}.", "P-bop"),
    "bot": ("string", f"Balance of threat: {_BALANCE}.", "P-bot"),
    "boi": ("string", f"Balance of interests: {_BALANCE}.", "P-boi"),
    "overall": ("string", f"The combined incentive to align: {_BALANCE}.", "P-combine"),
    "fit": ("string", "Whether the degree fits the incentives: `below`, `consistent`, `above` "
                      "or `undetermined`.", "P-fit"),
    "r": ("float", "GNP ratio of the balance of power: the parties' combined GNP over the GNP of "
                   "the state the case is formed against (`against`), at the latest data year; "
                   "empty when not computable (no `against`, missing GNP).", "P-bop"),
    "confidence": ("string", "How much the verdict rests on: `low`, `moderate` or `high`.",
                   "C-level"),
    "params": ("string", "The rule-pack parameters changed for this run (JSON, sorted keys); "
                         "empty when all are the packs' defaults.", ""),
    "packs": ("string", "The rule packs that reasoned about the case, `;`-joined.", ""),
    "kb_version": ("string", "Content hash of the knowledge base: `sha256:` over every *.yaml "
                             "file's relative path and bytes. Cite it with the export.", ""),
}


def _rules(packs: list[Pack], family: str) -> list[str]:
    ids = [r.id for p in packs for r in p.rules]
    return [i for i in ids if i == family or i.startswith(family + ".")]


def definitions(packs: list[Pack]) -> list[dict[str, str]]:
    """Every column of the panel for these packs: name, Stata name, type, definition, rules."""
    kinds = finding_kinds(packs)
    cols = columns(list(kinds))
    stata = stata_names(cols)
    indicators = {ind.id: ind for ind in INDICATORS}
    out = []
    for col in cols:
        if col in FIXED:
            kind, text, family = FIXED[col]
            rules = ", ".join(_rules(packs, family)) if family else "-"
        elif col in indicators:
            ind = indicators[col]
            kind = "string"
            text = f"Stage {ind.stage}, {ind.name} ({ind.level}): {_STATUS}."
            rules = ", ".join(_rules(packs, "S-degree") + _rules(packs, "S-hedging")
                              + _rules(packs, "S-unknown"))
        else:
            kind = "0/1"
            finding = col[len(FINDING_PREFIX):]
            text = f"1 if the verdict has a finding of kind `{finding}`, else 0."
            rules = ", ".join(kinds[finding])
        out.append({"column": col, "stata": stata[col], "type": kind, "definition": text,
                    "rules": rules})
    return out


def labels(packs: list[Pack]) -> dict[str, str]:
    """Short variable labels (Stata): the column's definition, cut to fit."""
    return {d["column"]: d["definition"] for d in definitions(packs)}


def render_codebook(packs: list[Pack]) -> str:
    """The codebook as Markdown."""
    lines = [
        "# smaf panel: codebook",
        "",
        "One row per case and year (DOMAIN.md section 9). Missing values are empty cells in CSV,",
        "nulls in Parquet and `.` in Stata. Stata names differ from the column name only where",
        "Stata forbids the name (letters, digits and `_`, at most 32 characters).",
        "",
        "| column | Stata name | type | definition | rules |",
        "|---|---|---|---|---|",
    ]
    for d in definitions(packs):
        lines.append(f"| `{d['column']}` | `{d['stata']}` | {d['type']} | "
                     f"{d['definition'].replace('|', '/')} | {d['rules']} |")
    return "\n".join(lines) + "\n"
