"""The rule graph: which rules read and write which fact types, for `smaf rules graph`.

Rules and fact types are the nodes. A fact type points at each rule that matches it (`negated`
false for a `when` condition, true for an `unless`), and a rule points at each type it
asserts. A rule can match one type both ways (S-degree takes a `counted` fact and asks that no
higher `counted` fact exists), so the graph is a networkx.MultiDiGraph (a DiGraph subclass)
whose edges are keyed `when`, `unless` and `then`.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from collections.abc import Iterable
from typing import Any

import networkx as nx

from smaf_expert.errors import RulePackError, SmafError
from smaf_expert.packs.format import Pack, Rule
from smaf_expert.packs.vocabulary import BASE_FACTS, pack_scope


def type_node(type_name: str, scope: str = "case") -> str:
    """The node id of a fact type: its name, prefixed `SCOPE:` outside the case scope (a
    `perception` of the network is not the `perception` of a case)."""
    return type_name if scope == "case" else f"{scope}:{type_name}"


def dependency_graph(rules: Iterable[Rule], scope: str = "case") -> nx.MultiDiGraph:
    """The graph of some rules of one scope, without strata: what the linter walks to name a
    cycle through negation."""
    rules = list(rules)
    g = nx.MultiDiGraph()
    base = BASE_FACTS.get(scope, {})
    rule_ids = {rule.id for rule in rules}

    def add_type(t: str) -> str:
        node = type_node(t, scope)
        if node in rule_ids:
            raise SmafError(f"rule id {node!r} is also the name of a fact type: rename the "
                            "rule (graphs and traces would confuse the two)")
        if node not in g:
            g.add_node(node, kind="fact", type=t, scope=scope, base=t in base, static=False)
        return node

    for rule in rules:
        g.add_node(rule.id, kind="rule", pack=rule.pack, scope=scope, statement=rule.statement,
                   salience=rule.salience, stratum=None, enabled=True)
        positive: dict[str, list[str]] = {}
        for name, cond in rule.when:
            positive.setdefault(cond["type"], []).append(name)
        for t, names in positive.items():
            g.add_edge(add_type(t), rule.id, key="when", negated=False, names=names)
        negated: dict[str, int] = {}
        for cond in rule.unless:
            negated[cond["type"]] = negated.get(cond["type"], 0) + 1
        for t, count in negated.items():
            g.add_edge(add_type(t), rule.id, key="unless", negated=True, count=count)
        for t in sorted(rule.produces()):
            g.add_edge(rule.id, add_type(t), key="then", negated=False)
    return g


def rule_graph(packs: list[Pack], params: dict[str, Any] | None = None,
               scope: str | None = None) -> nx.MultiDiGraph:
    """Rules and fact types of `packs` (of one `scope`, or all) as a graph.

    Rule nodes carry `pack`, `scope`, `statement`, `stratum` (the stratum the rule runs in under
    `params`, default values otherwise) and `enabled` (false when `enabled_when`, a `disable`
    list or an empty `in` keeps it out of the compiled program; its stratum is then None).
    Fact-type nodes carry `type`, `scope`, `base` (prepared from the knowledge) and `static`
    (listed under a pack's `facts`). Edges: type -> rule keyed `when` (negated False, with the
    condition `names`) or `unless` (negated True); rule -> type keyed `then`. The graph's
    `params` are the parameter values used; its `errors` say why a scope has no strata (a cycle
    through negation), in which case every stratum of that scope is None.
    """
    from smaf_expert.packs.compiler import compile_packs
    from smaf_expert.packs.params import resolve_parameters

    values = resolve_parameters(packs, params or {})
    graph = nx.MultiDiGraph()
    scopes = sorted({pack_scope(p) for p in packs}) if scope is None else [scope]
    for one in scopes:
        members = [p for p in packs if pack_scope(p) == one]
        part = dependency_graph([r for p in members for r in p.rules], one)
        try:
            program = compile_packs(members, values, set(BASE_FACTS.get(one, {})))
        except RulePackError as err:
            # A cycle through negation has no strata; the graph is what shows the cycle.
            graph.graph.setdefault("errors", []).append(err.message)
        else:
            for stratum in program.strata:
                for rule in stratum.rules:
                    part.nodes[rule.id]["stratum"] = stratum.index
            for rid in program.disabled:
                if rid in part:
                    part.nodes[rid]["enabled"] = False
        for pack in members:
            for fact in pack.facts:
                node = type_node(str(fact.get("type")), one)
                if node not in part:
                    part.add_node(node, kind="fact", type=fact.get("type"), scope=one,
                                  base=False, static=True)
                part.nodes[node]["static"] = True
        clash = {n for n in part if n in graph and graph.nodes[n]["kind"] == "rule"}
        if clash:
            raise SmafError(f"rule ids used in two scopes: {', '.join(sorted(clash))}")
        graph = nx.compose(graph, part)
    graph.graph["params"] = values
    graph.graph.setdefault("errors", [])
    return graph


def rule_links(graph: nx.MultiDiGraph, rule_id: str) -> dict[str, Any]:
    """What one rule reads, negates and asserts, which rules produce what it reads and which
    consume what it asserts (for `smaf rules show ID`); a SmafError for an unknown id."""
    if graph.nodes.get(rule_id, {}).get("kind") != "rule":
        rules = [n for n, d in graph.nodes(data=True) if d.get("kind") == "rule"]
        close = difflib.get_close_matches(rule_id, rules, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SmafError(f"unknown rule id {rule_id!r}{hint}; `smaf rules list` lists them")
    node = graph.nodes[rule_id]
    reads = sorted({u for u, _, k in graph.in_edges(rule_id, keys=True) if k == "when"})
    negates = sorted({u for u, _, k in graph.in_edges(rule_id, keys=True) if k == "unless"})
    asserts = sorted(graph.successors(rule_id))
    fed_by = sorted({r for t in {*reads, *negates} for r in graph.predecessors(t)})
    feeds = sorted({r for t in asserts for r in graph.successors(t)})
    return {"rule": rule_id, "pack": node.get("pack"), "scope": node.get("scope"),
            "stratum": node.get("stratum"), "enabled": node.get("enabled"),
            "reads": reads, "negates": negates, "asserts": asserts, "fed_by": fed_by,
            "feeds": feeds}


def _quote(text: Any) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _attrs(**attrs: Any) -> str:
    return "[" + ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "]"


def to_dot(graph: nx.MultiDiGraph) -> str:
    """The graph as Graphviz DOT text: rules as boxes labelled with their id and stratum, fact
    types as ellipses (prepared types filled grey, static ones filled yellow), edges from
    `unless` dashed. Rules kept out by the parameters are dotted and labelled `off`."""
    lines = ["digraph rules {", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for node, data in sorted(graph.nodes(data=True), key=lambda nd: str(nd[0])):
        if data.get("kind") == "rule":
            stratum = data.get("stratum")
            enabled = data.get("enabled", True)
            where = ("off" if not enabled else
                     f"stratum {stratum}" if stratum is not None else "no stratum")
            if data.get("scope", "case") != "case":
                where = f"{data['scope']} {where}"
            style = {"style": "dotted"} if not enabled else {}
            tooltip = data.get("statement") or ""
            lines.append(f"  {_quote(node)} "
                         + _attrs(shape="box", label=f"{node}\n{where}", tooltip=tooltip,
                                  **style) + ";")
        else:
            fill = ("lightgrey" if data.get("base")
                    else "lightyellow" if data.get("static") else None)
            filled = {"style": "filled", "fillcolor": fill} if fill else {}
            lines.append(f"  {_quote(node)} "
                         + _attrs(shape="ellipse", label=data.get("type", node), **filled)
                         + ";")
    for u, v, _key, data in sorted(graph.edges(keys=True, data=True),
                                  key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        extra = _attrs(style="dashed", label="unless") if data.get("negated") else ""
        lines.append(f"  {_quote(u)} -> {_quote(v)}" + (f" {extra}" if extra else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(graph: nx.MultiDiGraph, timeout: float = 60) -> str:
    """The graph as SVG, drawn by Graphviz's `dot` program; a SmafError when it is missing or
    fails."""
    dot = shutil.which("dot")
    if dot is None:
        raise SmafError("cannot draw SVG: the Graphviz program `dot` is not installed (install "
                        "the `graphviz` system package, e.g. `apt-get install graphviz`), or "
                        "write DOT text (`--format dot`) and draw it elsewhere")
    try:
        done = subprocess.run([dot, "-Tsvg"], input=to_dot(graph), capture_output=True,
                              text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SmafError(f"cannot draw SVG with {dot}: {err}") from err
    if done.returncode != 0:
        raise SmafError(f"{dot} -Tsvg failed (exit {done.returncode}): "
                        f"{done.stderr.strip() or 'no message'}")
    return done.stdout
