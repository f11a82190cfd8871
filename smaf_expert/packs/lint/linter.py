"""The linter: every check over every pack read, and `lint_packs`."""

from __future__ import annotations

from pathlib import Path

from smaf_expert.packs.format import (
    Parameter,
)
from smaf_expert.packs.lint.across import AcrossPackChecks
from smaf_expert.packs.lint.attributes import AttributeChecks
from smaf_expert.packs.lint.common import (
    LintProblem,
)
from smaf_expert.packs.lint.conditions import ConditionChecks
from smaf_expert.packs.lint.parameters import ParameterChecks
from smaf_expert.packs.lint.rules import RuleChecks
from smaf_expert.packs.lint.sources import _expand, _load_problems, _salvage, _Source, _superseded
from smaf_expert.packs.lint.templates import TemplateChecks
from smaf_expert.packs.params import ENGINE_PARAMETERS
from smaf_expert.packs.vocabulary import (
    vocabulary,
)
from smaf_expert.yamlio import read_yaml


class _Lint(ParameterChecks, RuleChecks, ConditionChecks, AttributeChecks, TemplateChecks,
            AcrossPackChecks):
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
        self.used_params |= ENGINE_PARAMETERS

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
    # A linted pack under the name of a context pack replaces it, as `--rules` does in a run
    # (a clone's rules/ linted against an installed copy is not a second pack of each name).
    mine_names = {s.pack.name for s in sources if s.linted}
    sources = [s for s in sources if s.linted or s.pack.name not in mine_names]
    found = _Lint(sources).run()
    problems += found
    problems += [p for p in _load_problems(ctx_files, linted) if not _superseded(p, found)]
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.path, p.line or 0, p.message))

