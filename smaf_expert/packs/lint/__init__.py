"""Lint rule packs: the mistakes durable-rules accepts silently, found before a run.

The engine takes a misspelt fact type, a field compared with a value of another JSON type, a
bad regular expression or a join on a field that does not exist, and the rule then simply never
fires (ENGINE-NOTES.md). `lint_packs` reports those, and what `load_packs` refuses, each with
file:line and what to do. It reads the YAML itself, so a pack that does not load is still
checked as far as its shape allows: one mistake must not hide the others.
"""

from __future__ import annotations

from smaf_expert.packs.lint.common import ERROR as ERROR
from smaf_expert.packs.lint.common import KINDS as KINDS
from smaf_expert.packs.lint.common import WARNING as WARNING
from smaf_expert.packs.lint.common import LintProblem as LintProblem
from smaf_expert.packs.lint.common import errors as errors
from smaf_expert.packs.lint.linter import lint_packs as lint_packs

__all__ = ["ERROR", "KINDS", "WARNING", "LintProblem", "errors", "lint_packs"]
