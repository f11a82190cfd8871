"""The multilateral graph of a knowledge base at a year (DOMAIN.md section 4)."""

from __future__ import annotations

from collections import defaultdict
from itertools import permutations

import networkx as nx

from smaf_expert.indicators import BY_ID
from smaf_expert.knowledge.entries import rivals_id
from smaf_expert.knowledge.loader import Alignment, Evidence, KnowledgeBase
from smaf_expert.knowledge.status import indicator_state


def evidence_by_indicator(case: Alignment) -> dict[str, list[Evidence]]:
    """A case's evidence grouped by indicator id."""
    groups: dict[str, list[Evidence]] = defaultdict(list)
    for item in case.evidence:
        groups[item.indicator].append(item)
    return groups


def build_graph(kb: KnowledgeBase, year: int) -> nx.MultiDiGraph:
    """States as nodes; typed edges: alliance, rivalry, animosity, hierarchy (both ways),
    threat (perceiver -> threat, with category and level) and engagement (per indicator and
    ordered pair of parties of every case, with depth and the evidence behind it). Every edge
    carries the ids of the knowledge entries behind it (`evidence`).

    Rivalries are read at `year`: a rivalry relation holds in its since..until. A pair named in
    a state's undated `rivals:` list is a rivalry in every year both states exist, unless
    relations.yaml codes a rivalry of that pair: the dated relation is then what holds (the
    list cannot say when the rivalry began or ended; `kb validate` warns about it)."""
    g = nx.MultiDiGraph(year=year)
    for state in kb.states.values():
        if state.exists_in(year):
            g.add_node(state.id, name=state.name)
    def link(a: str, b: str, **attrs: object) -> None:
        # A state that did not exist in the year takes no part in its graph.
        if a in g and b in g:
            g.add_edge(a, b, **attrs)

    for rel in kb.relations:
        if rel.holds(year):
            for a, b in permutations(rel.parties, 2):
                link(a, b, kind=rel.type, name=rel.name or "", dominant=rel.dominant or "",
                     evidence=[rel.id])
    dated = {frozenset(rel.parties) for rel in kb.relations if rel.type == "rivalry"}
    for state in kb.states.values():
        for rival in state.rivals:
            if frozenset((state.id, rival)) in dated:
                continue
            for a, b in ((state.id, rival), (rival, state.id)):
                edges = g.get_edge_data(a, b, default={}) or {}
                if not any(d["kind"] == "rivalry" for d in edges.values()):
                    link(a, b, kind="rivalry", name="", dominant="",
                         evidence=[rivals_id(state.id, rival)])
        for threat in state.threats:
            if threat.holds(year):
                link(state.id, threat.values["from"], kind="threat",
                     category=threat.values["category"], level=threat.values["level"],
                     evidence=[threat.id])
    for case in kb.alignments.values():
        for ind_id, items in evidence_by_indicator(case).items():
            st = indicator_state(items, year)
            if not st.present:
                continue
            for a, b in permutations(case.parties, 2):
                link(a, b, kind="engagement", indicator=ind_id,
                           stage=BY_ID[ind_id].stage, depth=st.depth, depth_rank=st.depth_rank,
                           case=case.id, evidence=list(st.evidence))
    return g


def rivals_of(g: nx.MultiDiGraph, state: str) -> list[str]:
    """The strategic rivals of a state (rivalry is symmetric)."""
    if state not in g:
        return []
    return sorted({b for _, b, d in g.out_edges(state, data=True) if d["kind"] == "rivalry"})


def rivalries_of(g: nx.MultiDiGraph, state: str) -> list[tuple[str, list[str]]]:
    """The strategic rivals of a state at the graph's year, each with the ids of the entries
    that code the rivalry (a relation, or an undated `rivals:` entry)."""
    if state not in g:
        return []
    found: dict[str, list[str]] = {}
    for _, b, d in g.out_edges(state, data=True):
        if d["kind"] == "rivalry":
            found.setdefault(b, [])
            found[b] += [e for e in d.get("evidence", []) if e not in found[b]]
    return sorted(found.items())


def engagements_of(g: nx.MultiDiGraph, state: str) -> list[tuple[str, dict]]:
    """A state's engagement edges: (partner, attributes)."""
    if state not in g:
        return []
    return [(b, d) for _, b, d in g.out_edges(state, data=True) if d["kind"] == "engagement"]
