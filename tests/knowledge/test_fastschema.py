"""The compiled schema check accepts only what jsonschema accepts (knowledge/fastschema.py)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from smaf_expert.knowledge import loader
from smaf_expert.knowledge.fastschema import compile_schema
from smaf_expert.paths import default_knowledge
from smaf_expert.yamlio import read_yaml

SCHEMAS = ["alignment", "quasi", "relations", "state", "taxonomy"]
FOLDERS = {"alignment": "alignments", "quasi": "quasi", "state": "states"}


def _documents(schema: str) -> list:
    root = Path(default_knowledge())
    if schema in FOLDERS:
        paths = sorted((root / FOLDERS[schema]).glob("*.yaml"))
    else:
        paths = [root / f"{schema}.yaml"]
    return [loader._jsonable(read_yaml(p)[0].data) for p in paths]


def _valid(schema: str, data: object) -> bool:
    return not any(True for _ in loader._validator(schema).iter_errors(data))


# Values a mutation puts in place of another: wrong types, floats for years, empty strings...
SUBSTITUTES = [None, True, False, 0, -1, 1, 2004, 2004.0, 1e308, 0.5, "", "x", "USA", "usa",
               "present", "high", [], ["a", "a"], [1, 1], {}, {"extra": 1}]


def _paths(value: object, where: tuple = ()) -> list[tuple]:
    out = [where]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, where + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, where + (i,))
    return out


def _mutate(data: object, rng: random.Random) -> object:
    data = copy.deepcopy(data)
    where = rng.choice(_paths(data)[1:] or [()])
    if not where:
        return rng.choice(SUBSTITUTES)
    parent = data
    for step in where[:-1]:
        parent = parent[step]
    key = where[-1]
    action = rng.random()
    if action < 0.6:
        parent[key] = copy.deepcopy(rng.choice(SUBSTITUTES))
    elif action < 0.8:
        del parent[key]
    elif isinstance(parent, dict):
        parent[rng.choice(["zzz", "notes", "1999", "99", "id", "sources"])] = copy.deepcopy(
            rng.choice(SUBSTITUTES))
    else:
        parent.append(copy.deepcopy(parent[key]))
    return data


@pytest.mark.parametrize("schema", SCHEMAS)
def test_every_shipped_schema_compiles(schema: str) -> None:
    """The shipped schemas use only keywords the compiler handles (else every load is slow)."""
    assert compile_schema(loader._schema(schema)) is not None


@pytest.mark.parametrize("schema", SCHEMAS)
def test_shipped_documents_pass_both(schema: str) -> None:
    """Every shipped document is valid for jsonschema and for the compiled check."""
    check = loader._fast_check(schema)
    for data in _documents(schema):
        assert _valid(schema, data)
        assert check(data)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_compiled_check_never_accepts_what_jsonschema_refuses(schema: str) -> None:
    """Thousands of mutated documents: the compiled check accepts one only if jsonschema does,
    and it agrees with jsonschema on nearly all of them (else it would save nothing)."""
    check = loader._fast_check(schema)
    rng = random.Random(f"fastschema-{schema}")
    docs = _documents(schema)
    agree = total = 0
    for _ in range(700):
        data = rng.choice(docs)
        for _ in range(rng.choice([1, 1, 2, 3])):
            data = _mutate(data, rng)
        valid, fast = _valid(schema, data), check(data)
        assert not (fast and not valid), data
        agree += fast == valid
        total += 1
    assert agree / total > 0.95


def test_unknown_keyword_is_not_compiled() -> None:
    """A keyword outside the compiler's set leaves the schema to jsonschema."""
    assert compile_schema({"type": "object", "dependentRequired": {"a": ["b"]}}) is None
    assert compile_schema({"$ref": "https://example.org/s.json"}) is None


def test_uncertain_values_are_refused() -> None:
    """Mixed enums and uniqueItems over mixed values are left to jsonschema."""
    assert compile_schema({"enum": [1, "a"]})(1) is False
    assert compile_schema({"uniqueItems": True})([1, True]) is False
    assert compile_schema({"uniqueItems": True})(["a", "b"]) is True
    assert compile_schema({"type": "integer"})(2004.0) is False
    assert compile_schema({"type": "integer"})(True) is False
