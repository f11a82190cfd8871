"""Loading and validating a knowledge base (DOMAIN.md section 5): every problem, with file:line."""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from smaf_expert.errors import KnowledgeError, Problem
from smaf_expert.indicators import BY_ID
from smaf_expert.knowledge.attributes import AttributeEntry, collect_attributes
from smaf_expert.knowledge.fastschema import compile_schema
from smaf_expert.yamlio import Document, read_yaml


@dataclass(frozen=True)
class Evidence:
    """One dated, sourced item of evidence for an indicator of a case."""

    id: str
    case: str
    indicator: str
    status: str
    depth: str | None
    since: int
    until: int | None
    claim: str
    sources: tuple[str, ...]
    confidence: str
    line: int | None = None

    def holds(self, year: int) -> bool:
        """Whether the item is in force at `year` (since and until are inclusive)."""
        return self.since <= year and (self.until is None or year <= self.until)


@dataclass(frozen=True)
class Alignment:
    """A case: two or more parties, the state they may align against, and the evidence."""

    id: str
    name: str
    parties: tuple[str, ...]
    against: str | None
    trust: str
    evidence: tuple[Evidence, ...]
    path: str
    #: The last year the case is coded for, when the file declares it (`coded_to`).
    coded_to: int | None = None

    def years(self) -> tuple[int | None, int | None]:
        """First and last year that any evidence of the case names (None without evidence)."""
        if not self.evidence:
            return None, None
        starts = [e.since for e in self.evidence]
        ends = [e.until if e.until is not None else e.since for e in self.evidence]
        return min(starts), max(ends + starts)


@dataclass(frozen=True)
class Dated:
    """A dated entry of a state file (threat perception or orientation)."""

    since: int
    until: int | None
    values: dict[str, Any]
    sources: tuple[str, ...]
    #: The entry's id for provenance (written `id:` or derived, e.g. `IND#threat/CHN/x@2020`).
    id: str = ""
    line: int | None = None

    def holds(self, year: int) -> bool:
        """Whether the entry is in force at `year`."""
        return self.since <= year and (self.until is None or year <= self.until)


@dataclass(frozen=True)
class State:
    """A state: identity, years of existence, GNP series, threats, orientation, rivals."""

    id: str
    name: str
    cow: int | None
    start: int | None
    end: int | None
    gnp: dict[int, float]
    gnp_unit: str | None
    gnp_source: str | None
    threats: tuple[Dated, ...]
    orientation: tuple[Dated, ...]
    rivals: tuple[str, ...]
    path: str
    borders: tuple[str, ...] = ()
    offensive: tuple[Dated, ...] = ()
    #: The state file's own sources (for its undated attributes: borders, the rivals list).
    sources: tuple[str, ...] = ()
    #: Line of each top-level field, for entries derived from the file (gnp, borders, rivals).
    lines: dict[str, int | None] = field(default_factory=dict)

    def exists_in(self, year: int) -> bool:
        """Whether the state existed in `year` (open ends when `from`/`to` are not given)."""
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class Relation:
    """A relation between states: alliance, animosity, rivalry or hierarchy."""

    type: str
    parties: tuple[str, ...]
    since: int | None
    until: int | None
    name: str | None
    dominant: str | None
    sources: tuple[str, ...]
    note: str | None = None
    #: The entry's id (written or `relations#<type>/<parties sorted>`, `@since` on a clash).
    id: str = ""
    path: str = ""
    line: int | None = None

    def holds(self, year: int) -> bool:
        """Whether the relation is in force at `year` (undated ends are open)."""
        return (self.since is None or self.since <= year) and (
            self.until is None or year <= self.until
        )


@dataclass(frozen=True)
class QuasiTriad:
    """A quasi-alliance triad (Cha): parties, common ally, threat, and coded periods."""

    id: str
    parties: tuple[str, ...]
    ally: str | None
    threats: tuple[str, ...]
    hindrances: tuple[str, ...]
    periods: tuple[dict[str, Any], ...]
    path: str


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the rules may read, validated."""

    root: str
    states: dict[str, State]
    relations: tuple[Relation, ...]
    alignments: dict[str, Alignment]
    quasi: dict[str, QuasiTriad]
    threat_categories: dict[str, str]
    evidence: dict[str, Evidence] = field(default_factory=dict)
    #: Theory data for rule packs (DOMAIN.md section 8), checked against the loaded packs.
    attributes: tuple[AttributeEntry, ...] = ()
    #: Problems that do not make the knowledge base invalid (e.g. an undated rivals list).
    warnings: tuple[Problem, ...] = ()


@cache
def _schema(name: str) -> dict:
    schemas = resources.files("smaf_expert.knowledge.schemas")
    text = schemas.joinpath(f"{name}.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator(name: str) -> Any:
    # Built once per schema and process: building one per document cost more than validating.
    # jsonschema is imported only when a document needs its messages (see _fast_check).
    import jsonschema

    # JSON Schema counts 2004.0 as an integer; a year or count written with a decimal point is
    # refused instead, so every year the rules compare is a whole number (DOMAIN.md section 7).
    whole_numbers = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool))
    validator = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                             type_checker=whole_numbers)
    return validator(_schema(name))


@cache
def _fast_check(name: str) -> Any:
    # A compiled yes/no check (knowledge/fastschema.py): a document it accepts is valid, so
    # jsonschema runs only on the documents that have problems, to word them.
    return compile_schema(_schema(name))


def _jsonable(value: Any) -> Any:
    # YAML allows integer keys (years in a GNP series); JSON Schema needs string keys.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _schema_problems(doc: Document, schema_name: str) -> list[Problem]:
    data = _jsonable(doc.data)
    fast = _fast_check(schema_name)
    if fast is not None and fast(data):
        return []
    validator = _validator(schema_name)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        where = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in err.path)
        place = ".".join(str(p) for p in err.path) or "the document"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = list(err.schema.get("properties", {}))
            patterns = err.schema.get("patternProperties") or {}
            for key in err.instance:
                if patterns and key not in known and not any(
                        re.search(p, str(key)) for p in patterns):
                    # E.g. a GNP year that is not a year: its value would go unchecked.
                    problems.append(doc.problem(where + (key,), f"{place}: {key!r} is not "
                                                "allowed here (expected a key like "
                                                f"{', '.join(patterns)})"))
                if key not in known and not patterns:
                    # Point at the unknown key itself, where the typo is.
                    problems.append(doc.problem(where + (key,), f"{place}: unknown field "
                                                f"{key!r}{_suggest(key, known)}; the fields "
                                                f"are: {', '.join(known)}"))
            continue
        if err.validator == "type" and isinstance(err.instance, float) and "integer" in str(
                err.validator_value) and err.instance.is_integer():
            problems.append(doc.problem(where, f"{place}: {err.instance} must be a whole number "
                                        f"written without a decimal point ({int(err.instance)})"))
            continue
        problems.append(doc.problem(where, f"{place}: {err.message}"))
    return problems


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    """Collects the problems a schema cannot see: references, duplicates, date order."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.state_ids: set[str] = set()
        self.categories: set[str] = set()
        self.warnings: list[Problem] = []
        #: Every entry id seen so far, with where it was defined (ids are unique in a base).
        self.ids: dict[str, Problem] = {}

    def entry_id(self, doc: Document, where: tuple, entry: Any, derived: str) -> str:
        """The id of an entry: its written `id:` or the derived one; a clash is a problem."""
        eid = entry.get("id") if isinstance(entry, dict) and entry.get("id") else derived
        here = doc.problem(where, "")
        if eid in self.ids:
            first = self.ids[eid]
            self.add(doc, where, f"id {eid!r} is also used at {first.path}:{first.line}: "
                                 "give one of the entries its own `id:`")
        else:
            self.ids[eid] = here
        return eid

    def add(self, doc: Document, where: tuple, message: str) -> None:
        self.problems.append(doc.problem(where, message))

    def state(self, doc: Document, where: tuple, sid: Any) -> None:
        if sid is not None and sid not in self.state_ids:
            self.add(doc, where, f"unknown state {sid!r}{_suggest(sid, self.state_ids)}: "
                                 f"add knowledge/states/{sid}.yaml or fix the id")

    def dates(self, doc: Document, where: tuple, start: Any, end: Any, names=("since", "until")):
        if isinstance(start, int) and isinstance(end, int) and start > end:
            self.add(doc, where, f"{names[0]} {start} is after {names[1]} {end}")


def _yaml_files(folder: Path) -> list[Path]:
    """Every *.yaml entry of a folder, readable or not: read_yaml reports a symlink loop or a
    folder named x.yaml; a folder that cannot be listed stops the load (never skipped)."""
    if not folder.is_dir():
        return []
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as err:
        raise KnowledgeError([Problem(str(folder), None, "cannot list the folder: "
                                                         f"{err.strerror or err}")]) from err
    return [folder / name for name in names if name.endswith(".yaml")]


def load_knowledge(root: str | Path) -> KnowledgeBase:
    """Load and validate the knowledge base at `root`; raise KnowledgeError with every problem."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, "no such knowledge folder")])

    malformed: set[str] = set()

    def read(path: Path, schema: str) -> Document | None:
        doc, problem = read_yaml(path)
        if problem:
            problems.append(problem)
            return None
        found = _schema_problems(doc, schema)
        problems.extend(found)
        if found:
            # Still checked below, as far as its shape allows: one mistake must not hide others.
            malformed.add(str(path))
        return doc

    def build(fn: Any, doc: Document, *args: Any) -> Any:
        if str(doc.path) not in malformed:
            return fn(doc, *args)
        try:
            built = fn(doc, *args)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            return None
        # An id that is not a name (a list, a number) cannot key anything; the schema said so.
        return built if isinstance(getattr(built, "id", ""), str) else None

    taxonomy_path = root / "taxonomy.yaml"
    taxonomy = read(taxonomy_path, "taxonomy") if os.path.lexists(taxonomy_path) else None
    if taxonomy and str(taxonomy.path) in malformed:
        taxonomy = None
    state_docs = [d for d in (read(p, "state") for p in _yaml_files(root / "states")) if d]
    relations_path = root / "relations.yaml"
    relations_doc = (read(relations_path, "relations") if os.path.lexists(relations_path)
                     else None)
    align_docs = [d for d in (read(p, "alignment") for p in _yaml_files(root / "alignments")) if d]
    quasi_docs = [d for d in (read(p, "quasi") for p in _yaml_files(root / "quasi")) if d]
    if not (root / "states").is_dir():
        problems.append(Problem(str(root), None, "no states/ folder: a knowledge base needs one"))

    check = _Checker()
    check.categories = set(taxonomy.data["threat_categories"]) if taxonomy else set()
    # A state file that could not be read is reported once, not again at every use of its id.
    check.state_ids |= {p.stem for p in _yaml_files(root / "states")}
    for doc in state_docs:
        sid = doc.data.get("id") if isinstance(doc.data, dict) else None
        if not isinstance(sid, str):
            continue
        if sid != doc.path.stem:
            check.add(doc, ("id",), f"id {sid!r} does not match the file name {doc.path.name!r}")
        check.state_ids.add(sid)

    states = {s.id: s for s in (build(_state, d, check) for d in state_docs) if s}
    doc_of = {str(d.path): d for d in state_docs}
    relations = (build(_relations, relations_doc, check) or ()) if relations_doc else ()
    alignments: dict[str, Alignment] = {}
    evidence: dict[str, Evidence] = {}
    for doc in align_docs:
        case = build(_alignment, doc, check, evidence)
        if case is None:
            continue
        if case.id in alignments:
            check.add(doc, ("id",),
                      f"case {case.id!r} is also defined in {alignments[case.id].path}")
        alignments[case.id] = case
    quasi = {q.id: q for q in (build(_quasi, d, check) for d in quasi_docs) if q}

    for state in states.values():
        _warn_undated_rivals(doc_of.get(state.path), state, relations, check)
        if state.borders and not state.sources and state.path in doc_of:
            check.warnings.append(doc_of[state.path].problem(
                ("borders",), "borders without sources: give the state file `sources:` (e.g. "
                              "the Correlates of War Direct Contiguity data) so that Walt's "
                              "proximity can be cited"))
    problems.extend(check.problems)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        root=str(root),
        states=states,
        relations=relations,
        alignments=alignments,
        quasi=quasi,
        threat_categories=dict(taxonomy.data["threat_categories"]) if taxonomy else {},
        evidence=evidence,
        attributes=collect_attributes(state_docs, relations_doc, align_docs),
        warnings=tuple(check.warnings),
    )


def _warn_undated_rivals(doc: Document | None, state: State, relations: tuple[Relation, ...],
                         check: _Checker) -> None:
    """A `rivals:` entry is undated (a rivalry in every year both states exist); warn, and say
    when a dated rivalry relation of the same pair takes precedence over it."""
    if doc is None:
        return
    dated = {frozenset(r.parties) for r in relations if r.type == "rivalry"}
    for i, rival in enumerate(state.rivals):
        pair = frozenset((state.id, rival))
        tail = ("; the dated rivalry in relations.yaml is read instead" if pair in dated
                else "; code it as a dated rivalry in relations.yaml (since/until, sources)")
        check.warnings.append(doc.problem(("rivals", i), f"undated rivalry {state.id}-{rival} "
                                                          f"in rivals: list{tail}"))


def _dated(doc: Document, where: tuple, entry: dict, check: _Checker, keys: tuple,
           derived: str) -> Dated:
    check.dates(doc, where, entry["since"], entry.get("until"))
    return Dated(entry["since"], entry.get("until"), {k: entry.get(k) for k in keys},
                 tuple(entry["sources"]), check.entry_id(doc, where, entry, derived),
                 doc.line(where))


def _state(doc: Document, check: _Checker) -> State:
    data = doc.data
    check.dates(doc, ("to",), data.get("from"), data.get("to"), ("from", "to"))
    threats = []
    for i, t in enumerate(data.get("threats", [])):
        check.state(doc, ("threats", i, "from"), t["from"])
        if check.categories and t["category"] not in check.categories:
            check.add(doc, ("threats", i, "category"),
                      f"unknown threat category {t['category']!r}"
                      f"{_suggest(t['category'], check.categories)}: the categories are listed in "
                      "taxonomy.yaml")
        if t["from"] == data["id"]:
            check.add(doc, ("threats", i, "from"), "a state cannot perceive itself as a threat")
        threats.append(_dated(doc, ("threats", i), t, check, ("from", "category", "level"),
                              f"{data['id']}#threat/{t['from']}/{t['category']}@{t['since']}"))
    orientation = [
        _dated(doc, ("orientation", i), o, check, ("direction", "intensity"),
               f"{data['id']}#orientation@{o['since']}")
        for i, o in enumerate(data.get("orientation", []))
    ]
    for i, rival in enumerate(data.get("rivals", [])):
        check.state(doc, ("rivals", i), rival)
    for i, neighbour in enumerate(data.get("borders", [])):
        check.state(doc, ("borders", i), neighbour)
    gnp = data.get("gnp") or {}
    for year in (gnp.get("values") or {}):
        check.entry_id(doc, ("gnp", "values", year), None, f"{data['id']}#gnp@{int(year)}")
    return State(
        id=data["id"], name=data["name"], cow=data.get("cow"),
        start=data.get("from"), end=data.get("to"),
        gnp={int(y): float(v) for y, v in (gnp.get("values") or {}).items()},
        gnp_unit=gnp.get("unit"), gnp_source=gnp.get("source"),
        threats=tuple(threats), orientation=tuple(orientation),
        rivals=tuple(data.get("rivals", [])), path=str(doc.path),
        borders=tuple(data.get("borders", [])),
        offensive=tuple(_dated(doc, ("offensive", i), o, check, ("level",),
                               f"{data['id']}#offensive@{o['since']}")
                        for i, o in enumerate(data.get("offensive", []))),
        sources=tuple(data.get("sources") or ()),
        lines={k: doc.line((k,)) for k in ("gnp", "borders", "rivals") if k in data},
    )


def _relations(doc: Document, check: _Checker) -> tuple[Relation, ...]:
    out = []
    # A derived id names the type and the parties; where two entries share both, each carries
    # its `since` too (US-Japan 1951 and 1960).
    base = [f"relations#{r['type']}/{'-'.join(sorted(r['parties']))}" for r in doc.data]
    shared = {b for b in base if base.count(b) > 1}
    for i, r in enumerate(doc.data):
        for j, party in enumerate(r["parties"]):
            check.state(doc, (i, "parties", j), party)
        if r.get("dominant") is not None:
            check.state(doc, (i, "dominant"), r["dominant"])
            if r["dominant"] not in r["parties"]:
                check.add(doc, (i, "dominant"), "the dominant state must be one of the parties")
        check.dates(doc, (i,), r.get("since"), r.get("until"))
        derived = base[i] + (f"@{r.get('since', '')}" if base[i] in shared else "")
        out.append(Relation(r["type"], tuple(r["parties"]), r.get("since"), r.get("until"),
                            r.get("name"), r.get("dominant"), tuple(r["sources"]),
                            r.get("note"), check.entry_id(doc, (i,), r, derived),
                            str(doc.path), doc.line((i,))))
    return tuple(out)


def _alignment(doc: Document, check: _Checker, seen: dict[str, Evidence]) -> Alignment:
    data = doc.data
    if data["id"] != doc.path.stem:
        check.add(doc, ("id",), f"id {data['id']!r} does not match the file name {doc.path.name!r}")
    parties = data["parties"]
    if len(parties) < 2:
        check.add(doc, ("parties",), f"a case needs at least two parties, found {len(parties)}")
    for j, party in enumerate(parties):
        check.state(doc, ("parties", j), party)
    if data.get("against") is not None:
        check.state(doc, ("against",), data["against"])
        if data["against"] in parties:
            check.add(doc, ("against",), "a case cannot be formed against one of its own parties")
    items = []
    for i, e in enumerate(data["evidence"]):
        where = ("evidence", i)
        status = e.get("status", "present")
        if e["indicator"] not in BY_ID:
            check.add(doc, where + ("indicator",), f"unknown indicator {e['indicator']!r}"
                      f"{_suggest(e['indicator'], BY_ID)}; the indicators are: {', '.join(BY_ID)}")
        if status == "present" and not e.get("depth"):
            check.add(doc, where, f"evidence {e['id']!r} is present but has no depth "
                                  "(low, developing or high)")
        check.dates(doc, where + ("until",), e["since"], e.get("until"))
        item = Evidence(
            id=e["id"], case=data["id"], indicator=e["indicator"], status=status,
            depth=e.get("depth"), since=e["since"], until=e.get("until"), claim=e["claim"],
            sources=tuple(e["sources"]), confidence=e.get("confidence", "medium"),
            line=doc.line(where),
        )
        if item.id in seen:
            other = seen[item.id]
            check.add(doc, where + ("id",), f"duplicate evidence id {item.id!r} "
                                            f"(first used in case {other.case!r})")
        else:
            check.entry_id(doc, where + ("id",), None, item.id)
            seen[item.id] = item
        items.append(item)
    return Alignment(
        id=data["id"], name=data.get("name") or data["id"], parties=tuple(parties),
        against=data.get("against"), trust=data.get("trust", "low"), evidence=tuple(items),
        path=str(doc.path), coded_to=data.get("coded_to"),
    )


def _quasi(doc: Document, check: _Checker) -> QuasiTriad:
    data = doc.data
    if data["id"] != doc.path.stem:
        check.add(doc, ("id",), f"id {data['id']!r} does not match the file name {doc.path.name!r}")
    parties = data["parties"]
    for j, party in enumerate(parties):
        check.state(doc, ("parties", j), party)
    check.state(doc, ("ally",), data.get("ally"))
    threats = tuple(data.get("threats") or ([data["threat"]] if data.get("threat") else []))
    for t in threats:
        check.state(doc, ("threat",), t)
    for i, period in enumerate(data["periods"]):
        check.dates(doc, ("periods", i), period["from"], period["to"], ("from", "to"))
        for key in ("fears", "ally_commitment"):
            for sid in period.get(key) or {}:
                if sid not in parties:
                    check.add(doc, ("periods", i, key, sid),
                              f"{key} names {sid!r}, which is not a party of this triad")
    periods = tuple({**p, "id": check.entry_id(doc, ("periods", i), p,
                                               f"{data['id']}#period@{p['from']}"),
                     "line": doc.line(("periods", i))} for i, p in enumerate(data["periods"]))
    return QuasiTriad(
        id=data["id"], parties=tuple(parties), ally=data.get("ally"), threats=threats,
        hindrances=tuple(data.get("hindrances", [])), periods=periods,
        path=str(doc.path),
    )
