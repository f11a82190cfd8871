"""An optional cache of the validated knowledge base, as JSON (issue 16).

Off unless asked for (`SMAF_KB_CACHE=DIR`, or `cache_dir=` here). The key is a SHA-256 over the
content of every file under the knowledge folder (with its relative path), the package version,
and the source of the loader and its schemas: after any change to any of them the key differs
and the old entry is never read. Entries are JSON that only ever builds the loader's own
dataclasses (never pickle: loading an entry cannot run code). An entry is written only when it
reads back equal to what the loader built; an unreadable entry is ignored and rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from smaf_expert._version import __version__
from smaf_expert.knowledge import loader

#: The only classes an entry may build.
_CLASSES = {c.__name__: c for c in (loader.KnowledgeBase, loader.State, loader.Relation,
                                    loader.Alignment, loader.Evidence, loader.Dated,
                                    loader.QuasiTriad)}
_FORMAT = 1


class _NotCacheable(Exception):
    """A value JSON cannot carry exactly (a date, a set...): the cache is skipped."""


def cache_key(root: Path) -> str:
    """SHA-256 over every file under `root`, the version, and the loader's own source."""
    digest = hashlib.sha256(f"smaf-kb-cache {_FORMAT} {__version__}\n".encode())
    here = Path(loader.__file__).resolve()
    own = [here, *sorted((here.parent / "schemas").glob("*.json"))]
    for path in own:
        digest.update(f"code {path.name}\n".encode() + path.read_bytes())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"file {path.relative_to(root).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        return {"__dc__": type(value).__name__,
                **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and "__dc__" not in value \
                and "__tuple__" not in value and "__pairs__" not in value:
            return {k: _encode(v) for k, v in value.items()}
        return {"__pairs__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise _NotCacheable(type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__dc__" in value:
        cls = _CLASSES[value["__dc__"]]  # a KeyError for anything else: the entry is ignored
        return cls(**{k: _decode(v) for k, v in value.items() if k != "__dc__"})
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__pairs__" in value:
        return {_freeze(_decode(k)): _decode(v) for k, v in value["__pairs__"]}
    return {k: _decode(v) for k, v in value.items()}


def _freeze(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def cache_folder() -> Path | None:
    """The folder named by SMAF_KB_CACHE, or None (the cache is off)."""
    folder = os.environ.get("SMAF_KB_CACHE")
    return Path(folder) if folder else None


def load_knowledge_cached(root: str | Path, cache_dir: str | Path | None = None
                          ) -> loader.KnowledgeBase:
    """`load_knowledge(root)`, read from the cache when an entry for exactly these files exists
    (cache_dir, else SMAF_KB_CACHE; neither: no cache)."""
    folder = Path(cache_dir) if cache_dir is not None else cache_folder()
    root = Path(root)
    if folder is None or not root.is_dir():
        return loader.load_knowledge(root)
    entry = folder / f"kb-{cache_key(root)}.json"
    if entry.is_file():
        try:
            kb = _decode(json.loads(entry.read_text(encoding="utf-8")))
            if isinstance(kb, loader.KnowledgeBase) and kb.root == str(root):
                return kb
        except (ValueError, KeyError, TypeError):
            pass  # a damaged or foreign entry: rebuilt below
    kb = loader.load_knowledge(root)  # raises on any problem: nothing invalid is cached
    try:
        text = json.dumps(_encode(kb), ensure_ascii=False)
    except _NotCacheable:
        return kb
    if _decode(json.loads(text)) == kb:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, entry)
    return kb
