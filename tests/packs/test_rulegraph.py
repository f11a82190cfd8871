"""smaf_expert.packs.rulegraph: rules and fact types as a graph, as DOT text and as SVG."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import networkx as nx
import pytest
from conftest import shipped_packs

from smaf_expert.errors import SmafError
from smaf_expert.packs.rulegraph import rule_graph, rule_links, to_dot, to_svg

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<arrow>->)|(?P<punct>[{}\[\];,=])'
                    r'|(?P<id>[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?))')


def parse_dot(text: str) -> tuple[str, dict[str, dict], list[tuple[str, str, dict]]]:
    """A strict reader of the DOT subset to_dot writes: `digraph NAME { statements }` with
    graph attributes, node and edge defaults, nodes and edges, each ended by `;`.
    Returns the graph name, the nodes with their attributes and the edges."""
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        assert m and m.end() > pos, f"cannot read DOT at {text[pos:pos + 30]!r}"
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
            kind = "id"
        tokens.append((kind, value))
        pos = m.end()
    at = 0

    def peek() -> tuple[str, str]:
        return tokens[at] if at < len(tokens) else ("end", "")

    def take(kind: str, value: str | None = None) -> str:
        nonlocal at
        k, v = peek()
        assert k == kind and (value is None or v == value), (k, v, kind, value)
        at += 1
        return v

    def attrs() -> dict[str, str]:
        out: dict[str, str] = {}
        take("punct", "[")
        while peek() != ("punct", "]"):
            key = take("id")
            take("punct", "=")
            out[key] = take("id")
            if peek() == ("punct", ","):
                take("punct", ",")
        take("punct", "]")
        return out

    take("id", "digraph")
    name = take("id")
    take("punct", "{")
    nodes: dict[str, dict] = {}
    edges: list[tuple[str, str, dict]] = []
    while peek() != ("punct", "}"):
        first = take("id")
        if peek() == ("punct", "="):
            take("punct", "=")
            take("id")
        elif peek() == ("arrow", "->"):
            take("arrow")
            target = take("id")
            edges.append((first, target, attrs() if peek() == ("punct", "[") else {}))
        else:
            found = attrs() if peek() == ("punct", "[") else {}
            if first not in ("node", "edge", "graph"):
                nodes[first] = found
        take("punct", ";")
    take("punct", "}")
    assert peek() == ("end", ""), "text after the closing brace"
    return name, nodes, edges


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return rule_graph(list(shipped_packs()))


def test_the_graph_is_a_digraph_of_rules_and_fact_types(graph):
    assert isinstance(graph, nx.DiGraph)
    assert graph.nodes["S-degree"]["kind"] == "rule"
    assert graph.nodes["counted"]["kind"] == "fact"
    assert graph.nodes["indicator"]["base"] and graph.nodes["prerequisite"]["static"]


def test_s_degree_is_fed_by_counted_positively_and_negatively(graph):
    edges = graph.get_edge_data("counted", "S-degree")
    assert edges["when"]["negated"] is False and edges["when"]["names"] == ["top"]
    assert edges["unless"]["negated"] is True
    assert graph.has_edge("S-degree", "degree", key="then")


def test_degree_feeds_s_depth(graph):
    assert graph.get_edge_data("degree", "S-depth") == {
        "when": {"negated": False, "names": ["deg"]}}
    assert graph.nodes["S-depth"]["stratum"] > graph.nodes["S-degree.count"]["stratum"]


def test_rule_links_for_show(graph):
    links = rule_links(graph, "S-degree")
    assert links["reads"] == ["counted"] and links["negates"] == ["counted"]
    assert links["asserts"] == ["degree"] and "S-depth" in links["feeds"]
    assert links["fed_by"] == ["S-degree.count"] and links["pack"] == "smaf-stages"
    with pytest.raises(SmafError, match="did you mean 'S-degree'"):
        rule_links(graph, "S-degre")


def test_strata_and_switched_off_rules_follow_the_parameters(graph):
    assert graph.nodes["S-degree"]["enabled"] and not graph.nodes["S-degree.strict"]["enabled"]
    assert graph.nodes["S-degree.strict"]["stratum"] is None
    strict = rule_graph(list(shipped_packs()), {"prereq.strict": True})
    assert strict.nodes["S-degree.strict"]["enabled"] and not strict.nodes["S-degree"]["enabled"]
    assert strict.graph["params"]["prereq.strict"] is True


def test_scopes_keep_their_fact_types_apart(graph):
    assert graph.has_edge("network:tie", "Q-ally.treaty")
    assert graph.has_edge("perception", "P-bot.lacks")
    assert not graph.has_edge("perception", "Q-detect.common-threat")
    case_only = rule_graph(list(shipped_packs()), scope="case")
    assert "Q-ally.treaty" not in case_only and "S-degree" in case_only


def test_dot_text_parses_as_a_digraph_with_the_edges(graph):
    name, nodes, edges = parse_dot(to_dot(graph))
    assert name == "rules"
    assert nodes["S-degree"]["shape"] == "box"
    assert re.fullmatch(r"S-degree\\nstratum \d+", nodes["S-degree"]["label"])
    assert nodes["S-degree.strict"]["label"] == "S-degree.strict\\noff"
    assert nodes["counted"]["shape"] == "ellipse"
    into = [attrs for u, v, attrs in edges if (u, v) == ("counted", "S-degree")]
    assert sorted(a.get("style", "solid") for a in into) == ["dashed", "solid"]
    assert ("degree", "S-depth", {}) in edges
    assert ("S-degree", "degree", {}) in edges
    assert len(edges) == graph.number_of_edges()
    assert set(nodes) == {str(n) for n in graph.nodes}


def test_a_cycle_through_negation_is_drawn_without_strata(tmp_path):
    from test_lint import CYCLE, write_pack

    from smaf_expert import load_packs

    g = rule_graph(load_packs([write_pack(tmp_path, CYCLE)]))
    assert g.graph["errors"] and "T-a" in g.graph["errors"][0]
    assert g.nodes["T-a"]["stratum"] is None and g.has_edge("b", "T-a", key="unless")
    _, nodes, _ = parse_dot(to_dot(g))
    assert nodes["T-a"]["label"] == "T-a\\nno stratum"


def test_dot_quotes_what_needs_quoting():
    g = nx.MultiDiGraph()
    g.add_node('say "hi"', kind="rule", stratum=1, enabled=True, statement='a "b" \\ c')
    _, nodes, _ = parse_dot(to_dot(g))
    assert nodes['say "hi"']["tooltip"] == 'a "b" \\ c'


def test_svg_without_graphviz_is_a_clear_error(graph, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(SmafError, match="Graphviz program `dot` is not installed"):
        to_svg(graph)


def _fake_dot(folder: Path, script: str) -> None:
    dot = folder / "dot"
    dot.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    dot.chmod(dot.stat().st_mode | stat.S_IXUSR)


def test_svg_pipes_the_dot_text_through_dot(graph, tmp_path, monkeypatch):
    _fake_dot(tmp_path, 'echo "<svg><!-- $1 -->"; cat; echo "</svg>"\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    svg = to_svg(graph)
    assert svg.startswith("<svg><!-- -Tsvg -->") and "digraph rules {" in svg


def test_svg_reports_a_failing_dot(graph, tmp_path, monkeypatch):
    _fake_dot(tmp_path, 'cat >/dev/null; echo "syntax error in line 1" >&2; exit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    with pytest.raises(SmafError, match="exit 1.*syntax error in line 1"):
        to_svg(graph)


def test_a_real_dot_draws_svg(graph):
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    assert "<svg" in to_svg(graph)
