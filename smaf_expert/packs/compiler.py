"""Compile rule packs into durable-rules rulesets, one ruleset per stratum.

durable-rules evaluates a negated condition eagerly and never withdraws an activation made
before a blocking fact arrived (ENGINE-NOTES.md). So a rule that negates a fact type runs in a
later stratum than every rule producing that type, and its negated conditions match *mirror*
facts (type `T~`) that the engine asserts before anything that could trigger the rule.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from smaf_expert.errors import Problem, RulePackError
from smaf_expert.packs.format import VALUE_FORMS, Pack, Rule

MIRROR = "~"
START = "_start"
SINK = "_sink"
NEVER = "_never"
_OPS = {"eq": None, "neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte",
        "matches": "$mt"}


@dataclass(frozen=True)
class Stratum:
    """One ruleset, run to fixpoint before the next."""

    index: int
    name: str
    definition: dict[str, Any]
    rules: tuple[Rule, ...]
    consumes: frozenset[str]
    negates: frozenset[str]


@dataclass(frozen=True)
class Program:
    """The compiled packs for one set of parameter values."""

    key: str
    strata: tuple[Stratum, ...]
    rules: dict[str, Rule]
    disabled: tuple[str, ...]
    static_facts: tuple[dict, ...]
    params: dict[str, Any]
    packs: tuple[str, ...]


class _Never(Exception):
    """A condition that can never hold for these parameters (e.g. `in` an empty list)."""


def constant(spec: Any, params: dict[str, Any]) -> Any:
    """A value known when the pack is compiled: a literal, `{param: NAME}`, `{neg: VALUE}` or
    `{sum: [VALUE, ...]}` (e.g. a bound plus a margin)."""
    if isinstance(spec, dict) and "param" in spec:
        return params[spec["param"]]
    if isinstance(spec, dict) and "neg" in spec:
        return -constant(spec["neg"], params)
    if isinstance(spec, dict) and "sum" in spec:
        total = sum(constant(v, params) for v in spec["sum"])
        return round(total, 10)
    return spec


def _value(spec: Any, params: dict[str, Any]) -> Any:
    if isinstance(spec, dict) and "ref" in spec:
        name, path = spec["ref"].split(".", 1)
        return {name: path}
    return constant(spec, params)


def _field_test(fname: str, spec: Any, params: dict[str, Any]) -> list[dict]:
    if isinstance(spec, list):
        # Several tests of one field, all to hold (e.g. two `neq`).
        return [t for one in spec for t in _field_test(fname, one, params)]
    if not (isinstance(spec, dict) and not (VALUE_FORMS & set(spec))):
        return [{fname: _value(spec, params)}]
    tests = []
    for op, raw in spec.items():
        value = _value(raw, params)
        if op == "in":
            options = value if isinstance(value, list) else [value]
            if not options:
                raise _Never
            tests.append({"$or": [{fname: v} for v in options]} if len(options) > 1
                         else {fname: options[0]})
        elif op == "ex":
            tests.append({"$ex" if value else "$nex": {fname: 1}})
        elif _OPS[op] is None:
            tests.append({fname: value})
        else:
            tests.append({_OPS[op]: {fname: value}})
    return tests


def compile_condition(cond: dict, params: dict[str, Any], mirror: bool = False) -> dict:
    """One named condition as durable-rules JSON (`$and` of field tests, the type first)."""
    tests = [{"type": cond["type"] + (MIRROR if mirror else "")}]
    for fname, spec in cond.items():
        if fname != "type":
            tests.extend(_field_test(fname, spec, params))
    return tests[0] if len(tests) == 1 else {"$and": tests}


def compile_rule(rule: Rule, params: dict[str, Any]) -> dict:
    """A rule as durable-rules JSON; its action is looked up by the rule id."""
    conditions = [{name: compile_condition(cond, params)} for name, cond in rule.when]
    conditions += [{f"n_{i}$not": compile_condition(cond, params, mirror=True)}
                   for i, cond in enumerate(rule.unless)]
    return {"all": conditions, "pri": -rule.salience, "run": rule.id}


def stratify(rules: list[Rule], base_types: set[str]) -> dict[str, int]:
    """Least strata: positive use at the producer's stratum, negation one above."""
    level = {r.id: 1 for r in rules}
    producers: dict[str, list[str]] = {}
    for r in rules:
        for t in r.produces():
            producers.setdefault(t, []).append(r.id)

    def type_level(t: str) -> int:
        return max((level[p] for p in producers.get(t, [])), default=0)

    for _ in range(len(rules) + 1):
        changed = False
        for r in rules:
            need = max([1] + [type_level(t) for t in r.consumes()]
                       + [type_level(t) + 1 for t in r.negates()])
            if need > level[r.id]:
                level[r.id] = need
                changed = True
        if not changed:
            return level
    cyclic = negation_cycle(rules)
    # Blamed on each rule of the cycle, in its own file: an extra pack's rule is its pack's fault.
    by_id = {r.id: r for r in rules}
    raise RulePackError([Problem(by_id[rid].path, by_id[rid].line,
                                 f"rule {rid} is on a cycle of rules that negate facts they "
                                 f"themselves help to produce (no stratification is possible): "
                                 f"{', '.join(cyclic)}") for rid in cyclic])


def negation_cycle(rules: list[Rule]) -> list[str]:
    """Ids of the rules on a dependency cycle that passes through a negation."""
    import networkx as nx

    g = nx.DiGraph()
    for r in rules:
        for t in r.consumes():
            g.add_edge(("type", t), ("rule", r.id), negated=False)
        for t in r.negates():
            g.add_edge(("type", t), ("rule", r.id), negated=True)
        for t in r.produces():
            g.add_edge(("rule", r.id), ("type", t), negated=False)
    out: set[str] = set()
    for component in nx.strongly_connected_components(g):
        sub_graph = g.subgraph(component)
        if any(d["negated"] for _, _, d in sub_graph.edges(data=True)):
            out |= {name for kind, name in component if kind == "rule"}
    return sorted(out)


def compile_packs(packs: list[Pack], params: dict[str, Any], base_types: set[str]) -> Program:
    """Compile packs for one set of parameter values into an ordered list of strata."""
    disabled = {rid for pack in packs for rid in pack.disable}
    rules: list[Rule] = []
    off: list[str] = []
    for pack in packs:
        for rule in pack.rules:
            gate_open = all(params.get(p) == v for p, v in rule.enabled_when.items())
            if rule.id in disabled or not gate_open:
                off.append(rule.id)
                continue
            rules.append(rule)
    compiled: dict[str, dict] = {}
    for rule in list(rules):
        try:
            compiled[rule.id] = compile_rule(rule, params)
        except _Never:
            rules.remove(rule)
            off.append(rule.id)
        except (TypeError, ValueError, KeyError, ArithmeticError) as err:
            # The loader refuses what it knows to be malformed; this is the net under it.
            raise RulePackError([Problem(rule.path, rule.line, f"rule {rule.id} cannot be "
                                         f"compiled: {type(err).__name__}: {err}")]) from err
    level = stratify(rules, base_types)
    layers = []
    for index in sorted(set(level.values())):
        members = tuple(r for r in rules if level[r.id] == index)
        definition = {r.id: compiled[r.id] for r in members}
        # Every case fires at least this rule: delete_state crashes a session where none fired.
        definition[START] = {"all": [{"s": {"type": START}}], "pri": -1_000_000, "run": START}
        # The engine rejects a whole batch when one fact matches no condition, and then runs no
        # action; this rule takes every fact type of the stratum and never fires.
        types = sorted({t for r in members for t in r.consumes()}
                       | {t + MIRROR for r in members for t in r.negates()})
        definition[SINK] = {"all": [{"x": {"$or": [{"type": t} for t in types]}},
                                    {"y": {"type": NEVER}}], "run": START}
        layers.append((index, members, definition))
    # Keyed by what is registered with the engine, not by the parameter values: parameters that
    # only texts read, or values that compile alike, share one registration (ENGINE-NOTES.md,
    # memory across rulesets).
    key = hashlib.sha1(json.dumps([[i, d] for i, _, d in layers], sort_keys=True,
                                  default=str).encode()).hexdigest()[:16]
    strata = []
    for index, members, definition in layers:
        strata.append(Stratum(
            index=index, name=f"smaf_{key}_{index}", definition=definition, rules=members,
            consumes=frozenset(t for r in members for t in r.consumes()),
            negates=frozenset(t for r in members for t in r.negates()),
        ))
    return Program(
        key=key, strata=tuple(strata), rules={r.id: r for r in rules}, disabled=tuple(off),
        static_facts=tuple(f for pack in packs for f in pack.facts), params=dict(params),
        packs=tuple(pack.name for pack in packs),
    )
