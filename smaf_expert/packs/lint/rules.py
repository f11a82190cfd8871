"""Checks of each rule as a whole: its texts, conclusions and `enabled_when`."""

from __future__ import annotations

from typing import Any

from smaf_expert.packs.lint.common import (
    PARAM_JSON,
    _a,
    _is_condition,
    _list,
    _listing,
    _mapping,
    _suggest,
)
from smaf_expert.packs.lint.sources import _RuleSource, _Source
from smaf_expert.packs.lint.templates import _templates
from smaf_expert.packs.vocabulary import (
    json_type,
    normalise_type,
)
from smaf_expert.yamlio import DocPath


class RuleChecks:
    """Each rule is complete and asserts only declared types and fields."""


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
            # A finding text with `items` is written over `about` and `items` (findings.py).
            finding = _mapping(_list(raw.get("then"))[where[3]].get("finding")) \
                if where[2:3] == ("then",) and where[4] == "finding" else {}
            extra = {"about": "", "items": ""} if "items" in finding and where[-1] == "text" else {}
            self._check_template(src, rid, where, label, text, {**names, **extra})
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

