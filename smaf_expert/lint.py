"""Lint rule packs: the mistakes durable-rules accepts silently, found before a run.

The engine takes a misspelt fact type, a field compared with a value of another JSON type, a
bad regular expression or a join on a field that does not exist, and the rule then simply never
fires (ENGINE-NOTES.md). `lint_packs` reports those, and what `load_packs` refuses, each with
file:line and what to do. It reads the YAML itself, so a pack that does not load is still
checked as far as its shape allows: one mistake must not hide the others.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
from jinja2 import meta, nodes

from .compiler import stratify
from .errors import Problem, RulePackError
from .rulepack import OPERATORS, VALUE_FORMS, Pack, Parameter, Rule, load_pack, load_packs
from .templating import text_environment
from .vocabulary import (
    BASE_FACTS,
    DOMAINS,
    OUTPUT_TYPES,
    SCOPES,
    TEMPLATE_NAMES,
    json_type,
    normalise_type,
    vocabulary,
)
from .yamlio import DocPath, Document, read_yaml

ERROR = "error"
WARNING = "warning"

#: Every kind of problem the linter reports, with what it means.
KINDS: dict[str, str] = {
    "load": "the pack does not load (what load_packs refuses)",
    "unknown-type": "a fact type (or field type) that no pack or preparation defines",
    "unknown-field": "a field that the fact type does not have",
    "unconsumed": "a derived fact type that no rule matches and no output reads (warning)",
    "never-holds": "a condition (or enabled_when) that can never hold",
    "duplicate-id": "a rule id used twice, within a pack or across packs",
    "missing-text": "a rule without `statement`, `citation` or `explain`",
    "undeclared-param": "a parameter used but declared by no pack",
    "unused-param": "a parameter declared but used by no rule (warning)",
    "template-syntax": "a text that is not valid Jinja2",
    "template-name": "a text naming a fact (or field) the rule does not match",
    "negation-cycle": "rules that negate what they help to produce (no stratification)",
}

#: The JSON type of each parameter type (`integers` and `strings` are lists).
PARAM_JSON = {"boolean": "boolean", "number": "number", "integer": "integer",
              "integers": "array", "string": "string", "strings": "array"}
_PARAM_ITEM = {"integers": "integer", "strings": "string"}

#: More combinations of `enabled_when` values than this are checked for cycles all at once.
_MAX_GATE_COMBINATIONS = 512


@dataclass(frozen=True)
class LintProblem(Problem):
    """A problem found by the linter: where, what to do, its kind (KINDS) and severity."""

    kind: str = "load"
    severity: str = ERROR
    subject: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        tag = "warning: " if self.severity == WARNING else ""
        return f"{where}: {tag}{self.message}"


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that are errors (warnings left out): what should fail `smaf rules lint`."""
    return [p for p in problems if getattr(p, "severity", ERROR) == ERROR]


def _suggest(word: Any, choices: Iterable[Any]) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(items: Iterable[Any], limit: int = 20) -> str:
    items = sorted({str(i) for i in items})
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more or "none"


def _a(json_t: str) -> str:
    return f"an {json_t}" if json_t[0] in "aeiou" else f"a {json_t}"


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _is_value(spec: Any) -> bool:
    """Whether a field test is a plain value (equality) rather than `{OP: VALUE}`; the same
    reading as the loader and the compiler."""
    return not (isinstance(spec, dict) and not (VALUE_FORMS & set(spec)))


def _is_literal(value: Any) -> bool:
    return not (isinstance(value, dict) and VALUE_FORMS & set(value))


def _is_condition(cond: Any) -> bool:
    return isinstance(cond, dict) and isinstance(cond.get("type"), str)


def _is_conclusion(item: Any) -> bool:
    if not isinstance(item, dict) or not ({"assert", "finding"} & set(item)):
        return False
    if "assert" in item and not _is_condition(item["assert"]):
        return False
    return "finding" not in item or isinstance(item["finding"], dict)


# --- Reading packs as far as their shape allows ----------------------------------------------

@dataclass
class _RuleSource:
    index: int
    rule: Rule
    raw: dict


@dataclass
class _Source:
    path: Path
    doc: Document
    pack: Pack
    linted: bool
    rules: list[_RuleSource] = field(default_factory=list)

    def problem(self, where: DocPath, message: str, kind: str, severity: str = ERROR,
                subject: str = "") -> LintProblem:
        return LintProblem(str(self.path), self.doc.line(where), message, kind, severity,
                           subject)


def _salvage(path: Path, doc: Document, linted: bool) -> _Source | None:
    """A Pack built from whatever of the document is well formed (the loader reports the
    rest), so that one malformed rule does not keep the others from being checked."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    name = str(data.get("pack") or path.stem)
    scope = data.get("scope", "case")
    scope = scope if scope in SCOPES else "case"
    params = {str(n): Parameter(str(n), str(spec.get("type", "number")), spec["default"],
                                str(spec.get("doc", "")), name)
              for n, spec in _mapping(data.get("parameters")).items()
              if isinstance(spec, dict) and "default" in spec}
    rules: list[_RuleSource] = []
    for i, raw in enumerate(_list(data.get("rules"))):
        if not isinstance(raw, dict) or raw.get("id") in (None, ""):
            continue
        when = []
        for item in _list(raw.get("when")):
            if isinstance(item, dict) and len(item) == 1:
                (cname, cond), = item.items()
                if _is_condition(cond):
                    when.append((str(cname), cond))
        try:
            salience = int(raw.get("salience", 0))
        except (TypeError, ValueError):
            salience = 0
        rule = Rule(
            id=str(raw["id"]), pack=name, theory=str(data.get("theory", "")),
            statement=str(raw.get("statement") or ""), citation=str(raw.get("citation") or ""),
            when=tuple(when), unless=tuple(c for c in _list(raw.get("unless"))
                                           if _is_condition(c)),
            then=tuple(t for t in _list(raw.get("then")) if _is_conclusion(t)),
            explain=str(raw.get("explain") or ""),
            enabled_when=dict(_mapping(raw.get("enabled_when"))), salience=salience,
            line=doc.line(("rules", i)), path=str(path),
        )
        rules.append(_RuleSource(i, rule, raw))
    pack = Pack(
        name=name, theory=str(data.get("theory", "")), citation=str(data.get("citation", "")),
        path=str(path), parameters=params,
        facts=tuple(f for f in _list(data.get("facts")) if _is_condition(f)),
        produces={str(t): f for t, f in _mapping(data.get("produces")).items()
                  if isinstance(f, dict)},
        rules=tuple(r.rule for r in rules),
        disable=tuple(str(r) for r in _list(data.get("disable"))),
        parameter_overrides=dict(_mapping(data.get("refines"))), scope=scope,
    )
    return _Source(path, doc, pack, linted, rules)


def _expand(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Pack files (a folder stands for every *.yaml in it, as in load_packs) and the paths
    that do not exist."""
    files: list[Path] = []
    missing: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(p.glob("*.yaml")))
        elif p.exists():
            files.append(p)
        else:
            missing.append(p)
    return files, missing


# --- Templates ---------------------------------------------------------------------------------

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


_PARAM_TEXT = re.compile(r"""params\s*\[\s*['"]([^'"]+)['"]\s*\]""")


def _template_params(text: str) -> set[str]:
    try:
        ast = _parse(text)
    except jinja2.TemplateError:
        # The syntax error is reported on its own; still count the uses one can see.
        return set(_PARAM_TEXT.findall(text))
    return {f for name, f in _attribute_uses(ast, {"params"}) if name == "params"}


# --- Values and tests --------------------------------------------------------------------------

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


_MISSING = object()


def _holds(actual: Any, op: str, literal: Any) -> bool | None:
    """Whether a literal test holds for a known value; None where the linter cannot tell
    (types that do not compare: the type check reports those)."""
    if op == "ex":
        return (actual is not _MISSING) == bool(literal)
    if actual is _MISSING:
        return False if op != "neq" else None
    if op == "in":
        answers = [_holds(actual, "eq", x) for x in (literal if isinstance(literal, list)
                                                       else [literal])]
        return True if True in answers else (None if None in answers else False)
    a, b = json_type(actual), json_type(literal)
    numbers = {"integer", "number"}
    if not (a == b or {a, b} <= numbers) or a in ("array", "object", "any"):
        return None
    if op in ("eq", "neq"):
        if a != b:
            return None
        return (actual == literal) == (op == "eq")
    if a == "boolean":
        return None
    try:
        return {"lt": actual < literal, "lte": actual <= literal, "gt": actual > literal,
                "gte": actual >= literal}.get(op)
    except TypeError:
        return None


def _literal_tests(cond: dict) -> dict[str, list[tuple[str, Any]]]:
    """The tests of a condition whose values are literals, by field (joins and parameters are
    not known before a run)."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for fname, spec in cond.items():
        if fname == "type":
            continue
        for one in spec if isinstance(spec, list) else [spec]:
            if _is_value(one):
                if _is_literal(one):
                    out.setdefault(fname, []).append(("eq", one))
                continue
            for op, value in one.items():
                # An empty `in` is reported on its own.
                if op in OPERATORS and op != "matches" and _is_literal(value) and not (
                        op == "in" and value == []):
                    out.setdefault(fname, []).append((op, value))
    return out


def _show_tests(fname: str, tests: list[tuple[str, Any]]) -> str:
    parts = [f"{fname}: {v!r}" if op == "eq" else f"{fname}: {{{op}: {v!r}}}"
             for op, v in tests]
    return ", ".join(parts)


# --- The linter ----------------------------------------------------------------------------------

class _Lint:
    """The checks, over every pack read (the linted ones and their context)."""

    def __init__(self, sources: list[_Source]) -> None:
        self.sources = sources
        self.problems: list[LintProblem] = []
        packs = [s.pack for s in sources]
        self.scopes = sorted({p.scope for p in packs} | {"case"})
        self.vocab = {sc: vocabulary(packs, sc) for sc in self.scopes}
        self.params: dict[str, Parameter] = {}
        for pack in packs:
            for name, param in pack.parameters.items():
                self.params.setdefault(name, param)
        self.producers: dict[str, dict[str, list[str]]] = {sc: {} for sc in self.scopes}
        self.consumed: dict[str, set[str]] = {sc: set() for sc in self.scopes}
        self.static: dict[str, dict[str, list[dict]]] = {sc: {} for sc in self.scopes}
        for pack in packs:
            for rule in pack.rules:
                for t in rule.produces():
                    self.producers[pack.scope].setdefault(t, []).append(rule.id)
                self.consumed[pack.scope] |= rule.consumes() | rule.negates()
            for fact in pack.facts:
                self.static[pack.scope].setdefault(fact["type"], []).append(fact)
        self.used_params = {name for s in sources for name, _ in self._param_uses(s)}

    def add(self, problem: LintProblem) -> None:
        self.problems.append(problem)

    def run(self) -> list[LintProblem]:
        for src in self.sources:
            if not src.linted:
                continue
            self._check_produces(src)
            self._check_parameters(src)
            for rs in src.rules:
                self._check_rule(src, rs)
        self._check_duplicates()
        self._check_unconsumed()
        self._check_cycles()
        return self.problems

    # Parameters -------------------------------------------------------------------------------

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

    # Produces -----------------------------------------------------------------------------------

    def _check_produces(self, src: _Source) -> None:
        for t, fields in src.pack.produces.items():
            for fname, kind in fields.items():
                if normalise_type(kind) is None:
                    self.add(src.problem(
                        ("produces", t, fname), f"produces.{t}.{fname}: unknown field type "
                        f"{kind!r}{_suggest(kind, ('string', 'integer', 'number', 'boolean'))}"
                        "; write one of string, integer, number, boolean, array, object, any",
                        "unknown-type", subject=t))

    # Rules --------------------------------------------------------------------------------------

    def _check_rule(self, src: _Source, rs: _RuleSource) -> None:
        rid, raw, base = rs.rule.id, rs.raw, ("rules", rs.index)
        advice = {
            "statement": "add one sentence saying what the rule claims",
            "citation": "add where in the theory it comes from (author year, section) so that "
                        "every finding can be traced to its source",
            "explain": "add a Jinja2 text explaining a firing, shown in the trace",
        }
        for key, what in advice.items():
            if not raw.get(key):
                self.add(src.problem(base, f"rule {rid}: missing `{key}`: {what}",
                                     "missing-text", subject=rid))
        vocab = self.vocab[src.pack.scope]
        names: dict[str, str] = {}
        for item in _list(raw.get("when")):
            if isinstance(item, dict) and len(item) == 1:
                (cname, cond), = item.items()
                if _is_condition(cond):
                    names[str(cname)] = cond["type"]
        for j, item in enumerate(_list(raw.get("when"))):
            if isinstance(item, dict) and len(item) == 1:
                (cname, cond), = item.items()
                if _is_condition(cond):
                    self._check_condition(src, rid, base + ("when", j, cname), cond, names,
                                          negated=False)
        for j, cond in enumerate(_list(raw.get("unless"))):
            if _is_condition(cond):
                self._check_condition(src, rid, base + ("unless", j), cond, names, negated=True)
        for j, item in enumerate(_list(raw.get("then"))):
            if not isinstance(item, dict):
                continue
            spec = item.get("assert")
            if _is_condition(spec):
                self._check_assert(src, rid, base + ("then", j, "assert"), spec, names, vocab)
            for key, value in _mapping(item.get("finding")).items():
                self._check_refs(src, rid, base + ("then", j, "finding", key), value, names)
        for where, label, text in _templates(rs):
            self._check_template(src, rid, where, label, text, names)
        for pname, value in _mapping(raw.get("enabled_when")).items():
            param = self.params.get(pname)
            if param is None or param.type not in PARAM_JSON:
                continue
            expected, got = PARAM_JSON[param.type], json_type(value)
            fits = got == expected or (expected == "number" and got == "integer") or (
                expected == "integer" and got == "number" and float(value).is_integer())
            if not fits:
                self.add(src.problem(
                    base + ("enabled_when", pname), f"rule {rid}: `enabled_when: {{{pname}: "
                    f"{value!r}}}` never holds: {pname} is a {param.type} parameter, so the "
                    f"rule is never compiled in; write {_a(expected)} value", "never-holds",
                    subject=rid))

    def _check_assert(self, src: _Source, rid: str, where: DocPath, spec: dict,
                      names: dict[str, str], vocab: dict[str, dict[str, str]]) -> None:
        t = spec["type"]
        if t not in vocab:
            self.add(src.problem(where, f"rule {rid} asserts a fact of type {t!r}, which no pack "
                                 f"declares{_suggest(t, vocab)}: declare it under `produces` "
                                 f"with its fields (e.g. `{t}: {{field: string}}`) so that rules "
                                 "and this linter know it", "unknown-type", subject=t))
            return
        fields = vocab[t]
        for key, value in spec.items():
            if key == "type":
                continue
            if key not in fields:
                self.add(src.problem(where + (key,), f"rule {rid} asserts {t!r} with the field "
                                     f"{key!r}, which `produces` does not declare for it"
                                     f"{_suggest(key, fields)}: add it to produces.{t} or fix "
                                     f"the name (declared: {_listing(fields)})",
                                     "unknown-field", subject=t))
            self._check_refs(src, rid, where + (key,), value, names)

    def _check_refs(self, src: _Source, rid: str, where: DocPath, value: Any,
                    names: dict[str, str]) -> None:
        """References inside a conclusion's value must name a field of the matched fact."""
        if isinstance(value, list):
            for item in value:
                self._check_refs(src, rid, where, item, names)
            return
        if not (isinstance(value, dict) and "ref" in value):
            return
        name, _, path = str(value["ref"]).partition(".")
        fields = self.vocab[src.pack.scope].get(names.get(name, ""), None)
        head = path.split(".", 1)[0]
        if fields is not None and path and head not in fields:
            self.add(src.problem(where, f"rule {rid}: reference {value['ref']!r}: `{name}` is "
                                 f"{_a(names[name])} fact, which has no field {head!r}"
                                 f"{_suggest(head, fields)}, so the conclusion would carry "
                                 f"nothing; use one of its fields: {_listing(fields)}",
                                 "unknown-field", subject=rid))

    # Conditions ---------------------------------------------------------------------------------

    def _check_condition(self, src: _Source, rid: str, where: DocPath, cond: dict,
                         names: dict[str, str], negated: bool) -> None:
        vocab = self.vocab[src.pack.scope]
        t = cond["type"]
        effect = ("so it blocks nothing" if negated else "so the rule never fires")
        if t not in vocab:
            self.add(src.problem(where + ("type",), f"rule {rid}: unknown fact type {t!r}"
                                 f"{_suggest(t, vocab)}: no prepared fact and no pack has it, "
                                 f"{effect}; fix the name, or declare the type under `produces` "
                                 "of the pack whose rules assert it", "unknown-type", subject=t))
            return
        fields = vocab[t]
        for fname, spec in cond.items():
            if fname == "type":
                continue
            if fname not in fields:
                self.add(src.problem(where + (fname,), f"rule {rid}: {t!r} facts have no field "
                                     f"{fname!r}{_suggest(fname, fields)}, {effect}; their "
                                     f"fields: {_listing(fields)}", "unknown-field",
                                     subject=t))
                continue
            for one in spec if isinstance(spec, list) else [spec]:
                if _is_value(one):
                    self._check_operand(src, rid, where + (fname,), t, fname, fields[fname],
                                        "eq", one, names, effect)
                    continue
                for op, value in one.items():
                    if op in OPERATORS:
                        self._check_operand(src, rid, where + (fname, op), t, fname,
                                            fields[fname], op, value, names, effect)
        self._check_reachable(src, rid, where, cond, negated, effect)

    def _operand_type(self, src: _Source, rid: str, where: DocPath, value: Any,
                      names: dict[str, str], effect: str) -> str | None:
        """The JSON type of a test's value; None when it is not known or the value is wrong
        in a way reported elsewhere (an undeclared parameter, a name the loader refuses)."""
        if isinstance(value, dict) and "ref" in value:
            name, _, path = str(value["ref"]).partition(".")
            fields = self.vocab[src.pack.scope].get(names.get(name, ""))
            if fields is None or not path:
                return None
            head = path.split(".", 1)[0]
            if head not in fields:
                self.add(src.problem(where, f"rule {rid}: the join {value['ref']!r} never holds: "
                                     f"`{name}` is {_a(names[name])} fact, which has no field "
                                     f"{head!r}{_suggest(head, fields)}, {effect}; use one of "
                                     f"its fields: {_listing(fields)}", "never-holds",
                                     subject=rid))
                return None
            return fields[head] if "." not in path else "any"
        if isinstance(value, dict) and "param" in value:
            param = self.params.get(str(value["param"]))
            return PARAM_JSON.get(param.type, "any") if param else None
        if isinstance(value, dict) and VALUE_FORMS & set(value):
            return "number"
        return json_type(value)

    def _check_operand(self, src: _Source, rid: str, where: DocPath, t: str, fname: str,
                       ftype: str, op: str, value: Any, names: dict[str, str],
                       effect: str) -> None:
        def never(message: str) -> None:
            self.add(src.problem(where, f"rule {rid}: {message}", "never-holds", subject=rid))

        if op == "ex":
            return
        if ftype == "array":
            never(f"`{fname}` of {t!r} facts is a list, and the engine cannot test a list "
                  f"with `{op}` (only `ex`), {effect}; test another field")
            return
        if op == "in":
            if isinstance(value, list):
                if not value:
                    never(f"`{fname}: {{in: []}}` lists no value: the compiler drops the rule; "
                          "list the values, or remove the rule")
                for item in value:
                    self._check_operand(src, rid, where, t, fname, ftype, "eq", item, names,
                                        effect)
                return
            if isinstance(value, dict) and "param" in value:
                param = self.params.get(str(value["param"]))
                if param is not None and param.type in _PARAM_ITEM:
                    item = _PARAM_ITEM[param.type]
                    if _mismatch(ftype, item, "in", None):
                        never(f"`{fname}` of {t!r} facts is {_a(ftype)}, but the parameter "
                              f"{param.name} is a list of {item}s, {effect}; declare it as "
                              f"{'integers' if ftype == 'integer' else 'strings'}")
                    return
            op = "eq"
        vtype = self._operand_type(src, rid, where, value, names, effect)
        if vtype is None:
            return
        literal = value if _is_literal(value) else None
        if op == "matches":
            if ftype not in ("string", "any"):
                never(f"`{fname}` of {t!r} facts is {_a(ftype)}; a regular expression only "
                      f"matches strings, {effect}")
            if isinstance(value, str):
                try:
                    re.compile(value)
                except re.error as err:
                    never(f"{value!r} is not a valid regular expression ({err}); the engine "
                          f"accepts it silently and never matches; fix the pattern")
            return
        if not _mismatch(ftype, vtype, op, literal):
            return
        if ftype == "integer" and isinstance(literal, float):
            fix = (f"write {int(literal)}" if literal.is_integer()
                   else "no integer equals it; use lt/gt")
            never(f"`{fname}: {literal!r}` never holds: {t}.{fname} is an integer and the "
                  f"engine tells 1 and 1.0 apart; {fix}")
            return
        shown = f" {literal!r}" if literal is not None else ""
        meaning = ("the equality never holds" if op == "eq"
                   else "the test does not mean what it says")
        never(f"`{fname}` of {t!r} facts is {_a(ftype)}, but it is compared ({op}) with "
              f"{_a(vtype)}{shown}: the engine compares mixed types as text, so {meaning}; "
              f"write {_a(ftype)} value")

    def _check_reachable(self, src: _Source, rid: str, where: DocPath, cond: dict,
                         negated: bool, effect: str) -> None:
        """Literal tests against every value a prepared field can take, or against the static
        facts when nothing else produces the type; and types nothing produces at all."""
        scope = src.pack.scope
        t = cond["type"]
        fields = self.vocab[scope].get(t, {})
        # Unknown fields are reported on their own.
        tests = {f: ts for f, ts in _literal_tests(cond).items() if f in fields}
        what = "this `unless` condition can never match" if negated else \
            "this condition can never match"
        if t in BASE_FACTS.get(scope, {}):
            for fname, field_tests in tests.items():
                domain = DOMAINS.get(scope, {}).get((t, fname))
                if domain is None:
                    continue
                if not any(all(_holds(v, op, lit) is not False for op, lit in field_tests)
                           for v in domain):
                    hint = "".join(_suggest(lit, [d for d in domain if isinstance(d, str)])
                                   for op, lit in field_tests
                                   if op == "eq" and isinstance(lit, str))
                    self.add(src.problem(where + (fname,), f"rule {rid}: "
                                         f"`{_show_tests(fname, field_tests)}`{hint}: {what}, "
                                         f"{effect}: "
                                         f"{fname} of {t!r} facts is one of "
                                         f"{_listing(map(repr, sorted(domain, key=str)), 20)}",
                                         "never-holds", subject=rid))
            return
        if t in self.producers[scope]:
            return
        facts = self.static[scope].get(t, [])
        if not facts:
            self.add(src.problem(where + ("type",), f"rule {rid}: no rule asserts {t!r} and no "
                                 f"pack lists it under `facts`: {what}, {effect}; assert it "
                                 "in a rule, or fix the type", "never-holds", subject=rid))
            return
        if not any(all(_holds(f.get(fname, _MISSING), op, lit) is not False
                       for fname, field_tests in tests.items() for op, lit in field_tests)
                   for f in facts):
            shown = "; ".join(_show_tests(n, ts) for n, ts in tests.items())
            values = "; ".join(f"{n}: {_listing(repr(f.get(n)) for f in facts)}"
                               for n in tests)
            self.add(src.problem(where, f"rule {rid}: no background fact of type {t!r} has "
                                 f"{shown}: {what}, {effect}; the `facts` of type {t!r} have "
                                 f"{values}", "never-holds", subject=rid))

    # Templates ----------------------------------------------------------------------------------

    def _check_template(self, src: _Source, rid: str, where: DocPath, label: str, text: str,
                        names: dict[str, str]) -> None:
        try:
            ast = _parse(text)
        except jinja2.TemplateSyntaxError as err:
            self.add(src.problem(where, f"rule {rid}: the {label} text is not valid Jinja2 "
                                 f"({err.message}, line {err.lineno} of the text): fix the "
                                 "template", "template-syntax", subject=rid))
            return
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

    # Across packs -------------------------------------------------------------------------------

    def _check_duplicates(self) -> None:
        first: dict[str, tuple[_Source, _RuleSource]] = {}
        for src in self.sources:
            for rs in src.rules:
                rid = rs.rule.id
                if rid not in first:
                    first[rid] = (src, rs)
                    continue
                if not src.linted:
                    continue
                other, ors = first[rid]
                if other is src:
                    self.add(src.problem(("rules", rs.index, "id"), f"rule id {rid!r} is used "
                                         f"twice in this pack (first at line {ors.rule.line}): "
                                         "give each rule its own id; findings and traces cite "
                                         "rules by id", "duplicate-id", subject=rid))
                else:
                    self.add(src.problem(("rules", rs.index), f"rule id {rid!r} is also used by "
                                         f"pack {other.pack.name!r} ({other.path}:"
                                         f"{ors.rule.line}): rule ids are global across packs; "
                                         "rename this rule (to replace the other, list it under "
                                         "`disable`)", "duplicate-id", subject=rid))

    def _check_unconsumed(self) -> None:
        reported: set[tuple[str, str]] = set()
        for src in self.sources:
            if not src.linted:
                continue
            scope = src.pack.scope
            read = self.consumed[scope] | OUTPUT_TYPES.get(scope, frozenset())
            for rs in src.rules:
                for j, item in enumerate(_list(rs.raw.get("then"))):
                    spec = item.get("assert") if isinstance(item, dict) else None
                    if not _is_condition(spec):
                        continue
                    t = spec["type"]
                    if t in read or (scope, t) in reported:
                        continue
                    reported.add((scope, t))
                    shown = ("only appears under `conclusions` in the JSON verdict"
                             if scope == "case" else "is shown nowhere but in the trace")
                    producers = ", ".join(self.producers[scope].get(t, [rs.rule.id]))
                    self.add(src.problem(
                        ("rules", rs.index, "then", j), f"{t!r} is produced but never "
                        f"consumed: {producers} assert{'s' if ',' not in producers else ''} "
                        f"it, but no rule matches it and the {scope} output does not read it, "
                        f"so it {shown}; match it in a rule, make a `finding` of it, or drop "
                        "the conclusion", "unconsumed", WARNING, subject=t))

    def _check_cycles(self) -> None:
        located = {rs.rule.id: (src, rs) for src in self.sources for rs in src.rules}
        seen: set[frozenset[str]] = set()
        for scope in self.scopes:
            packs = [s.pack for s in self.sources if s.pack.scope == scope]
            disabled = {rid for p in packs for rid in p.disable}
            rules = [r for p in packs for r in p.rules if r.id not in disabled]
            for enabled in _gate_selections(rules):
                try:
                    # The compiler's own stratification decides; the graph only explains.
                    stratify(enabled, set())
                except RulePackError:
                    for cycle, message_of in _negation_cycles(enabled, scope):
                        if cycle in seen:
                            continue
                        seen.add(cycle)
                        self._report_cycle(cycle, message_of, located)

    def _report_cycle(self, cycle: frozenset[str], message_of: dict[str, str],
                      located: dict[str, tuple[_Source, _RuleSource]]) -> None:
        for rid in sorted(message_of) + sorted(cycle - set(message_of)):
            src, rs = located[rid]
            if src.linted:
                message = message_of.get(rid) or next(iter(message_of.values()))
                self.add(src.problem(("rules", rs.index, "unless"), message, "negation-cycle",
                                     subject=rid))
                return


def _mismatch(ftype: str, vtype: str, op: str, literal: Any) -> bool:
    """Whether a field of type `ftype` tested with a value of type `vtype` cannot hold as
    meant."""
    if "any" in (ftype, vtype) or ftype == vtype:
        return False
    if {ftype, vtype} <= {"integer", "number"}:
        # The engine tells 1 and 1.0 apart: a float never equals an integer field.
        return op == "eq" and ftype == "integer" and isinstance(literal, float)
    return True


def _gate_selections(rules: list[Rule]) -> Iterator[list[Rule]]:
    """The sets of rules that can be compiled in together: one per combination of the values
    `enabled_when` tests (plus any other value), or all rules when there are too many."""
    gates: dict[str, list[Any]] = {}
    for rule in rules:
        for pname, value in rule.enabled_when.items():
            if value not in gates.setdefault(pname, []):
                gates[pname].append(value)
    other = object()
    options = [[(p, v) for v in [*values, other]] for p, values in gates.items()]
    count = 1
    for o in options:
        count *= len(o)
    if count > _MAX_GATE_COMBINATIONS:
        yield rules
        return
    for combo in itertools.product(*options):
        chosen = dict(combo)
        yield [r for r in rules if all(chosen.get(p) is not other and chosen.get(p) == v
                                       for p, v in r.enabled_when.items())]


def _negation_cycles(rules: list[Rule], scope: str
                     ) -> Iterator[tuple[frozenset[str], dict[str, str]]]:
    """Each strongly connected part of the dependency graph that holds a negation: its rules,
    and for each rule that negates inside it, a message naming the loop."""
    from .rulegraph import dependency_graph

    g = dependency_graph(rules, scope)
    simple = nx.DiGraph(g)
    for component in nx.strongly_connected_components(simple):
        sub = g.subgraph(component)
        negations = [(u, v) for u, v, key in sub.edges(keys=True) if key == "unless"]
        if not negations:
            continue
        rule_ids = frozenset(n for n in component if g.nodes[n]["kind"] == "rule")
        messages: dict[str, str] = {}
        for t_node, rid in negations:
            path = nx.shortest_path(nx.DiGraph(sub), rid, t_node)
            t = g.nodes[t_node]["type"]
            loop = " -> ".join(g.nodes[n].get("type", n) if g.nodes[n]["kind"] == "fact"
                               else n for n in path)
            messages.setdefault(rid, (
                f"rule {rid} negates {t!r} (`unless`), but {t!r} depends on {rid}'s own "
                f"conclusions ({loop}): no stratum can run {rid} after every rule that "
                f"produces {t!r} (no stratification is possible); drop the negation, or derive "
                f"{t!r} without {rid}'s conclusions"))
        yield rule_ids, messages


# --- Load problems ---------------------------------------------------------------------------

#: Loader messages that a lint check reports again, better located and with what to do.
_SUPERSEDED = [
    (re.compile(r"^rule (?P<s>.+): missing `(statement|citation|explain)`$"), "missing-text"),
    (re.compile(r"^duplicate rule id '(?P<s>.+)'$"), "duplicate-id"),
    (re.compile(r"^rule id '(?P<s>.+)' is already used by pack"), "duplicate-id"),
    (re.compile(r"parameter '(?P<s>[^']+)' is not declared"), "undeclared-param"),
]


def _superseded(problem: Problem, found: list[LintProblem]) -> bool:
    for pattern, kind in _SUPERSEDED:
        match = pattern.search(problem.message)
        if match and any(p.kind == kind and p.path == problem.path and p.subject == match["s"]
                         for p in found):
            return True
    return False


def _load_problems(context: list[Path], linted: list[Path]) -> list[LintProblem]:
    """What load_packs refuses, in the linted files (the context loaded first, as a run loads
    the shipped packs before any extra one)."""
    mine = {str(f) for f in linted}
    out: list[LintProblem] = []
    loadable: list[Path] = []
    for f in [*context, *linted]:
        try:
            load_pack(f, [])
        except Exception as err:  # noqa: BLE001 - the loader assumes shapes it does not check
            if str(f) in mine:
                out.append(LintProblem(str(f), None, f"the pack loader fails on this file "
                                       f"({type(err).__name__}: {err}): a section has the wrong "
                                       "shape (`parameters`, `produces` and `refines` are "
                                       "mappings; `facts`, `rules`, `when`, `unless` and `then` "
                                       "are lists)", "load"))
            continue
        loadable.append(f)
    try:
        load_packs(loadable)
    except RulePackError as err:
        out += [LintProblem(p.path, p.line, p.message, "load") for p in err.problems
                if p.path in mine]
    return out


def lint_packs(paths: list[Path], context: list[Path] | None = None) -> list[LintProblem]:
    """Lint the rule packs at `paths` (files, or folders of *.yaml); return every problem,
    errors and warnings (`severity`), sorted by file and line.

    `context`: packs loaded alongside (e.g. the shipped folder when linting an extra pack that
    builds on them): their types, parameters and rule ids count, their own problems are not
    reported.
    """
    linted, missing = _expand(paths)
    ctx_files, _ = _expand(context or [])
    mine = {f.resolve() for f in linted}
    ctx_files = [f for f in ctx_files if f.resolve() not in mine]
    problems = [LintProblem(str(p), None, "no such rule pack file or folder: give a pack "
                            "(.yaml) or a folder of packs", "load") for p in missing]
    sources: list[_Source] = []
    for f, is_mine in [*((f, False) for f in ctx_files), *((f, True) for f in linted)]:
        doc, _ = read_yaml(f)
        if doc is not None:
            src = _salvage(f, doc, is_mine)
            if src is not None:
                sources.append(src)
    found = _Lint(sources).run()
    problems += found
    problems += [p for p in _load_problems(ctx_files, linted) if not _superseded(p, found)]
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.path, p.line or 0, p.message))
