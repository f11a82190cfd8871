"""The optional knowledge-base cache (issue 16): the same knowledge base, never a stale one."""

from __future__ import annotations

import json
import shutil

import pytest

from smaf_expert.errors import KnowledgeError
from smaf_expert.knowledge.cache import load_knowledge_cached
from smaf_expert.knowledge.loader import load_knowledge
from smaf_expert.paths import default_knowledge


@pytest.fixture
def kb_copy(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(default_knowledge(), root)
    return root


def test_cached_knowledge_equals_loaded_and_is_read_back(kb_copy, tmp_path):
    cache = tmp_path / "cache"
    first = load_knowledge_cached(kb_copy, cache)
    (entry,) = cache.glob("kb-*.json")
    assert first == load_knowledge(kb_copy)
    json.loads(entry.read_text(encoding="utf-8"))  # plain JSON, no pickle
    second = load_knowledge_cached(kb_copy, cache)
    assert second == first and second is not first
    assert second.states["CHN"].gnp == first.states["CHN"].gnp  # integer years kept


def test_any_change_is_seen_and_an_invalid_change_is_refused(kb_copy, tmp_path):
    cache = tmp_path / "cache"
    load_knowledge_cached(kb_copy, cache)
    case = kb_copy / "alignments" / "china-russia.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace("name:", "nmae:", 1),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match="nmae"):
        load_knowledge_cached(kb_copy, cache)


def test_a_damaged_entry_is_rebuilt(kb_copy, tmp_path):
    cache = tmp_path / "cache"
    load_knowledge_cached(kb_copy, cache)
    (entry,) = cache.glob("kb-*.json")
    entry.write_text('{"__dc__": "os.system"}', encoding="utf-8")
    assert load_knowledge_cached(kb_copy, cache) == load_knowledge(kb_copy)


def test_no_cache_unless_asked(kb_copy, tmp_path, monkeypatch):
    monkeypatch.delenv("SMAF_KB_CACHE", raising=False)
    load_knowledge_cached(kb_copy)
    assert not list(tmp_path.rglob("kb-*.json"))
