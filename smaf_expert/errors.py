"""One hierarchy of errors; every error that reaches a user names where it comes from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """"; did you mean a, b, c?" naming up to three `choices` close to `word`, or "" if none
    is: the tail of an "unknown ..." message."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


class SmafError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is and what is wrong."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class InputError(SmafError):
    """Bad input files (knowledge or rule packs); carries every problem found, not the first."""

    def __init__(self, problems: list[Problem], what: str = "input") -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the {what}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class KnowledgeError(InputError):
    """The knowledge base is malformed or inconsistent."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, "knowledge base")


class RulePackError(InputError):
    """A rule pack is malformed or refers to what does not exist."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, "rule packs")


class AssessmentError(SmafError):
    """An assessment cannot be made as asked (unknown case, a year the case cannot have...)."""


class EngineError(SmafError):
    """The rule engine failed or an action raised; carries the rule id where known."""

    def __init__(self, message: str, rule_id: str | None = None) -> None:
        super().__init__(f"rule {rule_id}: {message}" if rule_id else message)
        self.rule_id = rule_id
