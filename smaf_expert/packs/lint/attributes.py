"""Checks of conditions on `attribute` facts against the packs' `knowledge:` declarations.

An `attribute` fact exists only where a knowledge file carries a field some pack declares
(DOMAIN.md section 8), so a condition naming a pack or field nobody declares never matches.
"""

from __future__ import annotations

from typing import Any

from smaf_expert.packs.format import Declaration
from smaf_expert.packs.lint.common import _is_literal, _is_value, _listing, _suggest
from smaf_expert.packs.lint.sources import _Source
from smaf_expert.packs.vocabulary import json_type
from smaf_expert.yamlio import DocPath

#: The JSON type of a value of each declared attribute type.
_JSON_OF = {"boolean": "boolean", "integer": "integer", "number": "number",
            "string": "string", "strings": "array"}


def _literal(cond: dict, fname: str) -> Any:
    """The literal a field is tested equal to (plain value or `{eq: ...}`), else None."""
    spec = cond.get(fname)
    if isinstance(spec, dict) and set(spec) == {"eq"}:
        spec = spec["eq"]
    return spec if spec is not None and _is_value(spec) and _is_literal(spec) else None


class AttributeChecks:
    """A condition on `attribute` names a pack and field some loaded pack declares, with a
    value of the declared type."""

    def _declarations(self) -> dict[str, tuple[Declaration, ...]]:
        return {s.pack.name: s.pack.knowledge for s in self.sources}  # type: ignore[attr-defined]

    def _check_attribute(self, src: _Source, rid: str, where: DocPath, cond: dict,
                         effect: str) -> None:
        pack, fname = _literal(cond, "pack"), _literal(cond, "field")
        entity = _literal(cond, "entity")
        declared = self._declarations()

        def never(at: str, message: str) -> None:
            self.add(src.problem(where + (at,), f"rule {rid}: {message}",  # type: ignore
                                 "never-holds", subject=rid))

        if pack is None:
            return
        if pack not in declared or not declared[pack]:
            knowing = [name for name, decls in declared.items() if decls]
            never("pack", f"no loaded pack named {pack!r} declares attributes under "
                          f"`knowledge:`{_suggest(pack, knowing)}, {effect}; packs that do: "
                          f"{_listing(knowing) if knowing else 'none'}")
            return
        decls = [d for d in declared[pack] if entity is None or d.entity == entity]
        if fname is None:
            return
        match = next((d for d in decls if d.field == fname), None)
        if match is None:
            names = sorted({d.field for d in decls})
            kind = f"{entity} " if entity else ""
            never("field", f"pack {pack!r} declares no {kind}attribute {fname!r}"
                           f"{_suggest(fname, names)}, {effect}; it declares: "
                           f"{_listing(names) if names else 'none'}")
            return
        value = _literal(cond, "value")
        if value is None:
            return
        if json_type(value) != _JSON_OF[match.type] and not (
                match.type == "number" and json_type(value) == "integer"):
            never("value", f"attribute {fname!r} of pack {pack!r} is declared as "
                           f"{match.type}, but is tested against {value!r}, {effect}")
        elif match.values and value not in match.values:
            never("value", f"attribute {fname!r} of pack {pack!r} takes the values "
                           f"{_listing(map(repr, match.values))}, never {value!r}, {effect}")
