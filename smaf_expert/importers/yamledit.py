"""Editing hand-written YAML by text splicing, so an import leaves every other line as it was.

PyYAML drops comments when it writes. Instead of re-dumping a file, we locate entries by the
line marks of PyYAML's composer and replace or insert only the lines of imported entries:
hand-written entries, comments and blank lines stay byte for byte. Rendering is deterministic,
so re-importing the same file rewrites the same lines (a second run changes nothing).

Limits (documented in docs/panel-and-importers.md): the edited containers must be in block style (a
flow-style `evidence: [...]` or a one-line file falls back to a full re-dump, which loses that
file's comments; the importer says so).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

#: Wide enough that a long source or claim stays on one line (a wrapped string is hard to edit).
WIDTH = 1000


class _BlockTop(yaml.SafeDumper):
    """Block style for the top mapping (and the item of a one-item list), flow style below
    it for collections of scalars: the house style of the knowledge files."""

    def serialize(self, node: yaml.Node) -> None:
        node.flow_style = False
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                if isinstance(child, yaml.MappingNode):
                    child.flow_style = False
        super().serialize(node)


def render(value: Any, indent: int = 0, item: bool = False) -> list[str]:
    """`value` as block YAML lines (collections of scalars in flow style), indented; with
    `item`, as one item of a block sequence."""
    text = yaml.dump([value] if item else value, Dumper=_BlockTop, sort_keys=False,
                     allow_unicode=True, default_flow_style=None, width=WIDTH)
    return [" " * indent + line for line in text.rstrip("\n").split("\n")]


def _lines(text: str) -> list[str]:
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def _join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def _trim(lines: list[str], start: int, end: int, indent: int) -> int:
    """End of an entry: drop trailing blank lines and comments at or left of `indent`, which
    belong to what follows."""
    while end > start + 1:
        line = lines[end - 1]
        stripped = line.strip()
        if stripped and not (stripped.startswith("#") and len(line) - len(line.lstrip()) <= indent):
            break
        end -= 1
    return end


def _spans(lines: list[str], starts: list[int], stop: int, indent: int) -> list[tuple[int, int]]:
    bounds = [*starts[1:], stop]
    return [(s, _trim(lines, s, e, indent)) for s, e in zip(starts, bounds, strict=True)]


def _stop(node: yaml.Node, lines: list[str]) -> int:
    # A block collection ends where the next token starts (column 0 of a following line).
    mark = node.end_mark
    return min(mark.line + (1 if mark.column else 0), len(lines))


class Edit:
    """Pending edits of one YAML file's text."""

    def __init__(self, text: str) -> None:
        self.text = text if text.strip() else ""
        self.lossy = False  # True when the file had to be re-dumped whole

    def data(self) -> Any:
        """The file's data as it stands."""
        return yaml.safe_load(self.text) if self.text else None

    def set_top_level(self, key: str, value: Any) -> None:
        """Set a top-level key of a mapping document: its lines are replaced (or appended)."""
        lines = _lines(self.text)
        root = yaml.compose(self.text) if self.text else None
        if root is None:
            self.text = _join(render({key: value}))
            return
        if not isinstance(root, yaml.MappingNode) or root.flow_style:
            self._redump(lambda data: data.__setitem__(key, value))
            return
        keys = [k.value for k, _ in root.value]
        starts = [k.start_mark.line for k, _ in root.value]
        new = render({key: value})
        if key in keys:
            i = keys.index(key)
            start, end = _spans(lines, starts, _stop(root, lines), 0)[i]
            lines[start:end] = new
        else:
            end = _spans(lines, starts, _stop(root, lines), 0)[-1][1] if starts else len(lines)
            lines[end:end] = new
        self.text = _join(lines)

    def upsert_items(self, path: tuple[str, ...], entries: list[dict[str, Any]],
                     key: Callable[[dict[str, Any]], Any]) -> None:
        """Replace the items of the sequence at `path` ((): the document) whose `key` matches an
        entry's, in place; append the other entries after the last item."""
        root = yaml.compose(self.text) if self.text else None
        node, data = root, self.data()
        for part in path:
            if not isinstance(node, yaml.MappingNode):
                node = None
                break
            node = next((v for k, v in node.value if k.value == part), None)
            data = data.get(part) if isinstance(data, dict) else None
        if node is None and not path:
            self.text = self.text + _join([line for e in entries for line in render(e, item=True)])
            return
        if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
            self._redump_items(path, entries, key)
            return
        lines = _lines(self.text)
        indent = min(item.start_mark.column for item in node.value) - 2
        starts = [self._dash_line(lines, item) for item in node.value]
        spans = _spans(lines, starts, _stop(node, lines) if path else len(lines), indent)
        wanted = {key(e): e for e in entries}
        placed = set()
        edits: list[tuple[int, int, list[str]]] = []
        for (start, end), item in zip(spans, data, strict=True):
            k = key(item) if isinstance(item, dict) else None
            if k is not None and k in wanted:
                edits.append((start, end, render(wanted[k], indent, item=True)))
                placed.add(k)
        tail = spans[-1][1]
        extra = [line for e in entries if key(e) not in placed
                 for line in render(e, indent, item=True)]
        if extra:
            edits.append((tail, tail, extra))
        for start, end, new in sorted(edits, key=lambda e: e[0], reverse=True):
            lines[start:end] = new
        self.text = _join(lines)

    @staticmethod
    def _dash_line(lines: list[str], item: yaml.Node) -> int:
        # The item's `-` is on its first line, or alone on the line above (`-\n  key: ...`).
        line = item.start_mark.line
        return line if lines[line].lstrip().startswith("-") or line == 0 else line - 1

    def _redump(self, change: Callable[[Any], None]) -> None:
        self.lossy = "#" in self.text
        data = self.data()
        change(data)
        self.text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=WIDTH)

    def _redump_items(self, path: tuple[str, ...], entries: list[dict[str, Any]],
                      key: Callable[[dict[str, Any]], Any]) -> None:
        self.lossy = "#" in self.text
        data = self.data()
        if data is None:
            data = [] if not path else {}
        holder, container = None, data
        for part in path:
            holder = container
            container = container.get(part) if isinstance(container, dict) else None
        items = list(container or [])
        index = {key(i): n for n, i in enumerate(items) if isinstance(i, dict)}
        for e in entries:
            if key(e) in index:
                items[index[key(e)]] = e
            else:
                items.append(e)
        if holder is None:
            data = items
        else:
            holder[path[-1]] = items
        self.text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=WIDTH,
                                   default_flow_style=None)
