"""A verdict's trace as W3C PROV-JSON (https://www.w3.org/submission/prov-json/).

Entities: the knowledge entries the trace cites (members of the knowledge base, a
`prov:Collection` named by its content hash), the prepared facts the trace matched and the
packs' constant facts it matched, and every derived fact. Activities: rule firings, which
`used` their matched facts and by which each conclusion `wasGeneratedBy`; a conclusion
`wasDerivedFrom` each premise. The rule packs are plans (`prov:Plan`, with their content
hash) of the engine (a software agent) in each firing's `wasAssociatedWith`.

Under a what-if scenario (`--assume`, `--drop`) the knowledge base is not what the rules read:
an activity `run:scenario`, associated with the analyst, uses it and generates the scenario's
collection; each assumed indicator is an entity of that activity, attributed to the analyst
(`run:assumed-...`, its only source `--assume`), and each dropped item is an entry of the
knowledge base the activity invalidated. A conclusion that rests on an assumption reaches the
analyst, never a named source it does not have.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from smaf_expert._version import __version__
from smaf_expert.explanation.explain import describe
from smaf_expert.reasoning.verdict import Verdict, fact_ids

# URNs, not web addresses: the project publishes no vocabulary at any address.
NAMESPACES = {"smaf": "urn:smaf:ns:", "kb": "urn:smaf:kb:", "fact": "urn:smaf:fact:",
              "run": "urn:smaf:run:", "pack": "urn:smaf:pack:"}
STRUCTURAL = {"case", "member", "pair"}


def content_hash(paths: list[Path], root: Path | None = None) -> str:
    """sha256 over the files (relative name and bytes), in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root) if root else path.name).encode())
        digest.update(b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def knowledge_hash(root: str | Path) -> str:
    """The content hash of a knowledge folder (every YAML file under it)."""
    root = Path(root)
    return content_hash([p for p in root.rglob("*.yaml") if p.is_file()], root)


def _key(fact: dict) -> str:
    return json.dumps({k: v for k, v in fact.items() if k not in ("evidence", "sid")},
                      sort_keys=True, default=str)


def _q(name: str) -> dict[str, str]:
    return {"$": name, "type": "xsd:QName"}


def _kb_name(eid: str) -> str:
    # Entry ids hold `#`, `/` and `@`; a qualified name's local part must not.
    return "kb:" + quote(eid, safe="-_.")


class _Doc:
    """The PROV-JSON document being built, with blank-node ids for relations."""

    def __init__(self) -> None:
        self.data: dict[str, dict] = {"prefix": dict(NAMESPACES)}
        self.n = 0

    def add(self, kind: str, name: str, **attrs: Any) -> str:
        self.data.setdefault(kind, {}).setdefault(name, {}).update(
            {k: v for k, v in attrs.items() if v not in (None, "", [])})
        return name

    def relate(self, kind: str, **attrs: str) -> None:
        self.n += 1
        self.add(kind, f"_:{kind}{self.n}", **attrs)


@dataclass
class Scenario:
    """A what-if run: the `--assume` and `--drop` texts as given, the ids of the assumed
    entries, and the records (as in a verdict's `evidence` map) of the dropped items, from the
    knowledge base as it is."""

    assume: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    dropped: dict[str, dict[str, Any]] = field(default_factory=dict)

    def label(self) -> str:
        from smaf_expert.explanation.whatif import scenario_text

        return scenario_text(self.assume, self.drop)


def to_prov(verdict: Verdict, kb_root: str | Path, packs: list[Any],
            scenario: Scenario | None = None) -> dict[str, Any]:
    """The verdict's provenance as a PROV-JSON document (a dict); with `scenario`, of a verdict
    made under that what-if scenario."""
    doc = _Doc()
    kb_hash = knowledge_hash(kb_root)
    kb = doc.add("entity", f"kb:sha256-{kb_hash}", **{
        "prov:type": _q("prov:Collection"),
        "prov:label": f"knowledge base {Path(kb_root).name}", "smaf:sha256": kb_hash})
    edit = analyst = None
    if scenario is not None:
        analyst = doc.add("agent", "smaf:analyst", **{
            "prov:type": _q("prov:Person"),
            "prov:label": "the analyst who ran the what-if scenario"})
        edit = doc.add("activity", "run:scenario", **{
            "prov:type": _q("smaf:Scenario"), "prov:label": f"what if: {scenario.label()}"})
        doc.relate("used", **{"prov:activity": edit, "prov:entity": kb})
        doc.relate("wasAssociatedWith", **{"prov:activity": edit, "prov:agent": analyst})
        world = doc.add("entity", "run:scenario-kb", **{
            "prov:type": _q("prov:Collection"),
            "prov:label": f"knowledge base {Path(kb_root).name} under: {scenario.label()}"})
        doc.relate("wasGeneratedBy", **{"prov:entity": world, "prov:activity": edit})
        doc.relate("wasDerivedFrom", **{"prov:generatedEntity": world, "prov:usedEntity": kb,
                                        "prov:activity": edit})
        doc.relate("wasAttributedTo", **{"prov:entity": world, "prov:agent": analyst})
    case_entity = doc.add("entity", _kb_name(f"case/{verdict.case}"), **{
        "prov:type": _q("smaf:Case"), "prov:label": f"case {verdict.case} ({verdict.name})"})
    doc.relate("hadMember", **{"prov:collection": kb, "prov:entity": case_entity})
    engine = doc.add("agent", "smaf:engine", **{
        "prov:type": _q("prov:SoftwareAgent"),
        "prov:label": f"smaf-expert {__version__} (durable-rules)"})
    plans, constant_pack = {}, {}
    for pack in packs:
        plans[pack.name] = doc.add("entity", f"pack:{quote(pack.name, safe='-_.')}", **{
            "prov:type": _q("prov:Plan"),
            "prov:label": f"rule pack {pack.name} ({pack.theory})",
            "smaf:sha256": content_hash([Path(pack.path)]) if Path(pack.path).is_file() else None})
        for fact in pack.facts:
            constant_pack.setdefault(fact.get("type"), pack.name)

    def entry(eid: str, item: dict[str, Any] | None = None) -> str:
        assumed = scenario is not None and eid in scenario.assumed
        name = ("run:" + quote(eid, safe="-_.")) if assumed else _kb_name(eid)
        if name in doc.data.get("entity", {}):
            return name
        item = item or verdict.evidence.get(eid) or {}
        doc.add("entity", name, **{
            "prov:type": _q("smaf:Assumption" if assumed else f"smaf:{item.get('kind', 'entry')}"),
            "prov:label": item.get("claim"), "smaf:id": eid,
            "smaf:sources": list(item.get("sources") or []),
            "smaf:year": item.get("year", item.get("since")),
            # An assumption is in no file: the case's file would send an auditor looking for it.
            "smaf:file": None if assumed else item.get("file")})
        if assumed:
            doc.relate("wasGeneratedBy", **{"prov:entity": name, "prov:activity": edit})
            doc.relate("wasAttributedTo", **{"prov:entity": name, "prov:agent": analyst})
            doc.relate("hadMember", **{"prov:collection": "run:scenario-kb", "prov:entity": name})
        else:
            doc.relate("hadMember", **{"prov:collection": kb, "prov:entity": name})
        return name

    if scenario is not None:
        for eid, record in scenario.dropped.items():
            doc.relate("wasInvalidatedBy", **{"prov:entity": entry(eid, record),
                                              "prov:activity": edit})

    entities: dict[str, str] = {}
    # The prepared facts the trace matched (the rest played no part in the verdict).
    matched = {_key(f) for firing in verdict.trace for f in firing.matched.values()}
    for i, fact in enumerate(verdict.facts, 1):
        if _key(fact) not in matched:
            continue
        name = doc.add("entity", f"fact:p{i}", **{
            "prov:type": _q("smaf:PreparedFact"), "prov:label": describe(fact),
            "smaf:factType": fact["type"]})
        entities.setdefault(_key(fact), name)
        ids = fact_ids(fact)
        for eid in dict.fromkeys(ids):
            doc.relate("wasDerivedFrom", **{"prov:generatedEntity": name,
                                            "prov:usedEntity": entry(eid)})
        if not ids and fact["type"] in constant_pack:
            doc.relate("wasDerivedFrom", **{"prov:generatedEntity": name,
                                            "prov:usedEntity": plans[constant_pack[fact["type"]]]})
        elif not ids:
            # Structural (which case, its parties) or knowledge about nothing known: the case.
            doc.relate("wasDerivedFrom", **{"prov:generatedEntity": name,
                                            "prov:usedEntity": case_entity})
    for firing in verdict.trace:
        act = doc.add("activity", f"run:firing-{firing.step}", **{
            "prov:type": _q("smaf:RuleFiring"),
            "prov:label": f"{firing.rule}: {firing.explanation}",
            "smaf:rule": firing.rule, "smaf:pack": firing.pack, "smaf:stratum": firing.stratum})
        doc.relate("wasAssociatedWith", **{"prov:activity": act, "prov:agent": engine,
                                           "prov:plan": plans.get(firing.pack, "")})
        premises = [entities[_key(f)] for f in firing.matched.values() if _key(f) in entities]
        for premise in premises:
            doc.relate("used", **{"prov:activity": act, "prov:entity": premise})
        for fact in firing.asserted:
            key = _key(fact)
            if key not in entities:
                entities[key] = doc.add("entity", f"fact:d{len(entities) + 1}", **{
                    "prov:type": _q("smaf:DerivedFact"), "prov:label": fact.get("text")
                    or describe(fact), "smaf:factType": fact["type"]})
            doc.relate("wasGeneratedBy", **{"prov:entity": entities[key], "prov:activity": act})
            for premise in premises:
                doc.relate("wasDerivedFrom", **{"prov:generatedEntity": entities[key],
                                                "prov:usedEntity": premise,
                                                "prov:activity": act})
            for eid in fact.get("evidence") or []:
                doc.relate("wasDerivedFrom", **{"prov:generatedEntity": entities[key],
                                                "prov:usedEntity": entry(eid),
                                                "prov:activity": act})
    return doc.data


def render_prov(verdict: Verdict, kb_root: str | Path, packs: list[Any],
                scenario: Scenario | None = None) -> str:
    """The PROV-JSON document as text."""
    return json.dumps(to_prov(verdict, kb_root, packs, scenario), ensure_ascii=False, indent=1)
