"""Property tests (hypothesis): random mutations of valid knowledge files and rule packs never
crash the loaders (a result or our own located error) and never pass with a number no rule can
use (DOMAIN.md section 7). Few examples each, so the file runs in seconds."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import yaml
from conftest import case, ev, make_kb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smaf_expert.errors import AssessmentError, KnowledgeError, RulePackError
from smaf_expert.knowledge.loader import load_knowledge
from smaf_expert.packs.compiler import compile_packs
from smaf_expert.packs.format import load_packs
from smaf_expert.packs.params import resolve_parameters

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

STATE = {"id": "IND", "name": "India", "from": 1947,
         "gnp": {"unit": "bn USD", "source": "s", "values": {1990: 321.0, 2020: 2675}},
         "threats": [{"from": "CHN", "category": "territorial", "level": "growing",
                      "since": 1962, "sources": ["s"]}]}
CASE = case(["USA", "IND"], ev("e-1", "cbm", 2000), ev("e-2", "consultations", 2001,
                                                        until=2010))
PACK = {"pack": "prop", "theory": "t", "citation": "c",
        "parameters": {"prop.min": {"type": "integer", "default": 2, "min": 1, "max": 7,
                                    "doc": "d"},
                       "prop.r": {"type": "number", "default": 1.5, "doc": "d"}},
        "rules": [{"id": "P-1", "statement": "s", "citation": "c", "salience": 1,
                   "when": [{"d": {"type": "indicator", "stage": {"gte": {"param": "prop.min"}},
                                   "depth_rank": {"lt": {"sum": [{"param": "prop.r"}, 1]}}}}],
                   "unless": [{"type": "indicator", "stage": {"gt": {"ref": "d.stage"}}}],
                   "then": [{"finding": {"kind": "k", "text": "{{ d.stage|stage }}"}}],
                   "explain": "{{ d.indicator }}"}]}

#: Values a hostile or careless author might write anywhere.
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans(), st.none(),
    st.text(max_size=8), st.sampled_from([10 ** 400, -(10 ** 400), 1e-320, 2004.0, "{{ x }}"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(),
                                                         max_size=2))


def _paths(data: Any, where: tuple = ()) -> list[tuple]:
    out = [where]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, where + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, where + (i,))
    return out


def _replace(data: Any, where: tuple, value: Any) -> Any:
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(data, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in data.items()}
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(data)]


@st.composite
def mutated(draw: Any, data: Any) -> str:
    """The YAML of `data` with one value replaced, or its text cut or spliced."""
    if draw(st.booleans()):
        where = draw(st.sampled_from(_paths(data)[1:]))
        return yaml.safe_dump(_replace(data, where, draw(VALUES)), sort_keys=False)
    text = yaml.safe_dump(data, sort_keys=False)
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 20)))
    return text[:start] + draw(st.text(max_size=10)) + text[end:]


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(k) and _finite(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


@FAST
@given(state=mutated(STATE), alignment=mutated({"id": "c", **CASE}))
def test_mutated_knowledge_loads_or_is_refused_never_crashes(state, alignment):
    with tempfile.TemporaryDirectory() as tmp:
        kb = make_kb(Path(tmp), files={"states/IND.yaml": state, "alignments/c.yaml": alignment})
        try:
            loaded = load_knowledge(kb)
        except KnowledgeError as err:
            assert all(p.path for p in err.problems)
            return
    ind = loaded.states["IND"]
    assert all(math.isfinite(v) and v > 0 for v in ind.gnp.values())
    for item in loaded.evidence.values():
        for year in (item.since, item.until):
            assert year is None or (type(year) is int and 1800 <= year <= 2100)


@FAST
@given(text=mutated(PACK))
def test_mutated_packs_load_or_are_refused_never_crash(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            packs = load_packs([path])
            params = resolve_parameters(packs)
            compile_packs(packs, params, {"indicator"})
        except (RulePackError, AssessmentError) as err:
            assert err.message
            return
    assert _finite(params)
    assert all(_finite(rule.when) and _finite(rule.then) for p in packs for rule in p.rules)
