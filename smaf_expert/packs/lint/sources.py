"""Reading packs as far as their shape allows, and what the pack loader refuses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from smaf_expert.errors import Problem, RulePackError
from smaf_expert.packs.format import (
    Pack,
    Parameter,
    Rule,
    declarations_of,
    load_pack,
    load_packs,
)
from smaf_expert.packs.lint.common import (
    ERROR,
    LintProblem,
    _is_conclusion,
    _is_condition,
    _list,
    _mapping,
)
from smaf_expert.packs.vocabulary import (
    SCOPES,
)
from smaf_expert.yamlio import DocPath, Document


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
        # The loader reports a malformed declaration; lint checks rules against the rest.
        knowledge=declarations_of(doc, []),
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

