"""Rule packs: the rules as data (one YAML file per theory), loaded and checked before use."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smaf_expert.errors import Problem, RulePackError
from smaf_expert.yamlio import Document, read_yaml

#: Forms of a value (as opposed to `{OP: VALUE}` tests).
VALUE_FORMS = {"ref", "param", "neg", "sum"}
OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "ex", "matches")
PARAM_TYPES = ("boolean", "number", "integer", "integers", "string", "strings")
RULE_KEYS = {"id", "statement", "citation", "when", "unless", "then", "explain", "enabled_when",
             "salience", "note"}
PACK_KEYS = {"pack", "theory", "version", "citation", "description", "parameters", "facts",
             "produces", "rules", "examples", "refines", "disable", "scope", "knowledge"}
#: What a pack reasons about: one alignment case at a year, or the whole network at a year.
SCOPES = ("case", "network")
#: What a pack's `knowledge:` section may declare attributes of, and their types.
ATTRIBUTE_ENTITIES = ("state", "case", "relation")
ATTRIBUTE_TYPES = ("boolean", "integer", "number", "string", "strings")
DECLARATION_KEYS = {"entity", "field", "type", "values", "doc"}


@dataclass(frozen=True)
class Parameter:
    """A named, typed interpretation the pack leaves open to the analyst."""

    name: str
    type: str
    default: Any
    doc: str
    pack: str
    #: The declared range (inclusive) of a number, or of each item of `integers`, and the
    #: allowed values of a string or list of strings; None when the pack declares none.
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None


@dataclass(frozen=True)
class Declaration:
    """An attribute the pack reads from knowledge files (its `knowledge:` section)."""

    entity: str
    field: str
    type: str
    values: tuple[Any, ...] = ()
    doc: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Rule:
    """One rule: conditions over named facts, conclusions, and how to explain a firing."""

    id: str
    pack: str
    theory: str
    statement: str
    citation: str
    when: tuple[tuple[str, dict], ...]
    unless: tuple[dict, ...]
    then: tuple[dict, ...]
    explain: str
    enabled_when: dict[str, Any]
    salience: int
    line: int | None
    path: str

    def consumes(self) -> set[str]:
        """Fact types its positive conditions match."""
        return {cond["type"] for _, cond in self.when}

    def negates(self) -> set[str]:
        """Fact types its negated conditions (`unless`) match."""
        return {cond["type"] for cond in self.unless}

    def produces(self) -> set[str]:
        """Fact types its conclusions assert (a finding is a fact of type `finding`)."""
        out = set()
        for item in self.then:
            if "assert" in item:
                out.add(item["assert"]["type"])
            if "finding" in item:
                out.add("finding")
        return out


@dataclass(frozen=True)
class Pack:
    """A rule pack: a theory's parameters, background facts and rules."""

    name: str
    theory: str
    citation: str
    path: str
    parameters: dict[str, Parameter]
    facts: tuple[dict, ...]
    produces: dict[str, dict[str, str]]
    rules: tuple[Rule, ...]
    examples: tuple[dict, ...] = ()
    disable: tuple[str, ...] = ()
    parameter_overrides: dict[str, Any] = field(default_factory=dict)
    scope: str = "case"
    #: The attributes it declares (`knowledge:`), which knowledge files carry for it.
    knowledge: tuple[Declaration, ...] = ()


def declarations_of(doc: Document, problems: list[Problem]) -> tuple[Declaration, ...]:
    """The `knowledge:` section: one `{entity, field, type, values?, doc?}` per attribute."""
    out: list[Declaration] = []
    seen: set[tuple[str, str]] = set()
    raws = doc.data.get("knowledge") if isinstance(doc.data, dict) else None
    for i, raw in enumerate(raws if isinstance(raws, list) else []):
        where = ("knowledge", i)
        if not isinstance(raw, dict) or not {"entity", "field", "type"} <= set(raw):
            problems.append(doc.problem(where, "an attribute is declared as {entity, field, "
                                               "type} (with optional values and doc)"))
            continue
        for key in raw:
            if key not in DECLARATION_KEYS:
                problems.append(doc.problem(where + (key,), f"unknown field {key!r} of an "
                                            f"attribute{_suggest(key, DECLARATION_KEYS)}"))
        entity, fname, ftype = raw["entity"], raw["field"], raw["type"]
        if entity not in ATTRIBUTE_ENTITIES:
            problems.append(doc.problem(where + ("entity",), f"unknown entity {entity!r}; "
                                        f"entities: {', '.join(ATTRIBUTE_ENTITIES)}"))
        if ftype not in ATTRIBUTE_TYPES:
            problems.append(doc.problem(where + ("type",), f"unknown attribute type {ftype!r}; "
                                        f"types: {', '.join(ATTRIBUTE_TYPES)}"))
        if not isinstance(fname, str) or not fname or fname in ("sources", "since", "until"):
            problems.append(doc.problem(where + ("field",), "the field is a name other than "
                                        "`sources`, `since` and `until` (which hold the "
                                        "attribute's sources and years)"))
        values = raw.get("values") or []
        if not isinstance(values, list):
            problems.append(doc.problem(where + ("values",), "`values` must be a list"))
            values = []
        if (entity, fname) in seen:
            problems.append(doc.problem(where, f"{entity} attribute {fname!r} is declared twice"))
        seen.add((entity, fname))
        out.append(Declaration(str(entity), str(fname), str(ftype), tuple(values),
                               str(raw.get("doc") or ""), doc.line(where)))
    return tuple(out)


def _check_value(doc: Document, where: tuple, value: Any, names: set[str], params: set[str],
                 problems: list[Problem]) -> None:
    if isinstance(value, dict) and "ref" in value:
        ref = value["ref"]
        name = str(ref).split(".", 1)[0]
        if "." not in str(ref) or name not in names:
            problems.append(doc.problem(where, f"reference {ref!r} must be NAME.FIELD with NAME "
                                               f"one of the facts matched before it: "
                                               f"{', '.join(sorted(names)) or 'none'}"))
    elif isinstance(value, dict) and "param" in value:
        if not isinstance(value["param"], str):
            problems.append(doc.problem(where, f"`param` takes a parameter name, not "
                                               f"{value['param']!r}"))
        elif value["param"] not in params:
            problems.append(doc.problem(where, f"parameter {value['param']!r} is not declared"
                                               f"{_suggest(value['param'], params)}"))
    elif isinstance(value, dict) and ("neg" in value or "sum" in value):
        parts = value["sum"] if "sum" in value else [value["neg"]]
        if not isinstance(parts, list) or not parts:
            problems.append(doc.problem(where, "`sum` takes a non-empty list of numbers or "
                                               "parameters"))
            return
        for part in parts:
            if isinstance(part, dict) and "param" in part:
                _check_value(doc, where, part, names, params, problems)
            elif isinstance(part, dict) and VALUE_FORMS & set(part) - {"ref"}:
                _check_value(doc, where, part, names, params, problems)
            elif isinstance(part, bool) or not isinstance(part, int | float):
                # Computed when the pack is compiled: only numbers and parameters are known then.
                problems.append(doc.problem(where, f"{part!r} cannot be computed with in `sum` "
                                                   "or `neg`: give a number or {param: NAME}"))


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_condition(doc: Document, where: tuple, cond: Any, names: set[str], params: set[str],
                     problems: list[Problem]) -> None:
    if not isinstance(cond, dict) or "type" not in cond:
        problems.append(doc.problem(where, "a condition is a mapping with a `type` field "
                                           "(the engine needs every condition to test a type)"))
        return
    if not isinstance(cond["type"], str) or not cond["type"]:
        problems.append(doc.problem(where + ("type",), "a condition's `type` is one fact type "
                                                       f"(a name), not {cond['type']!r}"))
        return
    for fname, spec in cond.items():
        for one in spec if isinstance(spec, list) else [spec]:
            _check_test(doc, where + (fname,), one, names, params, problems)


def _check_test(doc: Document, where: tuple, spec: Any, names: set[str], params: set[str],
                problems: list[Problem]) -> None:
    """One test of a field: a value, or `{OP: VALUE}`; `where` ends at the field."""
    if not (isinstance(spec, dict) and not (VALUE_FORMS & set(spec))):
        _check_value(doc, where, spec, names, params, problems)
        return
    for op, value in spec.items():
        if op not in OPERATORS:
            problems.append(doc.problem(where, f"unknown operator {op!r}{_suggest(op, OPERATORS)}"
                                               f"; operators: {', '.join(OPERATORS)}"))
        if op == "matches" and not _is_pattern(value):
            problems.append(doc.problem(where, f"`matches` takes a regular expression, and "
                                               f"{value!r} is not one"))
        _check_value(doc, where + (op,), value, names, params, problems)


def _is_pattern(value: Any) -> bool:
    # The engine refuses the whole ruleset on a bad pattern (error 501), after loading.
    import re

    if not isinstance(value, str):
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


#: The shape of each section of a pack and of a rule: checked before anything is iterated.
_PACK_SHAPES = {"parameters": dict, "facts": list, "produces": dict, "rules": list,
                "examples": list, "refines": dict, "disable": list, "knowledge": list}
_RULE_SHAPES = {"when": list, "unless": list, "then": list, "enabled_when": dict}
_SHAPE_WORDS = {dict: "a mapping", list: "a list"}


def _shape_problems(doc: Document) -> list[Problem]:
    out = []
    for key, kind in _PACK_SHAPES.items():
        value = doc.data.get(key)
        if value is not None and not isinstance(value, kind):
            out.append(doc.problem((key,), f"`{key}` must be {_SHAPE_WORDS[kind]}"))
    for i, rule in enumerate(doc.data.get("rules") if isinstance(doc.data.get("rules"), list)
                             else []):
        if not isinstance(rule, dict):
            out.append(doc.problem(("rules", i), "a rule must be a mapping"))
            continue
        for key, kind in _RULE_SHAPES.items():
            value = rule.get(key)
            if value is not None and not isinstance(value, kind):
                out.append(doc.problem(("rules", i, key), f"rule {rule.get('id', i)}: "
                                                          f"`{key}` must be {_SHAPE_WORDS[kind]}"))
    return out


PARAM_KEYS = {"type", "default", "doc", "min", "max", "choices"}


def _choices(value: Any) -> tuple | None:
    return tuple(value) if isinstance(value, list) else value


def _declaration_problems(param: Parameter, spec: dict) -> list[tuple[tuple, str]]:
    """(where, message) for a declaration that is malformed or whose default breaks it."""
    from smaf_expert.packs.params import check_value

    out = [((key,), f"unknown parameter field {key!r}{_suggest(key, PARAM_KEYS)}; fields: "
                    f"{', '.join(sorted(PARAM_KEYS))}") for key in spec if key not in PARAM_KEYS]
    for key in ("min", "max"):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            out.append(((key,), f"`{key}` must be a number"))
    if param.choices is not None and not (isinstance(param.choices, tuple) and param.choices):
        out.append((("choices",), "`choices` must be a non-empty list"))
    if not out and param.type in PARAM_TYPES:
        try:
            check_value(param, spec["default"])
        except ValueError as err:
            out.append((("default",), f"the default {spec['default']!r} is not allowed: {err}"))
    return out


def load_pack(path: Path, problems: list[Problem], known_params: set[str] | None = None
              ) -> Pack | None:
    """Read one pack; append its problems to `problems`, return None when it cannot be used.

    `known_params` are parameters declared by the other packs loaded with it (names are global).
    """
    doc, problem = read_yaml(path)
    if problem:
        problems.append(problem)
        return None
    return _build_pack(doc, problems, known_params or set())


def _declared_names(doc: Document) -> set[str]:
    data = doc.data
    params = data.get("parameters") if isinstance(data, dict) else None
    return set(params) if isinstance(params, dict) else set()


def _build_pack(doc: Document, problems: list[Problem], known_params: set[str]
                ) -> Pack | None:
    path = doc.path
    data = doc.data
    before = len(problems)
    if not isinstance(data, dict) or not data.get("pack") or not isinstance(data["pack"], str):
        problems.append(doc.problem((), "a rule pack is a mapping with a `pack` name"))
        return None
    shape = _shape_problems(doc)
    if shape:
        problems.extend(shape)
        return None
    for key in data:
        if key not in PACK_KEYS:
            problems.append(doc.problem((key,), f"unknown pack field {key!r}"
                                                f"{_suggest(key, PACK_KEYS)}"))
    name = data["pack"]
    theory = data.get("theory", "")
    scope = data.get("scope", "case")
    if scope not in SCOPES:
        problems.append(doc.problem(("scope",), f"unknown scope {scope!r}; scopes: "
                                                f"{', '.join(SCOPES)}"))
    params: dict[str, Parameter] = {}
    for pname, spec in (data.get("parameters") or {}).items():
        if not isinstance(pname, str):
            problems.append(doc.problem(("parameters", pname), f"a parameter name is a name, "
                                                               f"not {pname!r}"))
            continue
        if not isinstance(spec, dict) or "default" not in spec:
            problems.append(doc.problem(("parameters", pname), "a parameter needs a `default`"))
            continue
        ptype = spec.get("type", "number")
        if ptype not in PARAM_TYPES:
            problems.append(doc.problem(("parameters", pname, "type"), f"unknown parameter type "
                                        f"{ptype!r}; types: {', '.join(PARAM_TYPES)}"))
        param = Parameter(pname, ptype, spec["default"], spec.get("doc", ""), name,
                          spec.get("min"), spec.get("max"), _choices(spec.get("choices")))
        declared = _declaration_problems(param, spec)
        problems.extend(doc.problem(("parameters", pname) + where, msg) for where, msg in declared)
        params[pname] = param
    for i, fact in enumerate(data.get("facts") or []):
        if not (isinstance(fact, dict) and isinstance(fact.get("type"), str) and fact["type"]):
            problems.append(doc.problem(("facts", i), "a background fact is a mapping with a "
                                                      "`type` name"))
    for i, rid in enumerate(data.get("disable") or []):
        if not isinstance(rid, str):
            problems.append(doc.problem(("disable", i), f"`disable` lists rule ids, not {rid!r}"))
    usable = set(params) | known_params
    knowledge = declarations_of(doc, problems)
    rules = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("rules") or []):
        where = ("rules", i)
        if not isinstance(raw, dict) or not raw.get("id"):
            problems.append(doc.problem(where, "a rule needs an `id`"))
            continue
        if not isinstance(raw["id"], str):
            problems.append(doc.problem(where + ("id",), f"a rule id is a name, not {raw['id']!r}"))
            continue
        rid = raw["id"]
        if rid in seen:
            problems.append(doc.problem(where + ("id",), f"duplicate rule id {rid!r}"))
        seen.add(rid)
        for key in raw:
            if key not in RULE_KEYS:
                problems.append(doc.problem(where + (key,), f"rule {rid}: unknown field {key!r}"
                                                            f"{_suggest(key, RULE_KEYS)}"))
        for key in ("statement", "citation", "explain"):
            if not raw.get(key):
                problems.append(doc.problem(where, f"rule {rid}: missing `{key}`"))
            elif not isinstance(raw[key], str):
                problems.append(doc.problem(where + (key,), f"rule {rid}: `{key}` must be text"))
        salience = raw.get("salience", 0)
        if isinstance(salience, bool) or not isinstance(salience, int) or abs(salience) > 10**6:
            problems.append(doc.problem(where + ("salience",), f"rule {rid}: `salience` must be "
                                        f"a whole number from -1000000 to 1000000, not "
                                        f"{salience!r}"))
            salience = 0
        when = []
        names: set[str] = set()
        if not raw.get("when"):
            problems.append(doc.problem(where, f"rule {rid}: `when` needs at least one positive "
                                               "condition (the engine never fires a rule that "
                                               "starts with a negation)"))
        for j, item in enumerate(raw.get("when") or []):
            if not isinstance(item, dict) or len(item) != 1:
                problems.append(doc.problem(where + ("when", j), f"rule {rid}: each `when` item "
                                            "is `NAME: {type: ..., field: ...}`"))
                continue
            (fname, cond), = item.items()
            if not isinstance(fname, str):
                problems.append(doc.problem(where + ("when", j), f"rule {rid}: the name "
                                            f"{fname!r} of a condition must be a name"))
                continue
            _check_condition(doc, where + ("when", j, fname), cond, names, usable, problems)
            if fname in names:
                problems.append(doc.problem(where + ("when", j), f"rule {rid}: the name "
                                            f"{fname!r} is used twice"))
            names.add(fname)
            when.append((fname, cond))
        for j, cond in enumerate(raw.get("unless") or []):
            _check_condition(doc, where + ("unless", j), cond, names, usable, problems)
        then = raw.get("then") or []
        if not then:
            problems.append(doc.problem(where, f"rule {rid}: `then` needs a conclusion"))
        for j, item in enumerate(then):
            if not isinstance(item, dict) or not ({"assert", "finding"} & set(item)):
                problems.append(doc.problem(where + ("then", j), f"rule {rid}: a conclusion is "
                                            "`assert: {type: ...}` or `finding: {kind, text}`"))
                continue
            if any(not isinstance(item[k], dict) for k in ("assert", "finding") if k in item):
                problems.append(doc.problem(where + ("then", j), f"rule {rid}: `assert` and "
                                            "`finding` are mappings"))
                continue
            if "assert" in item and "type" not in (item["assert"] or {}):
                problems.append(doc.problem(where + ("then", j), f"rule {rid}: an asserted fact "
                                            "needs a `type`"))
            if "finding" in item and not {"kind", "text"} <= set(item["finding"] or {}):
                problems.append(doc.problem(where + ("then", j), f"rule {rid}: a finding needs "
                                            "`kind` and `text`"))
            elif "finding" in item and not all(
                    isinstance(item["finding"][k], str) for k in ("kind", "text")):
                problems.append(doc.problem(where + ("then", j), f"rule {rid}: a finding's "
                                            "`kind` and `text` are texts"))
            for key, value in (item.get("assert") or {}).items():
                _check_value(doc, where + ("then", j, key), value, names, usable, problems)
        for pname in raw.get("enabled_when") or {}:
            if pname not in params and pname not in known_params:
                problems.append(doc.problem(where + ("enabled_when",), f"rule {rid}: parameter "
                                            f"{pname!r} is not declared{_suggest(pname, params)}"))
        rules.append(Rule(
            id=rid, pack=name, theory=theory, statement=raw.get("statement", ""),
            citation=raw.get("citation", ""), when=tuple(when),
            unless=tuple(raw.get("unless") or []), then=tuple(then),
            explain=raw.get("explain", ""), enabled_when=dict(raw.get("enabled_when") or {}),
            salience=salience, line=doc.line(where), path=str(path),
        ))
    if len(problems) > before:
        return None
    return Pack(
        name=name, theory=theory, citation=data.get("citation", ""), path=str(path),
        parameters=params, facts=tuple(data.get("facts") or []),
        produces=dict(data.get("produces") or {}), rules=tuple(rules),
        examples=tuple(data.get("examples") or []), disable=tuple(data.get("disable") or []),
        parameter_overrides=dict(data.get("refines") or {}),
        scope=scope, knowledge=knowledge,
    )


def _shipped(path: Path) -> bool:
    from smaf_expert.paths import default_rules

    return path.resolve().is_relative_to(default_rules().resolve())


def _one_per_pack(docs: list[Document], problems: list[Problem]) -> list[Document]:
    """One document per pack name. The same pack read from two places (an installed copy and
    a clone's `rules/`, or a folder given twice) is one pack when the contents are equal; a
    pack given by the user under a shipped pack's name replaces the shipped one; two other
    different packs of one name are an error naming both files."""
    chosen: dict[Any, Document] = {}
    for doc in docs:
        name = doc.data.get("pack") if isinstance(doc.data, dict) else None
        key = name if isinstance(name, str) and name else id(doc)
        first = chosen.get(key)
        if first is None or (_shipped(first.path) and not _shipped(doc.path)):
            # The user's copy wins, equal or not: the verdict names the file they gave.
            chosen[key] = doc
        elif first.data == doc.data:
            continue
        else:
            problems.append(doc.problem(("pack",), f"pack {name!r} is also read from "
                                        f"{first.path} with different contents: rename one "
                                        "of them or load only one"))
    return list(chosen.values())


def load_packs(paths: list[Path]) -> list[Pack]:
    """Load packs from files or folders (every *.yaml inside); raise with every problem found."""
    problems: list[Problem] = []
    packs: list[Pack] = []
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.glob("*.yaml")))
        elif p.exists():
            files.append(p)
        else:
            problems.append(Problem(str(p), None, "no such rule pack file or folder"))
    docs = []
    for f in files:
        doc, problem = read_yaml(f)
        if problem:
            problems.append(problem)
        else:
            docs.append(doc)
    docs = _one_per_pack(docs, problems)
    # Parameter names are global: a pack may use one that another pack declares.
    known = set().union(*(_declared_names(d) for d in docs)) if docs else set()
    for doc in docs:
        pack = _build_pack(doc, problems, known)
        if pack:
            packs.append(pack)
    declared: dict[str, str] = {}
    rule_ids: dict[str, str] = {}
    for pack in packs:
        for pname in pack.parameters:
            if pname in declared:
                problems.append(Problem(pack.path, None, f"parameter {pname!r} is already "
                                                         f"declared by pack {declared[pname]!r}"))
            declared[pname] = pack.name
        for rule in pack.rules:
            if rule.id in rule_ids:
                problems.append(Problem(pack.path, rule.line,
                                        f"rule id {rule.id!r} is already used by pack "
                                        f"{rule_ids[rule.id]!r}"))
            rule_ids[rule.id] = pack.name
    if problems:
        raise RulePackError(problems)
    return packs
