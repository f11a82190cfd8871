"""Checks of the Jinja2 texts of rules, and the parameters they name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import jinja2
from jinja2 import meta, nodes

from smaf_expert.packs.lint.common import (
    _list,
    _listing,
    _mapping,
    _suggest,
)
from smaf_expert.packs.lint.sources import _RuleSource, _Source
from smaf_expert.packs.templating import METHODS, text_environment
from smaf_expert.packs.vocabulary import (
    TEMPLATE_NAMES,
)
from smaf_expert.yamlio import DocPath


def _templates(rs: _RuleSource) -> Iterator[tuple[DocPath, str, str]]:
    """(where, label, text) of every Jinja2 text of a rule, as the engine renders them: the
    explanation and finding texts always, other conclusion values when they contain `{{`."""
    base = ("rules", rs.index)
    if isinstance(rs.raw.get("explain"), str):
        yield base + ("explain",), "`explain`", rs.raw["explain"]
    for j, item in enumerate(_list(rs.raw.get("then"))):
        if not isinstance(item, dict):
            continue
        for form in ("assert", "finding"):
            for key, value in _mapping(item.get(form)).items():
                if form == "finding" and key == "items":
                    # [[key, value], ...]: each a text rendered with the matched facts.
                    for k, pair in enumerate(_list(value)):
                        for m, part in enumerate(_list(pair)):
                            if isinstance(part, str) and "{{" in part:
                                yield (base + ("then", j, form, key, k, m),
                                       f"`{form}.{key}`", part)
                if not isinstance(value, str):
                    continue
                if (form == "finding" and key == "text") or "{{" in value:
                    yield base + ("then", j, form, key), f"`{form}.{key}`", value


def _parse(text: str) -> nodes.Template:
    env = text_environment()
    ast = env.parse(text)
    # Compiling is what finds an unknown filter or test; parsing alone does not.
    env.compile(ast)
    return ast


def _walk(node: nodes.Node, parent: nodes.Node | None = None
          ) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    yield node, parent
    for child in node.iter_child_nodes():
        yield from _walk(child, node)


def _attribute_uses(ast: nodes.Template, names: Iterable[str]
                    ) -> Iterator[tuple[str, str]]:
    """(name, field) for every `name.field` or `name['field']` of the given names; a method
    call such as `name.get(...)` is not a field."""
    names = set(names)
    for node, parent in _walk(ast):
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        if not (isinstance(node.node, nodes.Name) and node.node.name in names):
            continue
        if isinstance(node, nodes.Getattr):
            if isinstance(parent, nodes.Call) and parent.node is node:
                if node.node.name == "params" and node.attr == "get" and parent.args:
                    arg = parent.args[0]
                    if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                        yield "params", arg.value
                continue
            yield node.node.name, node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node.node.name, node.arg.value


def _unsafe_uses(ast: nodes.Template) -> Iterator[str]:
    """What a pack text does beyond the format (DOMAIN.md section 7): reach a `_` attribute,
    call anything but a documented method, or include other templates. The sandbox refuses
    these when the text renders; lint says so before it runs."""
    for node, _parent in _walk(ast):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            yield f"reaches the attribute {node.attr!r}"
        elif isinstance(node, nodes.Getitem | nodes.Filter | nodes.Keyword) and any(
                isinstance(c, nodes.Const) and isinstance(c.value, str) and c.value.startswith("_")
                for c in node.iter_child_nodes()):
            yield "names an attribute that starts with '_'"
        elif isinstance(node, nodes.Call) and not (
                isinstance(node.node, nodes.Getattr) and node.node.attr in METHODS):
            what = node.node.attr if isinstance(node.node, nodes.Getattr) else (
                node.node.name if isinstance(node.node, nodes.Name) else "an expression")
            yield f"calls {what!r}"
        elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            yield "includes or imports another template"


_PARAM_TEXT = re.compile(r"""params\s*\[\s*['"]([^'"]+)['"]\s*\]""")


def _template_params(text: str) -> set[str]:
    try:
        ast = _parse(text)
    except jinja2.TemplateError:
        # The syntax error is reported on its own; still count the uses one can see.
        return set(_PARAM_TEXT.findall(text))
    return {f for name, f in _attribute_uses(ast, {"params"}) if name == "params"}




class TemplateChecks:
    """Texts must parse and name only matched facts and their fields."""


    def _check_template(self, src: _Source, rid: str, where: DocPath, label: str, text: str,
                        names: dict[str, str]) -> None:
        try:
            ast = _parse(text)
        except jinja2.TemplateSyntaxError as err:
            self.add(src.problem(where, f"rule {rid}: the {label} text is not valid Jinja2 "
                                 f"({err.message}, line {err.lineno} of the text): fix the "
                                 "template", "template-syntax", subject=rid))
            return
        for what in sorted(set(_unsafe_uses(ast))):
            self.add(src.problem(where, f"rule {rid}: the {label} text {what}, which a pack text "
                                 "may not do: texts may use the matched facts, `params`, the "
                                 "documented filters and the mapping methods .get, .items, "
                                 ".keys and .values", "template-unsafe", subject=rid))
        env = text_environment()
        allowed = set(names) | TEMPLATE_NAMES.get(src.pack.scope, frozenset()) | set(env.globals)
        for name in sorted(meta.find_undeclared_variables(ast) - allowed):
            self.add(src.problem(where, f"rule {rid}: the {label} text names {name!r}, which is "
                                 f"not a fact matched under `when`{_suggest(name, names)}: "
                                 "rendering would stop with an undefined-name error; use one of "
                                 f"{_listing(names)}", "template-name", subject=rid))
        vocab = self.vocab[src.pack.scope]
        seen: set[tuple[str, str]] = set()
        for name, fname in _attribute_uses(ast, names):
            # A fact of an unknown type is reported once, at its condition.
            fields = vocab.get(names[name])
            if fields is None or fname in fields or (name, fname) in seen:
                continue
            seen.add((name, fname))
            self.add(src.problem(where, f"rule {rid}: the {label} text uses "
                                 f"'{name}.{fname}', but {names[name]!r} facts have no field "
                                 f"{fname!r}{_suggest(fname, fields)}: rendering would stop "
                                 f"with an undefined-name error; their fields: "
                                 f"{_listing(fields)}", "template-name", subject=rid))

