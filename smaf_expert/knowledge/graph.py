"""The multilateral graph of a knowledge base at a year (DOMAIN.md section 4)."""

from __future__ import annotations

from collections import defaultdict
from itertools import permutations
from typing import TYPE_CHECKING, Any

from smaf_expert.indicators import BY_ID
from smaf_expert.knowledge.entries import rivals_id
from smaf_expert.knowledge.loader import Alignment, Evidence, KnowledgeBase
from smaf_expert.knowledge.status import indicator_state

if TYPE_CHECKING:
    import networkx as nx


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
    import networkx as nx

    return _fill(nx.MultiDiGraph(year=year), kb, year)


class Links:
    """The graph of a year as plain adjacency, without networkx: what preparing a case reads
    (`engagements_of`, `rivalries_of`). Built by the same code as `build_graph`, so its edges
    come out in the same order; importing networkx alone cost a third of a cold start."""

    def __init__(self, year: int) -> None:
        self.graph = {"year": year}
        self._nodes: dict[str, dict[str, Any]] = {}
        self._succ: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def add_node(self, node: str, **attrs: Any) -> None:
        self._nodes.setdefault(node, {}).update(attrs)
        self._succ.setdefault(node, {})

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def add_edge(self, a: str, b: str, **attrs: Any) -> None:
        self._succ[a].setdefault(b, []).append(attrs)

    def get_edge_data(self, a: str, b: str, default: Any = None) -> Any:
        edges = self._succ.get(a, {}).get(b)
        return dict(enumerate(edges)) if edges else default

    def out_edges(self, node: str, data: bool = False) -> list[tuple]:
        return [(node, b, d) if data else (node, b)
                for b, ds in self._succ[node].items() for d in ds]


def build_links(kb: KnowledgeBase, year: int) -> Links:
    """The graph of `build_graph` as plain adjacency (`Links`), for preparing cases."""
    return _fill(Links(year), kb, year)


def _fill(g: Any, kb: KnowledgeBase, year: int) -> Any:
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


def rivalries_of(g: nx.MultiDiGraph | Links, state: str) -> list[tuple[str, list[str]]]:
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


def engagements_of(g: nx.MultiDiGraph | Links, state: str) -> list[tuple[str, dict]]:
    """A state's engagement edges: (partner, attributes)."""
    if state not in g:
        return []
    return [(b, d) for _, b, d in g.out_edges(state, data=True) if d["kind"] == "engagement"]
