"""Knowledge entries by id: what a trace cites and an auditor reads (DOMAIN.md sections 5, 6).

Every entry the rules read has an id (written `id:` or derived from its file and position by
the loader): evidence items, GNP data points (`IND#gnp@2020`), threat perceptions
(`IND#threat/CHN/territorial@2020`), orientations (`IND#orientation@2009`), offensive
capabilities (`CHN#offensive@2015`), relations (`relations#rivalry/CHN-IND`), a state's
undated attributes (`IND#borders`, `IND#rivals/PAK`) and quasi-alliance periods
(`japan-korea-us#period@1969`). `resolve` turns any such id into its entry with its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smaf_expert.errors import AssessmentError, did_you_mean
from smaf_expert.knowledge.loader import Dated, KnowledgeBase, State


@dataclass(frozen=True)
class Entry:
    """One knowledge entry: what it says (`text`), its value, year, unit, sources and place."""

    id: str
    kind: str  # evidence | gnp | threat | orientation | offensive | relation | borders | ...
    text: str
    value: Any
    year: int | None
    unit: str | None
    sources: tuple[str, ...]
    file: str
    line: int | None = None
    until: int | None = None

    def as_record(self) -> dict[str, Any]:
        """The entry as the verdict's `evidence` map holds it (`claim` is the readable line)."""
        return {"kind": self.kind, "claim": self.text, "value": self.value, "year": self.year,
                "since": self.year, "until": self.until, "unit": self.unit,
                "sources": list(self.sources), "file": self.file, "line": self.line}


def gnp_id(state: str, year: int) -> str:
    """The id of a GNP data point."""
    return f"{state}#gnp@{year}"


def borders_id(state: str) -> str:
    """The id of a state's list of neighbours (Walt's proximity)."""
    return f"{state}#borders"


def rivals_id(state: str, rival: str) -> str:
    """The id of one entry of a state's undated `rivals:` list."""
    return f"{state}#rivals/{rival}"


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _dated_text(state: State, entry: Dated, kind: str) -> str:
    span = f"{entry.since}-{entry.until if entry.until is not None else ''}"
    v = entry.values
    if kind == "threat":
        return (f"{state.id} perceives {v['from']} as {_article(v['level'])} "
                f"{v['category']} threat ({span})")
    if kind == "orientation":
        return f"{state.id} orientation: {v['intensity']} {v['direction']} ({span})"
    return f"{state.id} offensive capabilities: {v['level']} ({span})"


def _state_entries(state: State) -> list[Entry]:
    out = []
    for year, value in sorted(state.gnp.items()):
        unit = state.gnp_unit or ""
        out.append(Entry(gnp_id(state.id, year), "gnp",
                         f"{state.id} GNP {year}: {_amount(value)} {unit}".rstrip(),
                         value, year, state.gnp_unit,
                         (state.gnp_source,) if state.gnp_source else (), state.path,
                         state.lines.get("gnp")))
    for kind, entries in (("threat", state.threats), ("orientation", state.orientation),
                          ("offensive", state.offensive)):
        for e in entries:
            out.append(Entry(e.id, kind, _dated_text(state, e, kind), dict(e.values), e.since,
                             None, e.sources, state.path, e.line, e.until))
    if state.borders:
        out.append(Entry(borders_id(state.id), "borders",
                         f"{state.id} borders {', '.join(state.borders)}", list(state.borders),
                         None, None, state.sources, state.path, state.lines.get("borders")))
    for rival in state.rivals:
        # The state file's `sources` are those of its identity and geography, not of a
        # rivalry: an undated list entry has none (kb validate warns about it).
        out.append(Entry(rivals_id(state.id, rival), "rivals",
                         f"{state.id} and {rival} are rivals (undated)", rival, None, None,
                         (), state.path, state.lines.get("rivals")))
    return out


def knowledge_entries(kb: KnowledgeBase) -> dict[str, Entry]:
    """Every entry of the knowledge base by id."""
    out: list[Entry] = []
    for e in kb.evidence.values():
        case = kb.alignments[e.case]
        depth = f" ({e.depth})" if e.depth else ""
        out.append(Entry(e.id, "evidence", e.claim, f"{e.indicator} {e.status}{depth}",
                         e.since, None, e.sources, case.path, e.line, e.until))
    for state in kb.states.values():
        out.extend(_state_entries(state))
    for r in kb.relations:
        span = f"{r.since or ''}-{r.until or ''}" if (r.since or r.until) else "undated"
        label = r.name or r.note or ""
        out.append(Entry(r.id, "relation",
                         f"{r.type} {'-'.join(r.parties)} ({span})"
                         + (f": {label}" if label else ""),
                         r.type, r.since, None, r.sources, r.path, r.line, r.until))
    for triad in kb.quasi.values():
        for p in triad.periods:
            out.append(Entry(p["id"], "period",
                             f"{triad.id} {p['from']}-{p['to']}: fears "
                             + ", ".join(f"{k} {v}" for k, v in (p.get("fears") or {}).items()),
                             p.get("observed"), p["from"], None, tuple(p.get("sources") or ()),
                             triad.path, p.get("line"), p["to"]))
    for a in kb.attributes:
        of = "-".join(a.of) if isinstance(a.of, tuple) else a.of
        shown = ", ".join(f"{k}: {v}" for k, v in a.values.items())
        out.append(Entry(a.id, "attribute", f"{of} ({a.pack}): {shown}", dict(a.values),
                         a.since, None, a.sources, a.path, a.line, a.until))
    return {e.id: e for e in out}


def find_entry(entries: dict[str, Entry], entry_id: str) -> Entry:
    """The entry with this id in `entries` (from `knowledge_entries`), or an error saying there
    is none, with the closest ids."""
    entry = entries.get(entry_id)
    if entry is None:
        raise AssessmentError(f"no knowledge entry has the id {entry_id!r}"
                              f"{did_you_mean(entry_id, entries)}")
    return entry


def resolve(kb: KnowledgeBase, entry_id: str) -> Entry:
    """The entry with this id, or an error saying there is none (with the closest ids)."""
    return find_entry(knowledge_entries(kb), entry_id)
