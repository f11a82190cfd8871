"""The multilateral graph for other tools: GraphML, GEXF, node-link JSON and Graphviz DOT."""

from __future__ import annotations

import json
from itertools import permutations

import networkx as nx

from smaf_expert.errors import AssessmentError
from smaf_expert.knowledge.graph import build_graph
from smaf_expert.reasoning.assess import Assessor
from smaf_expert.reasoning.network import case_degrees

FORMATS = ("graphml", "gexf", "json", "dot")


def export_graph(assessor: Assessor, year: int) -> nx.MultiDiGraph:
    """The graph at `year` with an `alignment` edge (its SMAF degree) for every case aligned
    at degree 1 or more (degree 0 is no alignment), and only scalar attributes, so that every
    exchange format keeps them."""
    g = build_graph(assessor.kb, year)
    for case_id, degree in case_degrees(assessor, year).items():
        if degree == 0:
            continue
        for a, b in permutations(assessor.kb.alignments[case_id].parties, 2):
            g.add_edge(a, b, kind="alignment", degree=degree, case=case_id)
    for _, _, data in g.edges(data=True):
        for key, value in list(data.items()):
            if isinstance(value, list | tuple):
                data[key] = "; ".join(str(v) for v in value)
            elif value is None:
                data[key] = ""
    g.graph = {"year": year}
    return g


def _dot(g: nx.MultiDiGraph) -> str:
    def q(text: object) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph smaf_{g.graph.get('year', '')} {{", "  node [shape=ellipse];"]
    for node, data in sorted(g.nodes(data=True)):
        lines.append(f"  {q(node)} [label={q(data.get('name', node))}];")
    styles = {"alliance": "bold", "rivalry": "dashed", "threat": "dotted"}
    for a, b, data in g.edges(data=True):
        attrs = ", ".join(f"{k}={q(v)}" for k, v in sorted(data.items()))
        style = styles.get(data.get("kind", ""), "solid")
        lines.append(f"  {q(a)} -> {q(b)} [{attrs}, style={style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(g: nx.MultiDiGraph, fmt: str) -> str:
    """The graph as text in one of FORMATS."""
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(g)) + "\n"
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(g)) + "\n"
    if fmt == "json":
        return json.dumps(nx.node_link_data(g, edges="links"), ensure_ascii=False, indent=2)
    if fmt == "dot":
        return _dot(g)
    raise AssessmentError(f"unknown graph format {fmt!r}; formats: {', '.join(FORMATS)}")
