"""Pack texts rendered without Jinja2 are the texts Jinja2 gives (packs/templating.py)."""

from __future__ import annotations

import pytest

from smaf_expert.packs import templating
from smaf_expert.reasoning.assess import Assessor

CASES = ["china-russia", "us-india", "us-philippines", "us-japan"]


def _jinja(template: str, context: dict) -> str:
    return " ".join(templating.compiled(template).render(context).split())


@pytest.fixture(scope="module")
def firings():
    assessor = Assessor()
    out = []
    for case in CASES:
        if case not in assessor.kb.alignments:
            continue
        for year in (1995, 2005, 2015, 2020):
            try:
                verdict = assessor.assess(case, year)
            except Exception:  # noqa: BLE001 - a year a party did not exist
                continue
            out += verdict.trace
    assert out
    return out


def test_every_explanation_is_jinja2s(firings):
    """Each firing's explanation, rendered the plain way where it can be, equals Jinja2's."""
    plain = 0
    for firing in firings:
        expected = _jinja(firing.template, firing.context) if "{" in firing.template \
            else firing.template
        assert templating.render_text(firing.template, firing.context) == expected
        plain += templating._plain_parts(firing.template) is not None
    assert plain > len(firings) / 2


@pytest.mark.parametrize("template, context, expected", [
    ("{{ a.items }}", {"a": {"items": 1}}, None),
    ("{{ a.b|state }}", {"a": {"b": "USA"}, "state_names": {"USA": "United States"}},
     "United States (USA)"),
    ("{{ a.b|capitalize }} x", {"a": {"b": "stage 3"}}, "Stage 3 x"),
    ("{{ a.b }}", {"a": {"b": None}}, "None"),
    ("{{ a.b }}", {"a": {"b": 1.5}}, "1.5"),
    ("{{ true }}", {}, "True"),
    ("{{- a }}", {"a": "x"}, "x"),
    ("{{ a|and_list }}", {"a": ["x", "y", "z"]}, "x, y and z"),
    ("{{ a.b|join(', ') }}", {"a": {"b": ["x", 1, None]}}, "x, 1, None"),
    ("{{ params['x.y'] }}", {"params": {"x.y": 0.25}}, "0.25"),
    ("{{ params['get'] }}", {"params": {"get": 2}}, "2"),
    ("{{ a.b|join }}", {"a": {"b": ["x", "y"]}}, "xy"),
    ('{{ a.b|join(", ") }}', {"a": {"b": ["x", "y"]}}, "x, y"),
])
def test_plain_and_jinja_agree(template, context, expected):
    """Corner cases: a dict method name, None, floats, constants, whitespace control."""
    want = _jinja(template, context)
    if expected is not None:
        assert want == expected
    assert templating.render_text(template, context) == want


def test_missing_name_is_still_jinja2s_error():
    """An undefined name is left to Jinja2, which raises as before."""
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        templating.render_text("{{ nothing.here }}", {})
    with pytest.raises(jinja2.UndefinedError):
        templating.render_text("{{ params['nope'] }}", {"params": {}})
