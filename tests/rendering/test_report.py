"""Reports (rendering.report) and their pictures (rendering.charts): content, escaping,
self-containment, valid SVG."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import xml.etree.ElementTree as ET
from functools import cache

import networkx as nx
import pytest
from conftest import case, ev, make_kb, present, with_states
from markupsafe import escape

import smaf_expert
from smaf_expert.indicators import INDICATORS
from smaf_expert.rendering.charts import SVG_NS, figure1_svg, neighbourhood_svg, timeline_svg
from smaf_expert.rendering.render import render_verdict, trace_rows
from smaf_expert.rendering.report import md_text, render_report

SVG_RE = re.compile(r"<svg\b.*?</svg>", re.S)
DATA_URI_RE = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


@cache
def shipped() -> smaf_expert.Assessor:
    """An Assessor over the shipped knowledge base, built once."""
    return smaf_expert.make_assessor()


@cache
def us_india(fmt: str = "html") -> str:
    """The shipped us-india report, rendered once per format."""
    return render_report(shipped(), "us-india", year=2023, fmt=fmt)


def svgs(page: str) -> dict[str, ET.Element]:
    """The inline SVG elements of a page, parsed as XML, by id."""
    out = {}
    for snippet in SVG_RE.findall(page):
        root = ET.fromstring(snippet)
        out[root.get("id")] = root
    return out


def texts(root: ET.Element) -> list[str]:
    """Every text node of an SVG."""
    return ["".join(t.itertext()) for t in root.iter(f"{{{SVG_NS}}}text")]


# -- HTML -------------------------------------------------------------------------------------

def test_html_headline_profile_findings_incentives():
    """The page shows the verdict headline, all seven indicators, the findings, the balances."""
    page = us_india()
    v = shipped().assess("us-india")
    assert page.startswith("<!DOCTYPE html>")
    assert ('<p class="headline" id="headline">Degree 4 of 7: moderate alignment, reaching '
            "stage 4 (regular joint military exercises) at high depth.") in page
    profile = page[page.index('<table class="profile">'):]
    profile = profile[:profile.index("</table>")]
    assert profile.count("<tr class=\"status-") == 7
    for ind in INDICATORS:
        assert f'<span class="ind-id">{ind.id}</span>' in profile
    assert '<tr class="status-excluded">' in profile and "Hedging: India (IND) engages Russia" \
        in profile
    for finding in v.findings:
        assert str(escape(finding["text"])) in page
    for label in ("Balance of power (BOP)", "Balance of threat (BOT)",
                  "Balance of interests (BOI)", "Overall incentive"):
        assert f"<td>{label}</td>" in page
    assert "r = 1.74" in page
    # The overall row names how the balances were combined, in the words of the text output.
    overall = page[page.index("<td>Overall incentive</td>"):]
    assert f"policy: {v.incentives['overall']['policy']}</td>" in overall[:overall.index("</tr>")]


def test_html_reasoning_tree_and_firings():
    """The reasoning is a tree of <details> per derivation, down to the evidence, and the raw
    firing list."""
    page = us_india()
    v = shipped().assess("us-india")
    for about in ("degree", "ceiling", "bop", "bot", "boi", "overall", "fit",
                  "finding-hedging", "finding-fit"):
        assert f'<details class="derivation" id="why-{about}"><summary>' in page
    degree = page[page.index('id="why-degree"'):page.index('id="why-ceiling"')]
    assert degree.count("<details>") >= 3  # conclusion > rule > conclusion > rule > fact
    assert '<span class="kind kind-rule">rule</span> <span class="label">S-degree (step' \
        in degree
    assert '<span class="label">usind-ex-3</span>' in degree
    assert "Sources: Malabar naval exercise series" in degree
    firings = page[page.index('id="firings"'):]
    firings = firings[:firings.index("</table>")]
    rows = trace_rows(v)
    assert f"The {len(v.trace)} rule firings, in order ({len(rows)} shown" in firings
    assert firings.count('<td class="rule-id">') == len(rows) < len(v.trace)
    assert "P-bot.lacks" not in firings


def test_html_why_trees_reach_the_gnp_figures_and_perceptions():
    """The Why tree of the BOP ends at each GNP point with its unit and source, the measure
    rounded for reading; the BOT tree reaches both parties' perceptions (issue 12)."""
    page = us_india()
    bop = page[page.index('id="why-bop"'):page.index('id="why-bot"')]
    assert '<span class="label">IND#gnp@2023</span>' in bop
    assert "IND GNP 2023: 3,550 current US$ billion" in bop
    assert "Sources: World Bank WDI, GDP (current US$), series NY.GDP.MKTP.CD" in bop
    assert "r=1.74," in bop and "1.737" not in bop
    bot = page[page.index('id="why-bot"'):page.index('id="why-boi"')]
    assert '<span class="label">IND#threat/CHN/territorial@2020</span>' in bot
    assert '<span class="label">USA#threat/CHN/global_order@2017</span>' in bot
    evidence = page[page.index('<section id="evidence">'):]
    assert '<tr id="ev-IND#gnp@2023">' in evidence


def test_html_pictures_are_valid_inline_svg():
    """Figure 1, the timeline and the neighbourhood graph are inline, well-formed SVG."""
    pictures = svgs(us_india())
    assert set(pictures) == {"fig1", "tl", "nbr"}
    for root in pictures.values():
        assert root.tag == f"{{{SVG_NS}}}svg"
        assert root.find(f"{{{SVG_NS}}}title") is not None
    fig1 = texts(pictures["fig1"])
    # One year for every case (DOMAIN.md section 6): the comparator is drawn to the case's year.
    assert "United States–India 2023" in fig1 and "China–Russia 2023" in fig1
    nbr = texts(pictures["nbr"])
    assert {"USA", "IND", "RUS", "CHN", "United States", "India"} <= set(nbr)


def test_html_is_self_contained():
    """No external resource: no src, no http(s) reference but the SVG namespace, no URL in
    CSS, and a Content-Security-Policy that allows only the inlined style and script."""
    page = us_india()
    assert not re.search(r"\bsrc\s*=", page)
    assert not re.search(r"@import|url\((?!#)", page)
    for match in re.finditer(r"https?://[^\s\"'<>)]*", page):
        assert match.group(0) == SVG_NS, page[match.start() - 80:match.end() + 20]
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("#") or h == "data:," for h in hrefs), hrefs
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp and "default-src 'none'" in html.unescape(csp.group(1))
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for body, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in html.unescape(csp.group(1))
    assert page.count("<script") == 1
    assert not re.search(r"\sstyle=", page)  # inline style attributes would break the CSP
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_html_comparators_and_timeline_options():
    """Comparators and the first timeline year can be chosen."""
    page = render_report(shipped(), "china-russia", year=2010, comparators=["us-thailand"],
                         timeline_from=2005)
    fig1 = texts(svgs(page)["fig1"])
    assert "China–Russia 2010" in fig1
    assert "United States–Thailand 2010" in fig1
    assert not any("United States–India" in t for t in fig1)
    rows = re.findall(r'<tr(?: class="fell")?><td class="num">(\d{4})</td>', page)
    assert rows == [str(y) for y in range(2005, 2011)]


@pytest.mark.parametrize("kwargs, message", [
    ({"fmt": "pdf"}, "unknown report format 'pdf'"),
    ({"comparators": ["us-indai"]}, "did you mean us-india"),
    ({"timeline_from": 2030}, "cannot start in 2030"),
], ids=["format", "comparator", "timeline"])
def test_bad_options(kwargs, message):
    """Bad options are errors that say what is wrong."""
    with pytest.raises(smaf_expert.AssessmentError, match=message):
        render_report(shipped(), "china-russia", **kwargs)


# -- escaping ---------------------------------------------------------------------------------

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def evil_kb(tmp_path):
    """A knowledge base whose texts carry markup: a claim, a source, a case name, a state
    name."""
    return make_kb(tmp_path, states=with_states(
        JPN={"name": f"Japan {EVIL}", "rivals": ["CHN"]}), alignments={
        "us-japan": case(["USA", "JPN"],
                         ev("uj-cbm", "cbm", 2000, claim=f"Hotline {EVIL} & more",
                            sources=['"><img src=x onerror=alert(2)>']),
                         *present("uj", "consultations", "exercises", since=2001),
                         name=f"US–Japan {EVIL}"),
        "china-japan": case(["CHN", "JPN"], ev("cj-cbm", "cbm", 2005)),
    })


def test_html_escapes_knowledge_base_text(evil_kb):
    """Markup in the knowledge base is shown as text, never as a tag, in the page and in its
    SVG."""
    page = render_report(smaf_expert.make_assessor(evil_kb), "us-japan", year=2005)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert page.count("<script") == 1
    pictures = svgs(page)  # well-formed XML although the labels carry markup
    assert f"US–Japan {EVIL} 2005" in texts(pictures["fig1"])
    assert f"Japan {EVIL}" in texts(pictures["nbr"])


def test_markdown_escapes_knowledge_base_text(evil_kb):
    """Markdown passes raw HTML through, so the same text is escaped there too."""
    text = render_report(smaf_expert.make_assessor(evil_kb), "us-japan", year=2005,
                         fmt="markdown")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text and "<img" not in text
    for payload in DATA_URI_RE.findall(text):
        ET.fromstring(base64.b64decode(payload))


def test_md_text():
    """HTML and Markdown syntax escaped; an underscore inside a word left alone."""
    assert md_text("a <b> & c | d *e* [f] `g` _h_ global_order\\") == (
        r"a &lt;b&gt; &amp; c \| d \*e\* \[f\] \`g\` \_h\_ global_order\\")
    assert md_text("two\nlines") == "two lines"


# -- Markdown ---------------------------------------------------------------------------------

def test_markdown_has_the_same_content():
    """Headline, profile table, findings, incentives, three SVG pictures as data URIs, the
    reasoning in <details>, the firing list and the evidence."""
    text = us_india("markdown")
    v = shipped().assess("us-india")
    assert text.startswith("# United States–India in 2023\n")
    assert ("**Degree 4 of 7: moderate alignment, reaching stage 4 (regular joint military "
            "exercises) at high depth.**") in text
    assert "| Stage | Indicator | Status | Depth | Evidence |" in text
    for ind in INDICATORS:
        assert f"(`{ind.id}`)" in text
    for finding in v.findings:
        assert md_text(finding["text"]) in text
    assert "| Balance of power (BOP) | strong | r = 1.74" in text
    pictures = [ET.fromstring(base64.b64decode(p)) for p in DATA_URI_RE.findall(text)]
    assert [p.get("id") for p in pictures] == ["fig1", "tl", "nbr"]
    assert "<summary>Why degree 4?</summary>" in text
    assert "- **concluded** degree(stage=4" in text
    assert re.search(r"^      - \*\*rule\*\* `S-degree.count \(step \d+", text, re.M)
    assert f"The {len(v.trace)} rule firings, in order ({len(trace_rows(v))} shown" in text
    assert "| usind-ex-3 | exercises, developing | 2002– |" in text
    # Pictures and links are inline or in-page: nothing for a Markdown viewer to fetch.
    assert not re.search(r"\]\((?!data:image/svg\+xml;base64,)", text)
    assert not re.search(r"\bsrc\s*=", text)


# -- charts -----------------------------------------------------------------------------------

def test_figure1_band_points_paths_and_undetermined_lane():
    """The expected band is shaded; each series is a path and a labelled current point; an
    undetermined value lands in its own lane; labels are escaped."""
    svg = figure1_svg([("A <&> B", [(2000, 1, "weak"), (2001, 3, "moderate"),
                                    (2002, 3, "moderate"), (2003, 6, "strong")]),
                       ("C", [(2003, 2, "undetermined")])])
    root = ET.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg" and root.get("viewBox")
    band = [r for r in root.iter(f"{{{SVG_NS}}}rect") if r.get("fill") == "#DBEAFE"]
    assert len(band) == 3
    widths = sorted(float(r.get("width")) for r in band)
    assert widths[0] == widths[1] and widths[2] == pytest.approx(widths[0] * 1.5)
    series = [g for g in root.iter(f"{{{SVG_NS}}}g") if g.get("class") == "series"]
    assert [g.get("data-label") for g in series] == ["C", "A <&> B"]  # the case drawn last
    path = series[1].find(f"{{{SVG_NS}}}polyline")
    assert len(path.get("points").split()) == 3  # 2001 and 2002 are one place
    all_text = texts(root)
    assert "A <&> B 2003" in all_text and "C 2003" in all_text
    assert "2001–2002" in all_text and "undetermined" in all_text
    assert "A &lt;&amp;&gt; B" in svg
    lane = next(r for r in root.iter(f"{{{SVG_NS}}}rect") if r.get("fill") == "#F9FAFB")
    c_point = [c for c in series[0].iter(f"{{{SVG_NS}}}circle")][-1]
    assert float(lane.get("y")) < float(c_point.get("cy")) < float(lane.get("y")) + float(
        lane.get("height"))


def test_neighbourhood_shows_parties_neighbours_and_styled_edges():
    """Only the parties and their direct neighbours, one edge per pair and kind, a legend of
    the kinds drawn, and the same picture on every run."""
    g = nx.MultiDiGraph(year=2020)
    for sid, name in [("AAA", "Aland"), ("BBB", "B <b>"), ("CCC", "Cland"), ("DDD", "Dland"),
                      ("EEE", "Far")]:
        g.add_node(sid, name=name)
    g.add_edge("AAA", "BBB", kind="alliance", name="treaty")
    g.add_edge("BBB", "AAA", kind="alliance", name="treaty")
    g.add_edge("AAA", "CCC", kind="threat", category="territorial", level="immediate")
    g.add_edge("BBB", "DDD", kind="rivalry")
    g.add_edge("DDD", "BBB", kind="rivalry")
    g.add_edge("AAA", "BBB", kind="alignment", degree=4, case="a-b")
    g.add_edge("CCC", "EEE", kind="rivalry")  # two steps away: not shown
    svg = neighbourhood_svg(g, ["AAA", "BBB"])
    assert svg == neighbourhood_svg(g, ["AAA", "BBB"])
    root = ET.fromstring(svg)
    nodes = [n.get("data-id") for n in root.iter(f"{{{SVG_NS}}}g") if n.get("class") == "node"]
    assert sorted(nodes) == ["AAA", "BBB", "CCC", "DDD"]
    kinds = sorted(p.get("data-kind") for p in root.iter(f"{{{SVG_NS}}}path")
                   if p.get("data-kind"))
    assert kinds == ["alignment", "alliance", "rivalry", "threat"]
    threat = next(p for p in root.iter(f"{{{SVG_NS}}}path") if p.get("data-kind") == "threat")
    assert threat.get("marker-end") == "url(#nbr-arrow)" and threat.get("marker-start") is None
    legend = texts(root)
    assert {"formal alliance", "assessed alignment (degree)", "strategic rivalry",
            "threat perception (perceiver to threat)"} <= set(legend)
    assert "military engagement (any indicator)" not in legend
    assert "degree 4" in legend and "B <b>" in legend and "B &lt;b&gt;" in svg


def test_timeline_svg():
    """The degree as steps, a fall marked, each year a point with its tooltip."""
    rows = [{"year": 2000, "degree": 2, "ceiling": 4, "marks": ""},
            {"year": 2001, "degree": 4, "ceiling": 4, "marks": "degree rose 2->4"},
            {"year": 2002, "degree": 1, "ceiling": 4, "marks": "degree fell 4->1"}]
    root = ET.fromstring(timeline_svg(rows, title="T <1>"))
    circles = list(root.iter(f"{{{SVG_NS}}}circle"))
    assert len(circles) == 3
    assert circles[2].get("fill") == "#B91C1C"
    assert "".join(circles[1].itertext()) == "2001: degree 4, ceiling 4 (degree rose 2->4)"
    assert "T <1>" in texts(root)
    assert ET.fromstring(timeline_svg([])).tag == f"{{{SVG_NS}}}svg"


def test_verdict_renders_itself_in_jupyter():
    """`_repr_html_` is a compact card: headline, profile and incentive tables, findings, and
    the reasoning collapsed; styles scoped to the card; no <pre> text."""
    v = shipped().assess("us-india", 2023)
    page = v._repr_html_()
    assert page.startswith('<div class="smaf-verdict">') and "<pre" not in page
    assert "Degree 4 of 7: moderate alignment" in page
    assert "<h3>United States–India in 2023</h3>" in page
    assert page.count('<table class="') == 2  # profile, incentives
    assert page.count("<tr class=\"status-") == 7
    assert '<span class="badge k-categorical-mismatch">categorical mismatch</span>' in page
    assert '<details class="derivation"><summary>Reasoning: ' in page
    assert "P-bot.lacks" not in page
    css = page[page.index("<style>") + 7:page.index("</style>")]
    # Every rule of the style sheet is scoped to the card: a notebook keeps its own look.
    assert all(line.startswith(".smaf-verdict") for line in css.splitlines() if line.strip())


def test_to_frame_without_pandas_says_what_to_install(monkeypatch):
    """Without pandas, to_frame raises a SmafError naming the package."""
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(smaf_expert.SmafError, match="pip install pandas"):
        shipped().assess("us-india", 2023).to_frame()


def test_to_frame_gives_the_profile():
    """With pandas, one row per indicator, indexed by indicator id."""
    pytest.importorskip("pandas")
    frame = shipped().assess("us-india", 2023).to_frame()
    assert list(frame.index) == [ind.id for ind in INDICATORS]
    assert frame.loc["mtc", "status"] == "excluded" and frame.loc["mtc", "excluded_by"] == "RUS"
    assert frame.loc["exercises", "depth"] == "high"


def test_text_leads_with_verdict_and_never_repeats_a_reasoning_line():
    """Over every shipped case: findings come before the profile and the reasoning; no
    reasoning line repeats word for word; `lacks` bookkeeping is only in --trace full."""
    a = shipped()
    for case_id in a.kb.alignments:
        v = a.assess(case_id)
        text = render_verdict(v)
        assert text.index("\nFindings\n") < text.index("\nProfile\n") < text.index(
            "\nReasoning (")
        reasoning = text[text.index("\nReasoning ("):].splitlines()[1:]
        lines = [re.sub(r"^\s*\d+\. ", "", line) for line in reasoning]
        assert len(lines) == len(set(lines)), case_id
        assert not any(line.startswith("P-bot.lacks") for line in lines), case_id
        full = render_verdict(v, trace="full")
        steps = re.findall(r"^\s*\d+\. ", full[full.index("\nReasoning ("):], re.M)
        assert len(steps) == len(v.trace)
        assert len(v.as_dict()["trace"]) == len(v.trace)


def test_identical_firings_shown_once_with_count():
    """china-russia: W-offense fires twice with one explanation; shown once, `(x2)`."""
    v = shipped().assess("china-russia", 2019)
    rows = [r for r in trace_rows(v) if r["rule"] == "W-offense"]
    assert len(rows) == 1 and rows[0]["count"] == 2
    assert sum(f.rule == "W-offense" for f in v.trace) == 2
