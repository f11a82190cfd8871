"""Checks across packs: duplicate rule ids, unconsumed facts, negation cycles."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import networkx as nx

from smaf_expert.errors import RulePackError
from smaf_expert.packs.compiler import stratify
from smaf_expert.packs.format import (
    Rule,
)
from smaf_expert.packs.lint.common import (
    _MAX_GATE_COMBINATIONS,
    WARNING,
    _is_condition,
    _list,
)
from smaf_expert.packs.lint.sources import _RuleSource, _Source
from smaf_expert.packs.vocabulary import (
    read_by_output,
)


def _gate_selections(rules: list[Rule]) -> Iterator[list[Rule]]:
    """The sets of rules that can be compiled in together: one per combination of the values
    `enabled_when` tests (plus any other value), or all rules when there are too many."""
    gates: dict[str, list[Any]] = {}
    for rule in rules:
        for pname, value in rule.enabled_when.items():
            if value not in gates.setdefault(pname, []):
                gates[pname].append(value)
    other = object()
    options = [[(p, v) for v in [*values, other]] for p, values in gates.items()]
    count = 1
    for o in options:
        count *= len(o)
    if count > _MAX_GATE_COMBINATIONS:
        yield rules
        return
    for combo in itertools.product(*options):
        chosen = dict(combo)
        yield [r for r in rules if all(chosen.get(p) is not other and chosen.get(p) == v
                                       for p, v in r.enabled_when.items())]


def _negation_cycles(rules: list[Rule], scope: str
                     ) -> Iterator[tuple[frozenset[str], dict[str, str]]]:
    """Each strongly connected part of the dependency graph that holds a negation: its rules,
    and for each rule that negates inside it, a message naming the loop."""
    from smaf_expert.packs.rulegraph import dependency_graph

    g = dependency_graph(rules, scope)
    simple = nx.DiGraph(g)
    for component in nx.strongly_connected_components(simple):
        sub = g.subgraph(component)
        negations = [(u, v) for u, v, key in sub.edges(keys=True) if key == "unless"]
        if not negations:
            continue
        rule_ids = frozenset(n for n in component if g.nodes[n]["kind"] == "rule")
        messages: dict[str, str] = {}
        for t_node, rid in negations:
            path = nx.shortest_path(nx.DiGraph(sub), rid, t_node)
            t = g.nodes[t_node]["type"]
            loop = " -> ".join(g.nodes[n].get("type", n) if g.nodes[n]["kind"] == "fact"
                               else n for n in path)
            messages.setdefault(rid, (
                f"rule {rid} negates {t!r} (`unless`), but {t!r} depends on {rid}'s own "
                f"conclusions ({loop}): no stratum can run {rid} after every rule that "
                f"produces {t!r} (no stratification is possible); drop the negation, or derive "
                f"{t!r} without {rid}'s conclusions"))
        yield rule_ids, messages




class AcrossPackChecks:
    """What only shows when all packs are read together."""


    def _check_duplicates(self) -> None:
        first: dict[str, tuple[_Source, _RuleSource]] = {}
        for src in self.sources:
            for rs in src.rules:
                rid = rs.rule.id
                if rid not in first:
                    first[rid] = (src, rs)
                    continue
                if not src.linted:
                    continue
                other, ors = first[rid]
                if other is src:
                    self.add(src.problem(("rules", rs.index, "id"), f"rule id {rid!r} is used "
                                         f"twice in this pack (first at line {ors.rule.line}): "
                                         "give each rule its own id; findings and traces cite "
                                         "rules by id", "duplicate-id", subject=rid))
                else:
                    self.add(src.problem(("rules", rs.index), f"rule id {rid!r} is also used by "
                                         f"pack {other.pack.name!r} ({other.path}:"
                                         f"{ors.rule.line}): rule ids are global across packs; "
                                         "rename this rule (to replace the other, list it under "
                                         "`disable`)", "duplicate-id", subject=rid))

    def _check_unconsumed(self) -> None:
        reported: set[tuple[str, str]] = set()
        for src in self.sources:
            if not src.linted:
                continue
            scope = src.pack.scope
            read = self.consumed[scope]
            for rs in src.rules:
                for j, item in enumerate(_list(rs.raw.get("then"))):
                    spec = item.get("assert") if isinstance(item, dict) else None
                    if not _is_condition(spec):
                        continue
                    t = spec["type"]
                    if t in read or read_by_output(scope, t) or (scope, t) in reported:
                        continue
                    reported.add((scope, t))
                    shown = ("only appears under `conclusions` in the JSON verdict"
                             if scope == "case" else "is shown nowhere but in the trace")
                    producers = ", ".join(self.producers[scope].get(t, [rs.rule.id]))
                    self.add(src.problem(
                        ("rules", rs.index, "then", j), f"{t!r} is produced but never "
                        f"consumed: {producers} assert{'s' if ',' not in producers else ''} "
                        f"it, but no rule matches it and the {scope} output does not read it, "
                        f"so it {shown}; match it in a rule, make a `finding` of it, or drop "
                        "the conclusion", "unconsumed", WARNING, subject=t))

    def _check_cycles(self) -> None:
        located = {rs.rule.id: (src, rs) for src in self.sources for rs in src.rules}
        seen: set[frozenset[str]] = set()
        for scope in self.scopes:
            packs = [s.pack for s in self.sources if s.pack.scope == scope]
            disabled = {rid for p in packs for rid in p.disable}
            rules = [r for p in packs for r in p.rules if r.id not in disabled]
            for enabled in _gate_selections(rules):
                try:
                    # The compiler's own stratification decides; the graph only explains.
                    stratify(enabled, set())
                except RulePackError:
                    for cycle, message_of in _negation_cycles(enabled, scope):
                        if cycle in seen:
                            continue
                        seen.add(cycle)
                        self._report_cycle(cycle, message_of, located)

    def _report_cycle(self, cycle: frozenset[str], message_of: dict[str, str],
                      located: dict[str, tuple[_Source, _RuleSource]]) -> None:
        for rid in sorted(message_of) + sorted(cycle - set(message_of)):
            src, rs = located[rid]
            if src.linted:
                message = message_of.get(rid) or next(iter(message_of.values()))
                self.add(src.problem(("rules", rs.index, "unless"), message, "negation-cycle",
                                     subject=rid))
                return


