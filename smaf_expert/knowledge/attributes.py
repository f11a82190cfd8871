"""Theory data: the `attributes:` of states, cases and relations (DOMAIN.md section 8).

A rule pack for a new theory declares under `knowledge:` the attributes it reads; knowledge
files carry them under `attributes: {pack-name: {field: value, ..., sources: [...]}}`. This
module reads them off the knowledge files (each with its id, file and lines), checks them
against the declarations of the packs that are loaded, and turns them into engine facts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from smaf_expert.errors import Problem
from smaf_expert.yamlio import Document

#: What an attribute can be about.
ENTITIES = ("state", "case", "relation")
#: Keys of an attribute block that are not fields: its sources and the years it holds.
RESERVED = ("sources", "since", "until")


@dataclass(frozen=True)
class AttributeEntry:
    """The attributes one knowledge entry carries for one pack, with their sources.

    `of` is a state id, a case id, or (for a relation) the relation's parties.
    """

    id: str
    entity: str
    of: str | tuple[str, ...]
    pack: str
    values: dict[str, Any]
    sources: tuple[str, ...]
    path: str
    line: int | None
    lines: dict[str, int | None] = field(default_factory=dict)
    #: For a relation: its type and years, so that it is read only where it holds.
    relation: str = ""
    since: int | None = None
    until: int | None = None

    def holds(self, year: int) -> bool:
        """Whether the entry is in force at `year` (a state's or case's always is)."""
        return (self.since is None or self.since <= year) and (
            self.until is None or year <= self.until)

    def record(self) -> dict[str, Any]:
        """The entry as the verdict's `evidence` map shows it: what it says and its sources."""
        of = list(self.of) if isinstance(self.of, tuple) else self.of
        return {"attributes": self.pack, "entity": self.entity, "of": of,
                "values": dict(self.values), "sources": list(self.sources),
                "file": self.path, "line": self.line}


def relation_key(rel_type: str, parties: Iterable[str]) -> str:
    """The id of a relation entry, as DOMAIN.md section 5 writes it: `relations#rivalry/CHN-IND`."""
    return f"relations#{rel_type}/{'-'.join(sorted(parties))}"


def _entry(doc: Document, where: tuple, pack: str, raw: Any, entity: str, of: Any,
           owner_id: str, **extra: Any) -> AttributeEntry | None:
    if not isinstance(raw, dict):
        return None  # the schema has already said what is wrong with it
    values = {k: v for k, v in raw.items() if k not in RESERVED}
    # Attributes may be dated (a state that acquires nuclear weapons); a relation's attributes
    # hold in the relation's years unless dated themselves.
    for key in ("since", "until"):
        if key in raw:
            extra[key] = raw[key]
    return AttributeEntry(
        id=f"{owner_id}#attributes/{pack}", entity=entity, of=of, pack=str(pack),
        values=values, sources=tuple(raw.get("sources") or ()), path=str(doc.path),
        line=doc.line(where), lines={k: doc.line(where + (k,)) for k in values}, **extra)


def _of_mapping(doc: Document, where: tuple, attrs: Any, entity: str, of: Any, owner: str,
                **extra: Any) -> list[AttributeEntry]:
    if not isinstance(attrs, dict):
        return []
    found = (_entry(doc, where + (pack,), pack, raw, entity, of, owner, **extra)
             for pack, raw in attrs.items())
    return [e for e in found if e is not None]


def collect_attributes(state_docs: list[Document], relations_doc: Document | None,
                       case_docs: list[Document]) -> tuple[AttributeEntry, ...]:
    """Every attribute entry of the knowledge files, in file order."""
    out: list[AttributeEntry] = []
    for doc in state_docs:
        data = doc.data if isinstance(doc.data, dict) else {}
        if isinstance(data.get("id"), str):
            out += _of_mapping(doc, ("attributes",), data.get("attributes"), "state",
                               data["id"], data["id"])
    for doc in case_docs:
        data = doc.data if isinstance(doc.data, dict) else {}
        if isinstance(data.get("id"), str):
            out += _of_mapping(doc, ("attributes",), data.get("attributes"), "case",
                               data["id"], data["id"])
    seen: set[str] = set()
    for i, rel in enumerate(relations_doc.data if relations_doc and
                            isinstance(relations_doc.data, list) else []):
        if not isinstance(rel, dict) or not isinstance(rel.get("parties"), list):
            continue
        owner = relation_key(str(rel.get("type")), rel["parties"])
        if owner in seen:
            # The same relation in two periods: the second is told apart by its first year.
            owner = f"{owner}@{rel.get('since')}"
        seen.add(owner)
        out += _of_mapping(relations_doc, (i, "attributes"), rel.get("attributes"),
                           "relation", tuple(rel["parties"]), owner,
                           relation=str(rel.get("type")), since=rel.get("since"),
                           until=rel.get("until"))
    return tuple(out)


#: The Python types a declared attribute type accepts (`bool` is not a number here).
_TYPE_CHECKS = {
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def check_attributes(entries: Iterable[AttributeEntry], packs: Iterable[Any]
                     ) -> tuple[list[Problem], list[str]]:
    """Check attributes against the `knowledge:` declarations of the loaded packs.

    Returns the problems (an undeclared field of a loaded pack, a value of the wrong type or
    outside the declared `values`), each at its file and line, and the names of packs that
    knowledge files carry attributes for but that are not loaded (left unchecked).
    """
    declared: dict[str, dict[tuple[str, str], Any]] = {}
    for pack in packs:
        declared[pack.name] = {(d.entity, d.field): d for d in getattr(pack, "knowledge", ())}
    problems: list[Problem] = []
    unchecked: dict[str, None] = {}
    for entry in entries:
        if entry.pack not in declared:
            unchecked.setdefault(entry.pack, None)
            continue
        fields = declared[entry.pack]
        for fname, value in entry.values.items():
            line = entry.lines.get(fname, entry.line)
            decl = fields.get((entry.entity, fname))
            if decl is None:
                names = sorted(f for (ent, f) in fields if ent == entry.entity)
                problems.append(Problem(entry.path, line, (
                    f"pack {entry.pack!r} declares no {entry.entity} attribute {fname!r}"
                    f"{_suggest(fname, names)}; "
                    f"its {entry.entity} attributes are: {', '.join(names) or 'none'} "
                    "(declare it under the pack's `knowledge:` or fix the name)")))
            elif not _TYPE_CHECKS[decl.type](value):
                problems.append(Problem(entry.path, line, (
                    f"attribute {fname!r} of pack {entry.pack!r} must be a {decl.type} "
                    f"(its declaration), not {value!r}")))
            elif decl.values and any(v not in decl.values for v in
                                     (value if isinstance(value, list) else [value])):
                problems.append(Problem(entry.path, line, (
                    f"attribute {fname!r} of pack {entry.pack!r} is {value!r}; the values "
                    f"allowed are: {', '.join(map(str, decl.values))}")))
    return problems, list(unchecked)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def attribute_fact(entry: AttributeEntry, fname: str) -> dict[str, Any]:
    """One attribute as an engine fact, with the id of its entry as provenance."""
    fact: dict[str, Any] = {
        "type": "attribute", "entity": entry.entity,
        "of": list(entry.of) if isinstance(entry.of, tuple) else entry.of,
        "pack": entry.pack, "field": fname, "value": entry.values[fname],
        "evidence": [entry.id]}
    if entry.entity == "relation":
        fact["relation"] = entry.relation
    return fact


def attribute_facts(entries: Iterable[AttributeEntry], year: int,
                    states: set[str] | None = None, cases: set[str] | None = None
                    ) -> list[dict[str, Any]]:
    """The attribute facts at `year`: of the given states and cases and of the relations among
    those states (every entry when `states` and `cases` are None: the network scope)."""
    facts = []
    for entry in entries:
        if not entry.holds(year):
            continue
        if states is not None:
            if entry.entity == "state" and entry.of not in states:
                continue
            if entry.entity == "relation" and not set(entry.of) <= states:
                continue
        if cases is not None and entry.entity == "case" and entry.of not in cases:
            continue
        facts += [attribute_fact(entry, fname) for fname in entry.values]
    return facts
