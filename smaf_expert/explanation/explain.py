"""Explanations from the recorded trace: why (derivation trees) and why not (unmet conditions).

Both work from what the run recorded and from the rules' own conditions: a derivation follows
each conclusion to the firing that asserted it, its premises, and their evidence; a why-not
checks the conditions of the rules that would have counted a stage against the facts of the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from smaf_expert.errors import AssessmentError
from smaf_expert.indicators import BY_STAGE
from smaf_expert.packs.format import VALUE_FORMS, Rule
from smaf_expert.reasoning.engine import negated_origins, premise_ids, sources_of_types

#: Conclusions an analyst can ask about by name, with the derived fact they denote.
ABOUT = {"degree": ("degree", None), "ceiling": ("ceiling", None),
         "bop": ("balance", "bop"), "bot": ("balance", "bot"), "boi": ("balance", "boi"),
         "overall": ("overall", None), "fit": ("fit", None), "confidence": ("confidence", None)}


@dataclass
class Node:
    """One node of an explanation tree."""

    kind: str  # conclusion | rule | fact | absence | evidence | missing | blocked | note
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The tree as plain data."""
        return {"kind": self.kind, "text": self.text, "data": self.data,
                "children": [c.as_dict() for c in self.children]}

    def walk(self, depth: int = 0):
        """(depth, node) for this node and every node below it, depth first."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


def _key(fact: dict) -> str:
    return json.dumps({k: v for k, v in fact.items() if k not in ("evidence", "sid")},
                      sort_keys=True)


def _readable(value: Any) -> Any:
    # Measures are compared unrounded by the rules; a reader wants two decimals.
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 2)
    return value


def describe(fact: dict) -> str:
    """A one-line description of a fact: its type and its fields (numbers rounded)."""
    fields = ", ".join(f"{k}={_readable(v)}" for k, v in fact.items()
                       if k not in ("type", "evidence", "evidence_by", "sources")
                       and v not in ("", [], None))
    return f"{fact['type']}({fields})"


class Explainer:
    """Builds explanation trees for one verdict."""

    def __init__(self, verdict: Any, rules: dict[str, Rule], evidence: dict[str, Any]) -> None:
        self.verdict = verdict
        self.rules = rules
        self.evidence = evidence
        #: Each derived fact with every firing that asserted it (a conclusion derived again
        #: from other premises rests on each derivation).
        self.producers: dict[str, list[Any]] = {}
        self.origins = sources_of_types(rules.values())
        for firing in verdict.trace:
            for fact in firing.asserted:
                self.producers.setdefault(_key(fact), []).append(firing)

    # -- why ---------------------------------------------------------------------------------

    def roots(self, about: str) -> list[dict]:
        """The derived facts a question is about: a name of ABOUT or a finding kind."""
        if about in ABOUT:
            ftype, name = ABOUT[about]
            found = [f for f in self.verdict.derived
                     if f["type"] == ftype and (name is None or f.get("name") == name)]
            return found[:1]
        found = [f for f in self.verdict.derived if f["type"] == "finding"
                 and f["kind"] == about]
        if not found:
            kinds = sorted({f["kind"] for f in self.verdict.findings})
            raise AssessmentError(f"nothing to explain about {about!r}: ask about "
                                  f"{', '.join(ABOUT)} or a finding kind of this verdict "
                                  f"({', '.join(kinds) or 'none'})")
        return found

    def why(self, about: str) -> list[Node]:
        """Derivation trees: conclusion <- rule <- facts <- evidence. For a finding kind, one
        tree per finding of the verdict: the firings of one rule about one subject, which the
        verdict merges into one finding (reasoning/findings.py), are branches of one tree."""
        roots = self.roots(about)
        if about in ABOUT:
            return [self.fact_node(f) for f in roots]
        groups: dict[Any, list[dict]] = {}
        for n, fact in enumerate(roots):
            key = ((fact["rule"], fact["kind"], fact.get("about")) if "items" in fact else n)
            groups.setdefault(key, []).append(fact)
        return [self.fact_node(facts[0]) if len(facts) == 1 else self._merged_node(facts)
                for facts in groups.values()]

    def _merged_node(self, facts: list[dict]) -> Node:
        """One finding merged from several firings' findings: its text and items as the verdict
        has them, each firing a branch."""
        first = facts[0]
        merged = next((f for f in self.verdict.findings
                       if (f["rule"], f["kind"], f.get("about"))
                       == (first["rule"], first["kind"], first.get("about"))), None)
        data = {**first, **(merged or {}), "type": "finding"}
        firings: dict[int, Any] = {}
        for fact in facts:
            for firing in self.producers.get(_key(fact), []):
                firings.setdefault(firing.step, firing)
        return Node("conclusion", data["text"], data,
                    [self.rule_node(f) for f in firings.values()])

    def fact_node(self, fact: dict, lent: list[str] | None = None) -> Node:
        """A fact, and how it came to be: the firing that asserted it, or the knowledge entries
        behind it (`lent`: those it lent to the rule being explained, when known)."""
        firings = self.producers.get(_key(fact))
        text = fact["text"] if fact["type"] == "finding" else describe(fact)
        if not firings:
            ids = lent if lent is not None else fact.get("evidence") or []
            return Node("fact", text, fact, self.evidence_nodes(list(dict.fromkeys(ids))))
        return Node("conclusion", text, fact, [self.rule_node(f) for f in firings])

    def rule_node(self, firing: Any) -> Node:
        """A firing: the rule (statement, citation), its explanation, and its premises."""
        rule = self.rules.get(firing.rule)
        data = {"rule": firing.rule, "step": firing.step, "pack": firing.pack,
                "explanation": firing.explanation,
                "statement": rule.statement if rule else "",
                "citation": rule.citation if rule else ""}
        if rule:
            negated = negated_origins(rule, self.origins)
            premises = [self.fact_node(f, premise_ids(rule, name, f, negated))
                        for name, f in firing.matched.items()]
        else:
            premises = [self.fact_node(f) for f in firing.matched.values()]
        if rule:
            # A negated condition is part of the reason too: nothing like it existed.
            bindings = firing.matched
            for cond in rule.unless:
                shown = {k: _spec_text(v, {}, bindings) for k, v in cond.items() if k != "type"}
                fields = ", ".join(f"{k} {v}" for k, v in shown.items())
                premises.append(Node("absence", f"no {cond['type']}({fields})",
                                     {"type": cond["type"], **shown}))
        return Node("rule", f"{firing.rule}: {firing.explanation}", data, premises)

    def evidence_nodes(self, ids: list[str]) -> list[Node]:
        """Knowledge entries with what they say and their sources: an evidence item by its id
        and claim, any other entry by its value, year and unit (e.g. `IND GNP 2023: 3,550
        current US$ billion`) and its id."""
        out = []
        for eid in ids:
            item = self.evidence.get(eid)
            if item is None:
                out.append(Node("evidence", eid, {"id": eid}))
                continue
            text = (f"{eid}: {item['claim']}" if item.get("kind", "evidence") == "evidence"
                    else f"{item['claim']} [{eid}]")
            out.append(Node("evidence", text, {"id": eid, **item}))
        return out

    # -- why not -----------------------------------------------------------------------------

    def why_not(self, stage: int, items: dict[str, list[Any]], params: dict[str, Any]
                ) -> list[Node]:
        """Why the degree does not reach `stage`: for every stage from it up, why its indicator
        does not count; for its prerequisites, why they do not count."""
        if stage not in BY_STAGE:
            raise AssessmentError(f"--why-not takes a stage from 1 to 7, not {stage}")
        if self.verdict.degree >= stage:
            return [Node("note", f"Stage {stage} is reached: the degree is "
                                 f"{self.verdict.degree}.")]
        nodes = [self._stage_reason(s, items, params) for s in range(stage, 8)]
        prereqs = sorted({f["requires"] for f in self.verdict.facts
                          if f["type"] == "prerequisite" and f["stage"] == stage})
        missing = [self._stage_reason(p, items, params) for p in prereqs
                   if not self._counts(p)]
        if missing:
            nodes.append(Node("note", f"Prerequisites of stage {stage} that do not count",
                              {"stages": prereqs}, missing))
        return nodes

    def _counts(self, stage: int) -> bool:
        return any(f["type"] == "counted" and f["stage"] == stage for f in self.verdict.derived)

    def _stage_reason(self, stage: int, items: dict[str, list[Any]], params: dict[str, Any]
                      ) -> Node:
        ind = BY_STAGE[stage]
        fact = next(f for f in self.verdict.facts
                    if f["type"] == "indicator" and f["stage"] == stage)
        head = Node("missing", f"Stage {stage} ({ind.name}) does not count", {"stage": stage})
        if self._counts(stage):
            head.text = f"Stage {stage} ({ind.name}) counts"
            head.kind = "note"
            return head
        for rule in self.rules.values():
            if "counted" not in {i["assert"]["type"] for i in rule.then if "assert" in i}:
                continue
            head.children.extend(self._rule_against(rule, fact, params))
        head.children.extend(self._items_note(fact, items.get(ind.id, [])))
        return head

    def _rule_against(self, rule: Rule, fact: dict, params: dict[str, Any]) -> list[Node]:
        """Where `fact`, taken as the rule's first condition, fails the rule."""
        name, cond = rule.when[0]
        if cond["type"] != fact["type"]:
            return []
        failed = [f"{name}.{field} must be {_spec_text(spec, params).removeprefix('= ')}, "
                  f"but is {fact.get(field)!r}"
                  for field, spec in cond.items()
                  if field != "type" and not _holds(spec, fact.get(field), {}, params)]
        if failed:
            return [Node("missing", f"{rule.id} ({rule.statement}) does not apply: "
                                    + "; ".join(failed), {"rule": rule.id})]
        out = []
        bindings = {name: fact}
        for neg in rule.unless:
            for other in self.verdict.derived:
                if other["type"] == neg["type"] and all(
                        _holds(spec, other.get(f), bindings, params)
                        for f, spec in neg.items() if f != "type"):
                    out.append(Node("blocked", f"{rule.id} is blocked: {describe(other)}",
                                    {"rule": rule.id}, [self.fact_node(other)]))
        return out

    def _items_note(self, fact: dict, items: list[Any]) -> list[Node]:
        year = self.verdict.year
        if fact["status"] == "unknown":
            return [Node("note", "No evidence at all on this indicator in the case (unknown, "
                                 "not absent): it may exist and not be publicly verifiable.")]
        notes = []
        for item in items:
            if item.status == "absent" and item.holds(year):
                why = "explicitly absent"
            elif item.status == "suspended" and item.holds(year):
                why = f"suspended since {item.since}"
            elif not item.holds(year):
                span = f"{item.since}-{item.until if item.until is not None else ''}"
                why = f"out of the year window: it holds {span}, not in {year}"
            else:
                continue
            notes.append(Node("evidence", f"{item.id}: {why}: {item.claim}",
                              {"id": item.id, "sources": list(item.sources)}))
        return notes


def _resolve(spec: Any, bindings: dict[str, dict], params: dict[str, Any]) -> Any:
    if isinstance(spec, dict) and "ref" in spec:
        name, path = spec["ref"].split(".", 1)
        return (bindings.get(name) or {}).get(path)
    if isinstance(spec, dict) and VALUE_FORMS & set(spec):
        from smaf_expert.packs.compiler import constant

        return constant(spec, params)
    return spec


_COMPARE = {"eq": lambda a, b: a == b, "neq": lambda a, b: a != b,
            "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
            "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}


def _holds(spec: Any, value: Any, bindings: dict[str, dict], params: dict[str, Any]) -> bool:
    """Whether a field test of a rule condition holds (the engine's semantics, for explaining)."""
    if isinstance(spec, list):
        return all(_holds(s, value, bindings, params) for s in spec)
    if not (isinstance(spec, dict) and not (VALUE_FORMS & set(spec))):
        return value == _resolve(spec, bindings, params)
    for op, raw in spec.items():
        target = _resolve(raw, bindings, params)
        if op == "in":
            if value not in (target if isinstance(target, list) else [target]):
                return False
        elif op == "ex":
            if (value is not None) != bool(target):
                return False
        elif op == "matches":
            import re

            if value is None or not re.fullmatch(str(target), str(value)):
                return False
        else:
            try:
                if value is None or not _COMPARE[op](value, target):
                    return False
            except TypeError:
                return False
    return True


def _spec_text(spec: Any, params: dict[str, Any], bindings: dict | None = None) -> str:
    """A field test in words, references resolved where the bindings allow."""
    bindings = bindings or {}
    if isinstance(spec, list):
        return " and ".join(_spec_text(s, params, bindings) for s in spec)
    if not (isinstance(spec, dict) and not (VALUE_FORMS & set(spec))):
        return "= " + repr(_resolve(spec, bindings, params))
    words = {"eq": "=", "neq": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=",
             "in": "in", "ex": "exists:", "matches": "matching"}
    return " and ".join(f"{words[op]} {_resolve(v, bindings, params)!r}"
                        for op, v in spec.items())
