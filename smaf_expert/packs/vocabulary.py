"""The fact vocabulary as data: which fact types exist, with which fields of which JSON types.

The prepared (base) types are read off `prepare.py` (scope `case`) and `network.py` (scope
`network`); packs add the types they declare under `produces` and the types of their static
`facts`. The linter checks conditions and conclusions against this vocabulary, because the
engine accepts a misspelt type or field silently and the rule then never fires
(ENGINE-NOTES.md). tests/test_lint.py checks this file against the facts that preparation
actually builds, so a new prepared field cannot drift past it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from smaf_expert.indicators import BY_ID, INDICATORS, LEVELS
from smaf_expert.reasoning.network import NETWORK_OUTPUT_TYPES
from smaf_expert.reasoning.verdict import CORE_TYPES

#: The JSON types a field may have; `any` where it is not known (a join, an undeclared type).
FIELD_TYPES = ("string", "integer", "number", "boolean", "array", "object", "any")

#: Other spellings accepted under `produces` (the parameter types among them).
TYPE_ALIASES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
                "list": "array", "strings": "array", "integers": "array", "dict": "object",
                "mapping": "object"}

#: Fields every fact may carry: its type, and the evidence ids behind it (a derived fact
#: inherits those of the facts its rule matched).
COMMON_FIELDS: dict[str, str] = {"type": "string", "evidence": "array"}

#: A finding (`finding:` conclusion); a pack may add fields that tie it to what it is about.
FINDING_FIELDS: dict[str, str] = {"kind": "string", "rule": "string", "text": "string",
                                  "evidence": "array"}

#: Theory data a pack declares under `knowledge:` and knowledge files carry (DOMAIN.md
#: section 8): `of` is a state id, a case id, or a relation's parties (with `relation`, its
#: type); `value` has the type the pack declares for `field`.
ATTRIBUTE_FIELDS: dict[str, str] = {"entity": "string", "of": "any", "pack": "string",
                                    "field": "string", "value": "any", "relation": "string",
                                    "evidence": "array"}

#: Facts prepared for one case at one year (prepare.case_facts, prepare.incentive_facts).
CASE_FACTS: dict[str, dict[str, str]] = {
    "case": {"case": "string", "year": "integer", "n_parties": "integer", "trust": "string",
             "against": "string", "unknown": "array", "treaty": "boolean",
             "hierarchy_marked": "boolean", "dominant": "string", "gnp_ratio": "number",
             "gnp_top": "string", "evidence_by": "object"},
    "indicator": {"indicator": "string", "stage": "integer", "level": "string",
                  "status": "string", "depth": "string", "depth_rank": "integer",
                  "suspended": "boolean", "confidence_rank": "integer",
                  "prev_status": "string",
                  "prev_depth_rank": "integer", "depth_change": "integer", "ended": "array",
                  "evidence": "array"},
    "pair": {"party": "string", "other": "string"},
    "engagement": {"party": "string", "partner": "string", "indicator": "string",
                   "stage": "integer", "depth": "string", "depth_rank": "integer",
                   "source_case": "string", "evidence": "array"},
    "rivalry": {"state": "string", "rival": "string"},
    "power": {"against": "string", "status": "string", "missing": "array", "r": "number",
              "parties_gnp": "number", "against_gnp": "number", "push": "boolean",
              "data_age": "integer", "oldest_data_year": "integer"},
    # `evidence_by`: ids kept per field or per fact type (docs/rule-packs.md, "Provenance").
    "member": {"state": "string", "evidence_by": "object"},
    "perception": {"state": "string", "from": "string", "category": "string",
                   "level": "string", "level_rank": "integer", "since": "integer",
                   "sources": "array", "evidence_by": "object"},
    "orientation": {"state": "string", "direction": "string", "intensity": "string",
                    "intensity_rank": "integer", "since": "integer", "sources": "array"},
    "walt": {"state": "string", "against": "string", "borders": "boolean",
             "offensive": "string", "offensive_rank": "integer", "intent_rank": "integer",
             "power_ratio": "number", "evidence_by": "object"},
    "attribute": ATTRIBUTE_FIELDS,
}

#: Facts prepared for the whole network at a year (network.network_facts).
NETWORK_FACTS: dict[str, dict[str, str]] = {
    "tie": {"a": "string", "b": "string", "kind": "string", "degree": "integer",
            "name": "string"},
    "animosity": {"a": "string", "b": "string", "note": "string"},
    "perception": {"state": "string", "from": "string", "category": "string",
                   "level": "string", "level_rank": "integer"},
    "period": {"triad": "string", "from": "integer", "to": "integer", "ally": "string",
               "n_parties": "integer", "observed": "string"},
    "fear": {"triad": "string", "state": "string", "fear": "string"},
    "commitment": {"triad": "string", "state": "string", "value": "string"},
    "triad_member": {"triad": "string", "state": "string"},
    "triad_threat": {"triad": "string", "state": "string", "level_rank": "integer"},
    "attribute": ATTRIBUTE_FIELDS,
}

#: The prepared fact types of each scope (`scope:` of a pack; `case` by default).
BASE_FACTS: dict[str, dict[str, dict[str, str]]] = {"case": CASE_FACTS, "network": NETWORK_FACTS}

_STAGES = frozenset(ind.stage for ind in INDICATORS)
_DEPTHS = frozenset({"low", "developing", "high"})
_THREAT_LEVELS = frozenset({"potential", "growing", "immediate"})

#: Every value a prepared field can take, where preparation fixes them (the knowledge schemas
#: and the indicator table). A literal test that no such value passes can never hold.
DOMAINS: dict[str, dict[tuple[str, str], frozenset]] = {
    "case": {
        ("case", "trust"): frozenset({"low", "high"}),
        ("indicator", "indicator"): frozenset(BY_ID),
        ("indicator", "stage"): _STAGES,
        ("indicator", "level"): frozenset(v for k, v in LEVELS.items() if k),
        ("indicator", "status"): frozenset({"present", "absent", "unknown"}),
        ("indicator", "prev_status"): frozenset({"present", "absent", "unknown"}),
        ("indicator", "depth"): _DEPTHS | {""},
        ("indicator", "depth_rank"): frozenset(range(4)),
        ("indicator", "prev_depth_rank"): frozenset(range(4)),
        ("indicator", "depth_change"): frozenset(range(-3, 4)),
        ("indicator", "confidence_rank"): frozenset(range(4)),
        ("engagement", "indicator"): frozenset(BY_ID),
        ("engagement", "stage"): _STAGES,
        ("engagement", "depth"): _DEPTHS,
        ("engagement", "depth_rank"): frozenset(range(1, 4)),
        ("power", "status"): frozenset({"ok", "no_against", "missing_data"}),
        ("perception", "level"): _THREAT_LEVELS,
        ("perception", "level_rank"): frozenset({1, 2, 3}),
        ("orientation", "direction"): frozenset({"revisionist", "status_quo"}),
        ("orientation", "intensity"): frozenset({"passive", "growing", "committed"}),
        ("orientation", "intensity_rank"): frozenset({1, 2, 3}),
        ("walt", "offensive"): frozenset({"", "low", "moderate", "high"}),
        ("walt", "offensive_rank"): frozenset(range(4)),
        ("walt", "intent_rank"): frozenset(range(4)),
        ("attribute", "entity"): frozenset({"state", "case", "relation"}),
    },
    "network": {
        ("tie", "kind"): frozenset({"treaty", "alignment"}),
        ("tie", "degree"): frozenset(range(8)),
        ("perception", "level"): _THREAT_LEVELS,
        ("perception", "level_rank"): frozenset({1, 2, 3}),
        ("period", "observed"): frozenset({"", "cooperation", "friction", "distancing"}),
        ("fear", "fear"): frozenset({"abandonment", "entrapment", "none"}),
        ("commitment", "value"): frozenset({"strong", "steady", "weakening"}),
        ("triad_threat", "level_rank"): frozenset({1, 2, 3}),
        ("attribute", "entity"): frozenset({"state", "case", "relation"}),
    },
}

#: Derived fact types each scope's output reads (verdict.CORE_TYPES for a case; what
#: network.py turns into quasi-alliance entries). Any other derived type is shown only under
#: `conclusions` of a case verdict, and nowhere for the network.
OUTPUT_TYPES: dict[str, frozenset[str]] = {
    "case": frozenset(CORE_TYPES | {"finding"}),
    "network": NETWORK_OUTPUT_TYPES,
}

#: A derived type whose name ends so (with a `value`) is another theory's prediction, shown
#: beside SMAF's verdict (verdict.Verdict.predictions): the case output reads it.
PREDICTION_SUFFIX = "_prediction"


def read_by_output(scope: str, fact_type: str) -> bool:
    """Whether the output of a scope reads a derived fact type (so it needs no consuming rule)."""
    return fact_type in OUTPUT_TYPES.get(scope, frozenset()) or (
        scope == "case" and fact_type.endswith(PREDICTION_SUFFIX))


#: Names a rule's texts may use besides the facts matched under `when` (engine.Engine._fire
#: and the template context each assessor passes).
TEMPLATE_NAMES: dict[str, frozenset[str]] = {
    "case": frozenset({"params", "state_names", "case_id", "year"}),
    "network": frozenset({"params", "state_names", "year"}),
}

#: The scopes a pack may declare.
SCOPES = tuple(BASE_FACTS)


def json_type(value: Any) -> str:
    """The JSON type of a literal value (`bool` first: in Python it is also an int)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "any"


def normalise_type(name: Any) -> str | None:
    """A field type named under `produces`, as one of FIELD_TYPES; None when it is unknown."""
    text = str(name).strip().lower()
    text = TYPE_ALIASES.get(text, text)
    return text if text in FIELD_TYPES else None


def merge_types(a: str, b: str) -> str:
    """The type of a field seen with two types (e.g. in two static facts)."""
    if a == b:
        return a
    if {a, b} <= {"integer", "number"}:
        return "number"
    return "any"


def pack_scope(pack: Any) -> str:
    """The scope of a pack (`case` for packs written before scopes existed)."""
    scope = getattr(pack, "scope", "case")
    return scope if isinstance(scope, str) else "case"


def base_vocabulary(scope: str = "case") -> dict[str, dict[str, str]]:
    """The prepared fact types of a scope, with `finding`, each with the common fields."""
    out = copy.deepcopy(BASE_FACTS.get(scope, {}))
    out["finding"] = dict(FINDING_FIELDS)
    for fields in out.values():
        for name, kind in COMMON_FIELDS.items():
            fields.setdefault(name, kind)
    return out


def vocabulary(packs: Iterable[Any], scope: str = "case") -> dict[str, dict[str, str]]:
    """Fact type -> field -> JSON type for one scope: the prepared types, `finding`, and what
    the packs of that scope add (their `produces`, the types of their static `facts`, and the
    extra fields their findings carry). Every fact may also carry `type` and `evidence`."""
    out = base_vocabulary(scope)
    for pack in packs:
        if pack_scope(pack) != scope:
            continue
        for type_name, fields in (getattr(pack, "produces", None) or {}).items():
            target = out.setdefault(str(type_name), {})
            for fname, kind in (fields or {}).items() if isinstance(fields, dict) else ():
                new = normalise_type(kind) or "any"
                target[str(fname)] = merge_types(target[fname], new) if fname in target else new
        for fact in getattr(pack, "facts", None) or ():
            if not isinstance(fact, dict) or not isinstance(fact.get("type"), str):
                continue
            target = out.setdefault(fact["type"], {})
            for fname, value in fact.items():
                new = json_type(value)
                target[fname] = merge_types(target[fname], new) if fname in target else new
        for rule in getattr(pack, "rules", None) or ():
            for item in rule.then:
                spec = item.get("finding") if isinstance(item, dict) else None
                if not isinstance(spec, dict):
                    continue
                for fname, value in spec.items():
                    if fname not in out["finding"]:
                        out["finding"][fname] = value_type(value)
    for fields in out.values():
        for name, kind in COMMON_FIELDS.items():
            fields.setdefault(name, kind)
    return out


def value_type(value: Any) -> str:
    """The JSON type a conclusion's value will have, as far as it is known without running:
    a Jinja2 text renders to a string, a reference or parameter is not known here."""
    if isinstance(value, dict) and ({"ref", "param"} & set(value)):
        return "any"
    if isinstance(value, dict) and ({"sum", "neg"} & set(value)):
        return "number"
    return json_type(value)
