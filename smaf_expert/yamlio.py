"""The one safe YAML reader of knowledge files and rule packs (DOMAIN.md section 7).

Both are untrusted input, so a file is read in one pass with limits: the YAML is composed once
(libyaml when available), and the data and the line of every value are built from the same
nodes. Refused, each with its file and line: files over MAX_BYTES, nesting deeper than
MAX_DEPTH, more than MAX_NODES values once aliases are expanded (an alias bomb), keys that are
not plain scalars (`? [a, b]`), duplicate keys, tags other than YAML's standard ones, and
numbers no computation can use (NaN, infinities, integers beyond a float, subnormal floats).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import yaml

from smaf_expert.errors import Problem

#: A path inside a document: keys and list indexes from the root.
DocPath = tuple[Any, ...]

#: Limits on one file. The shipped files are far below each (the largest is about 25 KB,
#: 8 levels deep, 1,100 values); they exist to stop hostile files, not to constrain real ones.
MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000

# libyaml's parser and composer run in C; the pure-Python ones are the fallback.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR = "tag:yaml.org,2002:str"


class Document:
    """A parsed YAML file: its data and the line (1-based) where each value starts."""

    def __init__(self, path: Path, data: Any, lines: dict[DocPath, int]) -> None:
        self.path = path
        self.data = data
        self._lines = lines

    def line(self, where: DocPath = ()) -> int | None:
        """Line of the value at `where`, or of its nearest ancestor that has one."""
        where = tuple(where)
        while where:
            if where in self._lines:
                return self._lines[where]
            where = where[:-1]
        return self._lines.get((), 1)

    def problem(self, where: DocPath, message: str) -> Problem:
        """A problem located at the value at `where`."""
        return Problem(str(self.path), self.line(where), message)


class _Refused(Exception):
    """A limit or rule of this reader was broken at a node."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1
        self.message = message


def number_problem(value: Any) -> str | None:
    """Why a number read from a file cannot be computed with, or None when it can."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > sys.float_info.max:
            return f"the number {str(value)[:20]}... is too large to compute with"
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        if value != 0 and abs(value) < sys.float_info.min:
            return f"{value!r} is too close to zero to compute with"
    return None


class _Builder:
    """Builds plain data and the line index from composed nodes, counting every value."""

    def __init__(self, scalars: Any) -> None:
        self.scalars = scalars
        self.lines: dict[DocPath, int] = {}
        self.count = 0

    def build(self, node: yaml.Node, where: DocPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(node, f"more than {MAX_NODES} values (aliases expanded): "
                                 "the file is too large or expands an alias without end")
        if len(where) > MAX_DEPTH:
            raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep")
        self.lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, where)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise _Refused(node, f"unsupported tag {node.tag!r} on a list")
            return [self.build(item, where + (i,)) for i, item in enumerate(node.value)]
        if node.tag == _STR:
            return node.value  # what the str constructor gives: most values, so made direct
        try:
            value = self.scalars.construct_object(node)
        except (ValueError, OverflowError) as err:
            # A scalar its tag cannot convert, e.g. the date 2004-13-45.
            raise _Refused(node, f"cannot read the value {node.value!r}: {err}") from err
        trouble = number_problem(value)
        if trouble:
            raise _Refused(node, trouble)
        return value

    def _mapping(self, node: yaml.MappingNode, where: DocPath) -> dict:
        if node.tag != _MAP:
            raise _Refused(node, f"unsupported tag {node.tag!r} on a mapping")
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(key_node, "a key must be a plain value (a name, number or date), "
                                         "not a list or mapping")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(key_node, "merge keys (<<) are not supported: write the fields out")
            key = (key_node.value if key_node.tag == _STR
                   else self.scalars.construct_object(key_node))
            if key in out:
                raise _Refused(key_node, f"not valid YAML: duplicate key {key!r}")
            out[key] = self.build(value_node, where + (key,))
            # A value's problems are reported at its key, where a reader looks first.
            self.lines[where + (key,)] = key_node.start_mark.line + 1
        return out


def parse_yaml(text: str, path: Path) -> tuple[Document | None, Problem | None]:
    """Parse YAML text read from `path` (see read_yaml)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(loader)
        data = builder.build(node, ()) if node is not None else None
    except _Refused as err:
        return None, Problem(str(path), err.line, err.message)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        what = err.problem or str(err)
        return None, Problem(str(path), line, f"not valid YAML: {what}")
    except yaml.YAMLError as err:
        return None, Problem(str(path), None, f"not valid YAML: {err}")
    except RecursionError:
        # Only the pure-Python composer recurses; libyaml stops at 1,000 levels itself.
        return None, Problem(str(path), None, f"nested more than {MAX_DEPTH} levels deep")
    finally:
        loader.dispose()
    return Document(path, data, builder.lines if node is not None else {}), None


def read_yaml(path: Path) -> tuple[Document | None, Problem | None]:
    """Read one YAML file safely; give a Document, or a Problem naming the file and line."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as err:
        return None, Problem(str(path), None, f"cannot read the file: {err.strerror or err}")
    if len(raw) > MAX_BYTES:
        return None, Problem(str(path), None, f"the file is larger than {MAX_BYTES // 2**20} MiB, "
                                              "the limit for a knowledge file or rule pack")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, Problem(str(path), None, f"cannot read the file: not UTF-8 text ({err})")
    return parse_yaml(text, path)
