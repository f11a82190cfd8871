"""Checks of conditions: types and fields exist, tests can hold, operands fit."""

from __future__ import annotations

import re
from typing import Any

from smaf_expert.packs.format import (
    OPERATORS,
    VALUE_FORMS,
)
from smaf_expert.packs.lint.common import (
    _PARAM_ITEM,
    PARAM_JSON,
    _a,
    _is_literal,
    _is_value,
    _listing,
    _suggest,
)
from smaf_expert.packs.lint.sources import _Source
from smaf_expert.packs.vocabulary import (
    BASE_FACTS,
    DOMAINS,
    json_type,
)
from smaf_expert.yamlio import DocPath

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




def _mismatch(ftype: str, vtype: str, op: str, literal: Any) -> bool:
    """Whether a field of type `ftype` tested with a value of type `vtype` cannot hold as
    meant."""
    if "any" in (ftype, vtype) or ftype == vtype:
        return False
    if {ftype, vtype} <= {"integer", "number"}:
        # The engine tells 1 and 1.0 apart: a float never equals an integer field.
        return op == "eq" and ftype == "integer" and isinstance(literal, float)
    return True




class ConditionChecks:
    """Every condition can match something, with operands of the field's type."""


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
        if t == "attribute":
            self._check_attribute(src, rid, where, cond, effect)  # type: ignore[attr-defined]
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

