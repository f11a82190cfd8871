"""Which facts a stratum's compiled rules could ever match: the rest are not asserted.

Encoding and asserting a fact is most of what a case costs the engine, and many prepared facts
cannot take part in any match (issue 16: third-party engagements that no rival of the case
touches). The filter is read from the *compiled* conditions of the stratum (durable-rules JSON,
parameters already in force), never from knowledge of a particular pack, so a third-party pack
that matches a fact type keeps seeing every fact it could match.

For each rule, a fact is a candidate for a named condition when it passes the condition's
constant tests (`type`, equality, `in`, `ex`, numeric comparisons); then equality joins between
conditions (`b.x == a.y`) remove, to a fixpoint, candidates with no partner (a semi-join
reduction). A fact is asserted if it is still a candidate of some condition of some rule. Every
step only ever keeps a fact when unsure: a test it does not understand (regex, arithmetic, a
comparison of mixed types, a join on a list) keeps all facts; conditions on fact types that this
stratum itself derives are unknown in advance and never narrow their partners. Blockers of
negated conditions (mirror facts) are kept when they pass the constant tests of some negated
condition on their type (its joins are not read, so every possible blocker stays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smaf_expert.packs.compiler import MIRROR, SINK, START, Stratum

_NUMBER = (int, float)
_COMPARE = {"$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b,
            "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b}


def _lookup(fact: dict, path: str) -> Any:
    if "." not in path:
        return fact.get(path)  # facts are dicts; most paths are one field
    value: Any = fact
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _key(value: Any) -> Any:
    # Equality keys: numbers by value (1 == 1.0), other scalars as they are; None when the value
    # cannot be compared safely here (missing, a list, a mapping), which keeps the fact.
    kind = type(value)
    if kind is str:
        return ("str", value)
    if isinstance(value, bool) or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, _NUMBER):
        return ("number", float(value))
    return None


def _equal(value: Any, constant: Any) -> bool:
    a, b = _key(value), _key(constant)
    return True if a is None or b is None or a[0] != b[0] else a == b


def _joinable(key: Any, keys: set, kinds: set[str]) -> bool:
    # Kept unless surely without partner: an unknown key, or one of a kind (string, number)
    # that no partner has, is left to the engine, which compares mixed types as strings.
    return key is None or key in keys or key[0] not in kinds


@dataclass
class _Condition:
    name: str
    type: str
    tests: list[Any] = field(default_factory=list)  # predicates on one fact
    joins: list[tuple[str, str, str]] = field(default_factory=list)  # (my path, other, its path)


def _parse_test(test: dict, cond: _Condition) -> None:
    """Add one compiled field test to `cond`; tests not understood add nothing (keep all)."""
    if len(test) != 1:
        return
    (op, arg), = test.items()
    if op == "$and" and isinstance(arg, list):
        for sub in arg:
            _parse_test(sub, cond)
    elif op == "$or" and isinstance(arg, list):
        branches = []
        for sub in arg:
            one = _Condition(cond.name, cond.type)
            _parse_test(sub, one)
            if one.joins or not one.tests or len(sub) != 1:
                return  # a join or an unknown test in a branch: keep everything
            branches.append(one.tests)
        cond.tests.append(lambda f, bs=branches: any(all(t(f) for t in b) for b in bs))
    elif op in ("$ex", "$nex") and isinstance(arg, dict) and len(arg) == 1:
        (path, _), = arg.items()
        want = op == "$ex"
        cond.tests.append(lambda f, p=path, w=want: (_lookup(f, p) is not None) == w)
    elif op in _COMPARE and isinstance(arg, dict) and len(arg) == 1:
        (path, bound), = arg.items()
        if isinstance(bound, _NUMBER) and not isinstance(bound, bool):
            cmp = _COMPARE[op]

            def test_cmp(f: dict, p: str = path, b: Any = bound, c: Any = cmp) -> bool:
                v = _lookup(f, p)
                # A mixed-type comparison is done as strings by the engine: keep the fact.
                return not isinstance(v, _NUMBER) or isinstance(v, bool) or c(v, b)

            cond.tests.append(test_cmp)
    elif op.startswith("$"):
        return  # $neq, $mt, arithmetic, ...: not narrowed here
    elif isinstance(arg, dict):
        if len(arg) == 1:
            (other, path), = arg.items()
            if isinstance(path, str) and not other.startswith("$"):
                cond.joins.append((op, other, path))
    else:
        cond.tests.append(lambda f, p=op, v=arg: _equal(_lookup(f, p), v))


def _conditions(rule: dict, negated: bool = False) -> list[_Condition] | None:
    """The positive named conditions of one compiled rule (with `negated`, its negated ones),
    or None if the rule is not of the form this module reads (then its facts are all kept)."""
    out = []
    for entry in rule.get("all", []):
        if not isinstance(entry, dict) or len(entry) != 1:
            return None
        (name, test), = entry.items()
        if name.endswith("$not") != negated:
            continue
        parts = test.get("$and", [test]) if isinstance(test, dict) else None
        if not parts or not isinstance(parts[0], dict) or "type" not in parts[0]:
            return None
        cond = _Condition(name, parts[0]["type"])
        for part in parts[1:]:
            _parse_test(part, cond)
        out.append(cond)
    return out


class StratumFilter:
    """The facts worth asserting into one stratum."""

    def __init__(self, stratum: Stratum) -> None:
        self.consumes = stratum.consumes
        #: Types derived inside this stratum: unknown before it runs, so never narrowing.
        self.open_types = {t for r in stratum.rules for t in r.produces()}
        self.rules: list[list[_Condition]] = []
        #: Types whose facts are all kept (a rule in a form not read here matches them).
        self.keep_all: set[str] = set()
        for rule_id, rule in stratum.definition.items():
            if rule_id in (START, SINK):
                continue
            conds = _conditions(rule)
            if conds is None:
                self.keep_all |= self.consumes
            else:
                self.rules.append(conds)
        # Rules that test nothing but types need every fact of those types whenever each type
        # has a fact: checked first, they spare the reduction of most rules.
        self.plain: list[frozenset[str]] = []
        self.narrowing: list[list[_Condition]] = []
        for conds in self.rules:
            if all(not c.tests and not c.joins for c in conds):
                self.plain.append(frozenset(c.type for c in conds))
            else:
                self.narrowing.append(conds)
        self.plain.sort(key=len)
        self.whole = self.keep_all | self.open_types
        #: For each negated type, the constant tests of each negated condition on it; a type
        #: missing here, or a rule not read, keeps every blocker.
        self.blockers: dict[str, list[list[Any]]] = {}
        self.all_blockers: set[str] = set()
        for rule_id, rule in stratum.definition.items():
            negated = _conditions(rule, negated=True) if rule_id not in (START, SINK) else []
            if negated is None:
                self.all_blockers |= stratum.negates
                continue
            for cond in negated:
                self.blockers.setdefault(cond.type.removesuffix(MIRROR), []).append(cond.tests)

    def blocking(self, facts: list[dict]) -> list[dict]:
        """The facts of `facts` (all of negated types) whose mirror could block some negated
        condition of the stratum, in their order."""
        out = []
        for f in facts:
            t = f["type"]
            if t in self.all_blockers or t not in self.blockers:
                out.append(f)
            elif any(all(test(f) for test in tests) for tests in self.blockers[t]):
                out.append(f)
        return out

    def select(self, facts: list[dict]) -> list[dict]:
        """The facts of `facts` (all of consumed types) some rule of the stratum could match,
        in their order."""
        if not self.rules or self.consumes <= self.whole:
            return facts
        by_type: dict[str, list[dict]] = {}
        for f in facts:
            by_type.setdefault(f["type"], []).append(f)
        # Facts of a type this stratum also derives are kept whole: rules may join them with
        # facts that do not exist yet.
        whole = set(self.whole)
        for types in self.plain:
            if all(t in by_type or t in self.open_types for t in types):
                whole |= types
        kept: set[int] = set()
        left = {t: len(group) for t, group in by_type.items() if t not in whole}
        for conds in self.narrowing:
            # A rule is skipped once every fact of its types is kept anyway.
            if all(not left.get(c.type) for c in conds):
                continue
            for c, group in zip(conds, self._reduce(conds, by_type), strict=True):
                if group is None or c.type in whole:
                    continue
                for f in group:
                    if id(f) not in kept:
                        kept.add(id(f))
                        left[c.type] -= 1
        return [f for f in facts if f["type"] in whole or id(f) in kept]

    def _reduce(self, conds: list[_Condition], by_type: dict[str, list[dict]]
                ) -> list[list[dict] | None]:
        """The candidates of each condition of one rule, in order, after the semi-joins."""
        # None stands for "unknown facts" (a type derived in this stratum): matches anything.
        cands: dict[str, list[dict] | None] = {}
        for c in conds:
            if c.type in self.open_types:
                cands[c.name] = None
                continue
            group = by_type.get(c.type, [])
            for test in c.tests:
                group = [f for f in group if test(f)]
            if not group:
                return [[] for _ in conds]  # the rule cannot fire: it needs nothing
            cands[c.name] = group
        edges = [(c.name, path, other, opath) for c in conds for path, other, opath in c.joins
                 if other in cands]
        changed = bool(edges)
        while changed:
            changed = False
            if any(group == [] for group in cands.values()):
                return [[] for _ in conds]
            for mine, path, other, opath in edges:
                for a, ap, b, bp in ((mine, path, other, opath), (other, opath, mine, path)):
                    group, partners = cands[a], cands[b]
                    if group is None or partners is None:
                        continue
                    keys = {_key(_lookup(g, bp)) for g in partners}
                    if None in keys:
                        continue
                    kinds = {k[0] for k in keys}
                    narrowed = [f for f in group
                                if (k := _key(_lookup(f, ap))) in keys or _joinable(k, keys, kinds)]
                    if len(narrowed) != len(group):
                        cands[a] = narrowed
                        changed = True
        return [cands[c.name] for c in conds]


_FILTERS: dict[str, StratumFilter] = {}


def stratum_filter(stratum: Stratum) -> StratumFilter:
    """The filter of a compiled stratum, built once (stratum names embed the program's key)."""
    found = _FILTERS.get(stratum.name)
    if found is None:
        found = _FILTERS[stratum.name] = StratumFilter(stratum)
    return found
