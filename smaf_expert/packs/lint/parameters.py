"""Checks of parameters: declared where used, used where declared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from smaf_expert.packs.format import (
    VALUE_FORMS,
)
from smaf_expert.packs.lint.common import (
    WARNING,
    _mapping,
    _suggest,
)
from smaf_expert.packs.lint.sources import _Source
from smaf_expert.packs.lint.templates import _template_params, _templates
from smaf_expert.yamlio import DocPath


def _param_refs(value: Any, where: DocPath) -> Iterator[tuple[str, DocPath]]:
    """Every `{param: NAME}` inside a value, located where the loader locates it (the
    enclosing field or operator, not the `param` key)."""
    if isinstance(value, dict):
        if "param" in value:
            yield str(value["param"]), where
            return
        for key, sub in value.items():
            inner = where if key in VALUE_FORMS else where + (key,)
            yield from _param_refs(sub, inner)
    elif isinstance(value, list):
        for k, sub in enumerate(value):
            yield from _param_refs(sub, where if isinstance(sub, dict) and (
                VALUE_FORMS & set(sub)) else where + (k,))




class ParameterChecks:
    """Parameters named by rules and `refines` exist; declared ones are used."""


    def _param_uses(self, src: _Source) -> list[tuple[str, DocPath]]:
        uses: list[tuple[str, DocPath]] = []
        for rs in src.rules:
            base = ("rules", rs.index)
            for key in ("when", "unless", "then"):
                uses += _param_refs(rs.raw.get(key), base + (key,))
            for pname in _mapping(rs.raw.get("enabled_when")):
                uses.append((str(pname), base + ("enabled_when",)))
            for where, _, text in _templates(rs):
                uses += [(p, where) for p in sorted(_template_params(text))]
        return uses

    def _check_parameters(self, src: _Source) -> None:
        for name, where in self._param_uses(src):
            if name not in self.params:
                rid = self._rule_at(src, where)
                self.add(src.problem(where, f"rule {rid}: parameter {name!r} is not declared"
                                     f"{_suggest(name, self.params)}: declare it under "
                                     "`parameters` (type, default, doc) in the pack it belongs "
                                     "to, or fix the name", "undeclared-param", subject=name))
        for name in src.pack.parameter_overrides:
            if name not in self.params:
                self.add(src.problem(("refines", name), f"`refines` sets parameter {name!r}, "
                                     f"which no pack declares{_suggest(name, self.params)}: "
                                     "every assessment would stop on it; fix the name",
                                     "undeclared-param", subject=name))
        for name in src.pack.parameters:
            if name not in self.used_params:
                self.add(src.problem(
                    ("parameters", name), f"parameter {name!r} is declared but no rule uses it "
                    f"(as {{param: {name}}}, in `enabled_when` or as params['{name}'] in a "
                    f"text), so --param {name}=... changes nothing: use it or remove it",
                    "unused-param", WARNING, subject=name))

    @staticmethod
    def _rule_at(src: _Source, where: DocPath) -> str:
        index = where[1] if len(where) > 1 and where[0] == "rules" else None
        return next((rs.rule.id for rs in src.rules if rs.index == index), "?")

