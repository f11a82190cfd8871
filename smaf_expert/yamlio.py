"""Safe YAML reading that remembers the line of every value, for file:line messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from smaf_expert.errors import Problem

#: A path inside a document: keys and list indexes from the root.
DocPath = tuple[Any, ...]


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


def _index_lines(
    node: yaml.Node, where: DocPath, lines: dict[DocPath, int], keys: yaml.SafeLoader
) -> None:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = keys.construct_object(key_node, deep=True)
            _index_lines(value_node, where + (key,), lines, keys)
            # A value's problems are reported at its key, where a reader looks first.
            lines[where + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, where + (i,), lines, keys)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which plain YAML silently overwrites."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> tuple[Document | None, Problem | None]:
    """Read one YAML file safely; give a Document, or a Problem naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, Problem(str(path), None, f"cannot read the file: {err}")
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        what = err.problem or str(err)
        return None, Problem(str(path), line, f"not valid YAML: {what}")
    except yaml.YAMLError as err:
        return None, Problem(str(path), None, f"not valid YAML: {err}")
    lines: dict[DocPath, int] = {}
    if node is not None:
        _index_lines(node, (), lines, yaml.SafeLoader(""))
    return Document(path, data, lines), None
