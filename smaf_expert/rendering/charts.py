"""Pictures for reports as standalone SVG strings: no plotting library, no external resource.

- `figure1_svg`: the paper's Figure 1 (Korolev 2024): degree of alignment against the strength
  of the incentives, the diagonal band of expected fit shaded, each case a labelled point and its
  path over the years.
- `neighbourhood_svg`: a case's parties and their direct neighbours in the multilateral graph,
  edges styled by kind.
- `timeline_svg`: the degree (and ceiling) of one case year by year.

Every text that reaches the SVG (labels come from the knowledge base) is escaped with
xml.sax.saxutils, so an SVG can be inlined into an HTML page as it is. Element ids carry a
prefix so that several pictures can live in one page without clashing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx

from smaf_expert.indicators import LEVELS

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
#: Series colours, distinguishable in print and for common colour blindness (Okabe-Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
#: Incentive values from bottom to top of Figure 1.
INCENTIVE_ROWS = ("weak", "moderate", "strong")
#: The expected band of P-fit: incentive -> (lowest, highest) stage.
EXPECTED_BAND = {"weak": (1, 2), "moderate": (3, 4), "strong": (5, 7)}

#: Edge styles of the neighbourhood graph: colour, width, dash pattern, arrowhead.
EDGE_STYLES: dict[str, dict[str, Any]] = {
    "alliance": {"color": "#1D4ED8", "width": 3.0, "dash": None, "label": "formal alliance"},
    "alignment": {"color": "#15803D", "width": 2.5, "dash": None,
                  "label": "assessed alignment (degree)"},
    "rivalry": {"color": "#B91C1C", "width": 2.0, "dash": "7 5", "label": "strategic rivalry"},
    "threat": {"color": "#EA580C", "width": 1.8, "dash": "2 4",
               "label": "threat perception (perceiver to threat)"},
    "engagement": {"color": "#6B7280", "width": 1.2, "dash": None,
                   "label": "military engagement (any indicator)"},
    "animosity": {"color": "#7C3AED", "width": 2.0, "dash": "10 4 2 4",
                  "label": "historical animosity"},
    "hierarchy": {"color": "#0F766E", "width": 2.0, "dash": "4 2", "label": "hierarchy"},
}
_OTHER_STYLE = {"color": "#9CA3AF", "width": 1.2, "dash": "3 3", "label": "other relation"}
#: The kinds in the order the legend lists them.
EDGE_ORDER = ("alliance", "alignment", "rivalry", "threat", "engagement", "animosity",
              "hierarchy")


def esc(text: Any) -> str:
    """Text escaped for an SVG text node or a double-quoted attribute."""
    return escape(str(text), {'"': "&quot;", "'": "&#39;"})


def _num(value: float) -> str:
    # Two decimals keep the SVG small and deterministic across platforms.
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: Any, *, size: float = 12, anchor: str = "start",
          weight: str = "normal", fill: str = "#1F2937", extra: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" '
            f'text-anchor="{anchor}" font-weight="{weight}" fill="{fill}"{extra}>'
            f"{esc(content)}</text>")


def _open(width: float, height: float, title: str, desc: str, prefix: str) -> list[str]:
    return [f'<svg xmlns="{SVG_NS}" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
            f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="{esc(FONT)}" '
            f'class="smaf-chart" id="{prefix}">',
            f'<title id="{prefix}-title">{esc(title)}</title>',
            f'<desc id="{prefix}-desc">{esc(desc)}</desc>',
            f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="#FFFFFF"/>']


# -- Figure 1 --------------------------------------------------------------------------------

Point = tuple[int, int, str]
Series = tuple[str, Sequence[Point]]


def _runs(path: Sequence[Point]) -> list[tuple[int, int, int, str]]:
    """Consecutive years at the same place collapsed: (first year, last year, degree, value)."""
    runs: list[tuple[int, int, int, str]] = []
    for year, degree, value in sorted(path):
        if runs and runs[-1][2:] == (degree, value):
            runs[-1] = (runs[-1][0], year, degree, value)
        else:
            runs.append((year, year, degree, value))
    return runs


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _legend_rows(labels: Sequence[str], left: float, right: float
                 ) -> list[tuple[float, int, str]]:
    """Legend entries (x, row, label) placed one after the other, wrapping at `right`; widths
    are estimated from the label's length (SVG cannot measure text without a renderer)."""
    out: list[tuple[float, int, str]] = []
    lx, row = left, 0
    for label in labels:
        width = 16 + 6.6 * len(label) + 28
        if lx > left and lx + width > right:
            lx, row = left, row + 1
        out.append((lx, row, label))
        lx += width
    return out


def _lane_offset(i: int, n: int, step: float = 9.0) -> float:
    """Vertical offset of series `i` of `n` within a row: the first on top, the second at the
    bottom, the others between them, so that overlapping paths stay apart."""
    if n < 2:
        return 0.0
    slots = [0, n - 1, *range(1, n - 1)]
    return (slots[i] - (n - 1) / 2) * step


def figure1_svg(points: Iterable[Series], *, title: str = "Figure 1: degree of alignment "
                "against the incentives", id_prefix: str = "fig1") -> str:
    """The paper's Figure 1 as SVG.

    :param points: ``[(label, [(year, degree, overall_value), ...]), ...]``: one series per
        case, its path over the years; the last year is the case's current point. A value
        outside weak/moderate/strong (``undetermined``) is drawn in a lane of its own below.
    :param title: the picture's title (also its accessible name).
    :param id_prefix: prefix of the element ids, unique within one HTML page.
    """
    series = [(str(label), list(path)) for label, path in points]
    left, right, top = 118, 28, 46
    width = 760
    plot_w = width - left - right
    row_h = 74
    rows_bottom = top + row_h * 3
    lane_top, lane_h = rows_bottom + 16, 40
    axis_y = lane_top + lane_h
    legend_top = axis_y + 66
    legend = _legend_rows([label for label, _ in series], left, width - right)
    legend_lines = max(1, len({ly for _, ly, _ in legend}))
    height = legend_top + 20 * legend_lines + 40
    cw = plot_w / 8

    def x(stage: float) -> float:
        return left + (stage + 0.5) * cw

    def y(value: str) -> float:
        if value in INCENTIVE_ROWS:
            return rows_bottom - (INCENTIVE_ROWS.index(value) + 0.5) * row_h
        return lane_top + lane_h / 2

    desc = "; ".join(
        f"{label}: " + ", ".join(f"{_years(a, b)} degree {d}, {v} incentives"
                                 for a, b, d, v in _runs(path))
        for label, path in series) or "no case"
    out = _open(width, height, title, desc, id_prefix)
    out.append(_text(left, 24, title, size=15, weight="bold"))
    # The expected band (P-fit): the diagonal the paper's cases scatter around.
    for value, (low, high) in EXPECTED_BAND.items():
        yc = y(value)
        out.append(f'<rect x="{_num(x(low) - cw / 2)}" y="{_num(yc - row_h / 2)}" '
                   f'width="{_num(cw * (high - low + 1))}" height="{_num(row_h)}" '
                   f'fill="#DBEAFE" stroke="#93C5FD" stroke-width="1"/>')
    out.append(_text(x(7) + cw / 2 - 6, y("strong") - row_h / 2 + 15,
                     "shaded: degree the incentives predict", size=10, anchor="end",
                     fill="#1E40AF"))
    # Grid: a column per stage, a line between rows.
    for stage in range(9):
        gx = left + stage * cw
        out.append(f'<line x1="{_num(gx)}" y1="{top}" x2="{_num(gx)}" y2="{rows_bottom}" '
                   f'stroke="#E5E7EB" stroke-width="1"/>')
    for i in range(4):
        gy = top + i * row_h
        out.append(f'<line x1="{left}" y1="{_num(gy)}" x2="{_num(left + plot_w)}" '
                   f'y2="{_num(gy)}" stroke="#D1D5DB" stroke-width="1"/>')
    out.append(f'<rect x="{left}" y="{lane_top}" width="{_num(plot_w)}" height="{lane_h}" '
               f'fill="#F9FAFB" stroke="#D1D5DB" stroke-dasharray="4 3"/>')
    # The paper's ascending arrow through the band.
    marker = f"{id_prefix}-arrow"
    out.append(f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" '
               f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
               f'<path d="M0,0 L10,5 L0,10 z" fill="#60A5FA"/></marker></defs>')
    out.append(f'<polyline points="{_num(x(0.9))},{_num(y("weak") + 14)} '
               f'{_num(x(3.5))},{_num(y("moderate"))} {_num(x(6.6))},{_num(y("strong") - 14)}" '
               f'fill="none" stroke="#60A5FA" stroke-width="2" stroke-dasharray="6 4" '
               f'marker-end="url(#{marker})"/>')
    # Axes and their labels.
    for value in INCENTIVE_ROWS:
        out.append(_text(left - 10, y(value) + 4, value, size=12, anchor="end"))
    out.append(_text(left - 10, y("undetermined") + 4, "undetermined", size=11, anchor="end",
                     fill="#6B7280"))
    out.append(_text(18, top + row_h * 1.5, "incentives (overall)", size=12, anchor="middle",
                     extra=f' transform="rotate(-90 18 {_num(top + row_h * 1.5)})"'))
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{_num(left + plot_w)}" y2="{axis_y}" '
               f'stroke="#374151" stroke-width="1"/>')
    for stage in range(8):
        out.append(_text(x(stage), axis_y + 16, stage, size=12, anchor="middle"))
    for name, (low, high) in {"none": (0, 0), "early": (1, 2), "moderate": (3, 4),
                              "advanced": (5, 7)}.items():
        out.append(_text((x(low) + x(high)) / 2, axis_y + 32, name, size=10, anchor="middle",
                         fill="#6B7280"))
    out.append(_text(left + plot_w / 2, axis_y + 50,
                     "degree of alignment (highest stage that counts)", size=12,
                     anchor="middle"))
    # The cases: a path over the years, a dot per place, the current point labelled. Label
    # places are settled first, in series order (the case first), moving a label down a line
    # when it would overprint one already placed; drawing then goes in reverse order so the
    # case is drawn on top.
    n = len(series)
    placed: list[tuple[float, float, float]] = []
    drawn = []
    for i, (label, path) in enumerate(series):
        runs = _runs(path)
        if not runs:
            continue
        dy = _lane_offset(i, n)
        first, last, d, v = runs[-1]
        px, py = x(d), y(v) + dy
        text = f"{label} {last}"
        span = 0.62 * 11 * len(text)  # rough width of bold 11px text
        anchor = "end" if d >= 6 else "start"
        x0 = px - 11 - span if anchor == "end" else px + 11
        ty = py + 4
        while any(abs(ty - oy) < 13 and x0 < ox1 and ox0 < x0 + span
                  for ox0, ox1, oy in placed):
            ty += 13
        placed.append((x0, x0 + span, ty))
        drawn.append((i, label, runs, dy, (anchor, x0 if anchor == "start" else px - 11, ty)))
    for i, label, runs, dy, (anchor, tx, ty) in reversed(drawn):
        color = PALETTE[i % len(PALETTE)]
        coords = [(x(d), y(v) + dy) for _, _, d, v in runs]
        out.append(f'<g class="series" data-label="{esc(label)}">')
        if len(coords) > 1:
            pts = " ".join(f"{_num(px)},{_num(py)}" for px, py in coords)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                       f'stroke-width="2" stroke-opacity="0.75"/>')
        # One dot and one label per place, naming every stretch of years spent there: a path
        # that comes back to a place would otherwise write labels on top of each other.
        places: dict[tuple[int, str], list[str]] = {}
        for first, last, d, v in runs:
            places.setdefault((d, v), []).append(_years(first, last))
        final = runs[-1][2:]
        for (d, v), spans in places.items():
            if (d, v) == final:
                continue
            px, py = x(d), y(v) + dy
            tip = f"{label}, {', '.join(spans)}: degree {d}, {v} incentives"
            out.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="3.5" fill="{color}">'
                       f"<title>{esc(tip)}</title></circle>")
            # The first series (the case) is labelled above its dots, the second below; they
            # run along the outer edges of the row, so their years collide with no line.
            # Further series are told apart by their tooltips only.
            if i < 2:
                ty_small = py - 6 if i == 0 else py + 13
                out.append(_text(px + 5, ty_small, ", ".join(spans), size=9, fill=color))
        first, last, d, v = runs[-1]
        px, py = x(d), y(v) + dy
        tip = f"{label}, {', '.join(places[(d, v)])}: degree {d}, {v} incentives"
        out.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="7" fill="{color}" '
                   f'stroke="#FFFFFF" stroke-width="2"><title>{esc(tip)}</title></circle>')
        out.append(_text(tx, ty, f"{label} {last}", size=11, anchor=anchor, weight="bold",
                         fill=color, extra=' paint-order="stroke" stroke="#FFFFFF" '
                         'stroke-width="3"'))
        out.append("</g>")
    for i, (lx, row, label) in enumerate(legend):
        ly = legend_top + row * 20
        color = PALETTE[i % len(PALETTE)]
        out.append(f'<circle cx="{_num(lx + 6)}" cy="{_num(ly - 4)}" r="5" fill="{color}"/>')
        out.append(_text(lx + 16, ly, label, size=11))
    out.append(_text(left, height - 24, "Small dots: where a case stood in earlier years "
                     "(the years beside them); large dot: the assessed year.", size=10,
                     fill="#6B7280"))
    out.append(_text(left, height - 10, "Undetermined incentives (e.g. no GNP data for a "
                     "year) sit in the lane below the three rows.", size=10, fill="#6B7280"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- the neighbourhood graph -----------------------------------------------------------------

def _edge_groups(graph: nx.MultiDiGraph, shown: set[str], focus: set[str]
                 ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Edges touching a focus state, merged per unordered pair and kind (a threat keeps its
    direction: `both` when each perceives the other)."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a, b, data in graph.edges(data=True):
        if a == b or a not in shown or b not in shown or not ({a, b} & focus):
            continue
        kind = str(data.get("kind", "other"))
        lo, hi = sorted((a, b))
        group = groups.setdefault((lo, hi, kind), {"kind": kind, "a": lo, "b": hi,
                                                   "directions": set(), "details": []})
        group["directions"].add((a, b))
        detail = _edge_detail(a, b, kind, data)
        if detail not in group["details"]:
            group["details"].append(detail)
        if kind == "alignment":
            group["degree"] = data.get("degree")
    return groups


def _edge_detail(a: str, b: str, kind: str, data: dict[str, Any]) -> str:
    if kind == "threat":
        return f"{a} sees {b} as a {data.get('category', '?')} threat ({data.get('level', '?')})"
    if kind == "engagement":
        return (f"{a}–{b} {data.get('indicator', '?')} at {data.get('depth') or '?'} depth "
                f"({data.get('case', '')})")
    if kind == "alignment":
        return f"{a}–{b} case {data.get('case', '')}: degree {data.get('degree', '?')}"
    name = data.get("name") or ""
    return f"{a}–{b} {kind}" + (f": {name}" if name else "")


def neighbourhood_svg(graph: nx.MultiDiGraph, focus_states: Sequence[str], *,
                      title: str | None = None, id_prefix: str = "nbr") -> str:
    """The focus states and their direct neighbours in the multilateral graph, as SVG.

    The focus states sit on a small inner ellipse, their neighbours (any edge kind, either
    direction) evenly on an outer one, each toward the party it is linked to (see `_layout`;
    computed from sorted ids only, so the picture is the same on every run). Edges touching a
    focus state are drawn, one per pair and kind, styled by kind (a threat with an arrow from
    perceiver to threat), with a legend of the kinds shown.

    :param graph: a graph from `build_graph` or `graph_export.export_graph`.
    :param focus_states: the case's parties.
    """
    focus = [s for s in dict.fromkeys(focus_states) if s in graph]
    neighbours = sorted({n for s in focus for n in nx.all_neighbors(graph, s)} - set(focus))
    year = graph.graph.get("year")
    title = title or ("Neighbourhood of " + ", ".join(focus_states)
                      + (f" in {year}" if year is not None else ""))
    # The outer ellipse grows with the number of neighbours, up to the picture's width.
    count = len(neighbours)
    rx, ry = min(305.0, 200.0 + 15 * count), min(190.0, 80.0 + 15 * count)
    width, cx, cy = 760, 380.0, 62.0 + ry
    shown = set(focus) | set(neighbours)
    groups = _edge_groups(graph, shown, set(focus))
    kinds = [k for k in EDGE_ORDER if any(g["kind"] == k for g in groups.values())]
    kinds += sorted({g["kind"] for g in groups.values()} - set(kinds))
    legend_top = int(cy + ry + 56)
    height = legend_top + 20 * math.ceil(max(len(kinds), 1) / 2) + 26
    pos = _layout(graph, focus, neighbours, cx, cy, rx, ry)
    names = {n: graph.nodes[n].get("name", n) for n in shown}
    desc = (f"{', '.join(names[f] for f in focus)}: {len(neighbours)} neighbouring states; "
            + "; ".join(d for g in groups.values() for d in g["details"]))
    out = _open(width, height, title, desc, id_prefix)
    out.append(_text(20, 26, title, size=15, weight="bold"))
    out.append(f'<defs><marker id="{id_prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
               f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
               f'<path d="M0,0 L10,5 L0,10 z" fill="{EDGE_STYLES["threat"]["color"]}"/>'
               f"</marker></defs>")
    radius = {n: (22.0 if n in focus else 17.0) for n in shown}
    # Several kinds between one pair fan out as curves instead of lying on top of each other.
    per_pair: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for key in sorted(groups, key=lambda k: (k[0], k[1], EDGE_ORDER.index(k[2])
                                             if k[2] in EDGE_ORDER else 99)):
        per_pair.setdefault(key[:2], []).append(key)
    out.append('<g class="edges">')
    for (a, b), keys in per_pair.items():
        (ax, ay), (bx, by) = pos[a], pos[b]
        length = math.hypot(bx - ax, by - ay) or 1.0
        nx_, ny_ = -(by - ay) / length, (bx - ax) / length
        for k, key in enumerate(keys):
            group = groups[key]
            style = EDGE_STYLES.get(group["kind"], _OTHER_STYLE)
            bend = (k - (len(keys) - 1) / 2) * min(34.0, length * 0.22)
            mx, my = (ax + bx) / 2 + nx_ * bend, (ay + by) / 2 + ny_ * bend
            # Start and end on the circles' rims so that arrowheads stay visible.
            sx, sy = _toward(ax, ay, mx, my, radius[a] + 2)
            ex, ey = _toward(bx, by, mx, my, radius[b] + 2)
            attrs = [f'stroke="{style["color"]}"', f'stroke-width="{_num(style["width"])}"',
                     'fill="none"']
            if group["kind"] == "alignment" and isinstance(group.get("degree"), int):
                attrs[1] = f'stroke-width="{_num(1.2 + group["degree"] * 0.5)}"'
            if style["dash"]:
                attrs.append(f'stroke-dasharray="{style["dash"]}"')
            if group["kind"] == "threat":
                if (a, b) in group["directions"]:
                    attrs.append(f'marker-end="url(#{id_prefix}-arrow)"')
                if (b, a) in group["directions"]:
                    attrs.append(f'marker-start="url(#{id_prefix}-arrow)"')
            out.append(f'<path d="M{_num(sx)},{_num(sy)} Q{_num(mx)},{_num(my)} '
                       f'{_num(ex)},{_num(ey)}" {" ".join(attrs)} '
                       f'data-kind="{esc(group["kind"])}">'
                       f"<title>{esc('; '.join(group['details']))}</title></path>")
            if group["kind"] == "alignment" and group.get("degree") is not None:
                # Labelled toward the outer end: near the parties every edge converges.
                t = 0.5 if (a in focus) == (b in focus) else (0.68 if a in focus else 0.32)
                lx = (1 - t) ** 2 * sx + 2 * (1 - t) * t * mx + t ** 2 * ex
                ly = (1 - t) ** 2 * sy + 2 * (1 - t) * t * my + t ** 2 * ey
                out.append(_text(lx, ly - 3, f"degree {group['degree']}", size=9,
                                 anchor="middle", fill=style["color"], weight="bold",
                                 extra=' paint-order="stroke" stroke="#FFFFFF" '
                                 'stroke-width="3"'))
    out.append("</g>")
    out.append('<g class="nodes">')
    for node in [*neighbours, *focus]:
        px, py = pos[node]
        is_focus = node in focus
        fill, ink = ("#1E3A8A", "#FFFFFF") if is_focus else ("#F3F4F6", "#111827")
        out.append(f'<g class="node" data-id="{esc(node)}"><title>{esc(names[node])} '
                   f"({esc(node)})</title>")
        out.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="{_num(radius[node])}" '
                   f'fill="{fill}" stroke="#1E3A8A" stroke-width="{2 if is_focus else 1}"/>')
        out.append(_text(px, py + 4, node, size=11 if is_focus else 10, anchor="middle",
                         weight="bold", fill=ink))
        out.append(_text(px, py + radius[node] + 13, names[node], size=10, anchor="middle",
                         fill="#374151", extra=' paint-order="stroke" stroke="#FFFFFF" '
                         'stroke-width="3"'))
        out.append("</g>")
    out.append("</g>")
    if not neighbours:
        out.append(_text(cx, cy + ry / 2, "no neighbouring state in the graph", size=12,
                         anchor="middle", fill="#6B7280"))
    for i, kind in enumerate(kinds):
        style = EDGE_STYLES.get(kind, _OTHER_STYLE)
        lx = 40 + (i % 2) * 360
        ly = legend_top + (i // 2) * 20
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 36}" y2="{ly - 4}" '
                   f'stroke="{style["color"]}" stroke-width="{_num(style["width"])}"{dash}/>')
        out.append(_text(lx + 44, ly, style["label"] if kind in EDGE_STYLES else kind,
                         size=11))
    out.append(_text(20, height - 10, "Dark nodes: the case's parties; hover an edge for "
                     "its details.", size=10, fill="#6B7280"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _layout(graph: nx.MultiDiGraph, focus: Sequence[str], neighbours: Sequence[str],
            cx: float, cy: float, rx: float, ry: float) -> dict[str, tuple[float, float]]:
    """Positions: the focus states on a small inner ellipse (one alone in the centre), the
    neighbours evenly on an outer ellipse, each as close as the spacing allows to the side of
    the focus states it is linked to, so that few edges cross the middle.

    Deterministic: angles are computed from sorted ids only. (networkx's circular_layout would
    do for the spacing but needs numpy, which this package does not depend on.)"""
    pos: dict[str, tuple[float, float]] = {}
    angles: dict[str, float] = {}
    if len(focus) == 1:
        pos[focus[0]] = (cx, cy)
    for i, f in enumerate(focus if len(focus) > 1 else []):
        angles[f] = math.pi + 2 * math.pi * i / len(focus)
        pos[f] = (cx + rx * 0.36 * math.cos(angles[f]), cy - ry * 0.3 * math.sin(angles[f]))
    n = len(neighbours)
    if not n:
        return pos
    targets = []
    for k, node in enumerate(neighbours):
        linked = [f for f in angles if graph.has_edge(f, node) or graph.has_edge(node, f)]
        vx = sum(math.cos(angles[f]) for f in linked)
        vy = sum(math.sin(angles[f]) for f in linked)
        if math.hypot(vx, vy) > 1e-6:
            target = math.atan2(vy, vx) % (2 * math.pi)
        elif angles:
            # Linked to every party alike: above or below them, alternately.
            target = math.pi / 2 if k % 2 == 0 else 3 * math.pi / 2
        else:
            target = 2 * math.pi * k / n
        targets.append((target, node))
    targets.sort()
    # Rotate the evenly spaced slots to sit, on average, on the targets (circular mean).
    sx = sum(math.cos(t - 2 * math.pi * j / n) for j, (t, _) in enumerate(targets))
    sy = sum(math.sin(t - 2 * math.pi * j / n) for j, (t, _) in enumerate(targets))
    offset = math.atan2(sy, sx) if math.hypot(sx, sy) > 1e-6 else math.pi / 2
    for j, (_, node) in enumerate(targets):
        a = offset + 2 * math.pi * j / n
        pos[node] = (cx + rx * math.cos(a), cy - ry * math.sin(a))
    return pos


def _toward(x0: float, y0: float, x1: float, y1: float, dist: float) -> tuple[float, float]:
    """The point `dist` from (x0, y0) toward (x1, y1)."""
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    return x0 + (x1 - x0) / length * dist, y0 + (y1 - y0) / length * dist


# -- the timeline ----------------------------------------------------------------------------

def timeline_svg(rows: Sequence[dict[str, Any]], *, title: str = "Degree of alignment by year",
                 id_prefix: str = "timeline") -> str:
    """The degree of a case year by year as a step line, the ceiling dashed above it.

    :param rows: ``[{year, degree, ceiling, ...}]`` in year order, as `render.timeline_rows`
        gives them; a row with `marks` naming a fall is drawn in red.
    """
    width, height = 760, 250
    left, right, top, bottom = 118, 28, 40, 196
    years = [r["year"] for r in rows]
    out = _open(width, height, title, "; ".join(
        f"{r['year']}: degree {r['degree']} (ceiling {r['ceiling']})" for r in rows)
        or "no year", id_prefix)
    out.append(_text(left, 24, title, size=15, weight="bold"))
    if not rows:
        out.append(_text(width / 2, height / 2, "no year to show", size=12, anchor="middle"))
        out.append("</svg>")
        return "\n".join(out) + "\n"
    first, last = years[0], years[-1]
    span = max(last - first + 1, 1)
    step = (width - left - right) / span

    def x(year: float) -> float:
        return left + (year - first) * step

    def y(degree: float) -> float:
        return bottom - degree * (bottom - top) / 7

    for degree in range(8):
        out.append(f'<line x1="{left}" y1="{_num(y(degree))}" x2="{width - right}" '
                   f'y2="{_num(y(degree))}" stroke="#E5E7EB"/>')
        out.append(_text(left - 8, y(degree) + 4, f"{degree} {LEVELS[degree]}"
                         if degree in (0, 1, 3, 5) else degree, size=10, anchor="end",
                         fill="#4B5563"))
    label_every = max(1, math.ceil(span / 16))
    for year in range(first, last + 1):
        # Every n-th year, and the last one unless that would crowd its predecessor.
        if ((year - first) % label_every == 0 and last - year >= label_every) or year == last:
            out.append(_text(x(year) + step / 2, bottom + 16, year, size=10, anchor="middle",
                             fill="#4B5563"))

    def steps(key: str) -> str:
        pts = []
        for r in rows:
            pts += [(x(r["year"]), y(r[key])), (x(r["year"]) + step, y(r[key]))]
        return " ".join(f"{_num(px)},{_num(py)}" for px, py in pts)

    out.append(f'<polyline points="{steps("ceiling")}" fill="none" stroke="#9CA3AF" '
               f'stroke-width="1.5" stroke-dasharray="5 4"/>')
    out.append(f'<polyline points="{steps("degree")}" fill="none" stroke="#0072B2" '
               f'stroke-width="3"/>')
    for r in rows:
        fell = "fell" in (r.get("marks") or "")
        color = "#B91C1C" if fell else "#0072B2"
        tip = f"{r['year']}: degree {r['degree']}, ceiling {r['ceiling']}"
        if r.get("marks"):
            tip += f" ({r['marks']})"
        out.append(f'<circle cx="{_num(x(r["year"]) + step / 2)}" cy="{_num(y(r["degree"]))}" '
                   f'r="{4 if fell else 2.5}" fill="{color}"><title>{esc(tip)}</title>'
                   f"</circle>")
    out.append(f'<line x1="{left}" y1="{bottom + 26}" x2="{left + 30}" y2="{bottom + 26}" '
               f'stroke="#0072B2" stroke-width="3"/>')
    out.append(_text(left + 36, bottom + 30, "degree", size=10))
    out.append(f'<line x1="{left + 100}" y1="{bottom + 26}" x2="{left + 130}" '
               f'y2="{bottom + 26}" stroke="#9CA3AF" stroke-width="1.5" '
               f'stroke-dasharray="5 4"/>')
    out.append(_text(left + 136, bottom + 30, "ceiling (if every unknown indicator were "
                     "present)", size=10))
    out.append(_text(left + 420, bottom + 30, "red dot: the degree fell", size=10,
                     fill="#B91C1C"))
    out.append("</svg>")
    return "\n".join(out) + "\n"
