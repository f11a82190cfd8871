"""The adapter onto durable-rules: one quiet host, a small pool of sessions, strata in order.

Why each measure is here is recorded in ENGINE-NOTES.md: the stock host starts timer threads
that crash under load; session names hash to 32 bits and only 1,024 may be live; exceptions in
actions are swallowed by the library; negation is eager.

The host registers the rulesets; running them goes straight to the C extension (`_assert`):
assert a batch, then take each action the engine starts, in its order, until none is left, as
the host's synchronous path does, without its per-action closure objects, state re-encoding and
clock reads. Only the fields a stratum's conditions read are sent (`engine_fields`); actions
read the whole fact, kept here.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import sys
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smaf_expert.errors import EngineError, SmafError
from smaf_expert.packs.compiler import MIRROR, SINK, START, Program, Stratum, constant
from smaf_expert.packs.format import VALUE_FORMS
from smaf_expert.packs.params import DEFAULT_RUN_LIMIT, RUN_LIMIT
from smaf_expert.packs.templating import render_text
from smaf_expert.reasoning.findings import item_context
from smaf_expert.reasoning.relevance import stratum_filter

log = logging.getLogger("smaf_expert.reasoning.engine")


# The one command that rebuilds durable-rules' C extension for Python 3.13+ (ENGINE-NOTES.md):
# without --no-cache-dir --force-reinstall pip answers "already satisfied" or reuses its cached
# broken wheel.
REBUILD_COMMAND = ('CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" pip install '
                   "--no-cache-dir --force-reinstall --no-binary durable-rules "
                   "durable-rules==2.0.28")
# Whether the extension is loaded with lazy binding: only where 3.13 removed the symbol, and
# only where the interpreter lets the flags be set (not on Windows).
LAZY_BINDING = sys.version_info >= (3, 13) and hasattr(sys, "setdlopenflags")


def _durable_engine() -> Any:
    """durable-rules' engine module, its C extension loaded with lazy symbol binding on 3.13+.

    Python 3.13 removed ``PyEval_CallObject``, which the extension calls only from its storage
    callbacks; this project never sets them, so with lazy binding the unmodified extension
    loads and the missing symbol is never looked up. Every use of the engine (a process pool's
    workers included) comes through here, so a child process loads it the same way. The
    interpreter's flags are restored at once: other extensions keep immediate binding.
    """
    if "durable.engine" in sys.modules:
        return sys.modules["durable.engine"]
    lazy = LAZY_BINDING
    old = sys.getdlopenflags() if lazy else 0
    try:
        if lazy:
            # Replace the binding mode (RTLD_NOW -> RTLD_LAZY), keep the other bits (RTLD_GLOBAL).
            sys.setdlopenflags((old & ~os.RTLD_NOW) | os.RTLD_LAZY)
        from durable import engine as durable_engine
    except ImportError as err:
        hint = ""
        if lazy or sys.version_info >= (3, 13):
            hint = (" On Python 3.13+ its C extension calls a function 3.13 removed, and lazy"
                    " binding could not load it (linked with immediate binding, LD_BIND_NOW"
                    f" set, or no dlopen flags here); rebuild it with: {REBUILD_COMMAND}")
        raise SmafError(f"cannot load the rule engine durable-rules: {err}.{hint}") from err
    finally:
        if lazy:
            sys.setdlopenflags(old)
    return durable_engine


@dataclass
class Firing:
    """One rule firing: what it matched, what it concluded, and the evidence behind it.

    The explanation is rendered when first read (shown, exported, explained), not when the rule
    fires: most firings of a batch are never displayed, and rendering every one cost about a
    fifth of an assessment (issue 16). `template` and `context` are what it is rendered from.
    """

    step: int
    rule: str
    pack: str
    stratum: int
    matched: dict[str, dict]
    asserted: list[dict]
    evidence: list[str]
    template: str = field(default="", repr=False)
    context: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The rule's file:line, so that a failing text is located like a failing action.
    where: str = field(default="", repr=False, compare=False)

    @property
    def explanation(self) -> str:
        """The rule's `explain` text for this firing (rendered once, then kept); a template
        that fails is an EngineError naming the rule, as a failure inside the action was."""
        text = self.__dict__.get("_explanation")
        if text is None:
            try:
                text = render_text(self.template, self.context)
            except Exception as err:  # noqa: BLE001 - Jinja2 and filters raise many kinds
                located = f" ({self.where})" if self.where else ""
                raise EngineError(f"{type(err).__name__}: {err}{located}", self.rule) from err
            self.__dict__["_explanation"] = text
        return text

    def as_dict(self) -> dict[str, Any]:
        """The firing as plain data (the JSON trace entry)."""
        return {"step": self.step, "rule": self.rule, "pack": self.pack,
                "stratum": self.stratum, "matched": self.matched, "asserted": self.asserted,
                "evidence": self.evidence, "explanation": self.explanation}


@dataclass
class RunResult:
    """What one case run produced: the firings in order and every fact derived."""

    firings: list[Firing] = field(default_factory=list)
    derived: list[dict] = field(default_factory=list)

    def facts(self, type_: str) -> list[dict]:
        """Derived facts of one type, in the order they were derived."""
        return [f for f in self.derived if f["type"] == type_]


def _canon(fact: dict) -> str:
    # Facts are a set by their logical content: the same conclusion reached from other
    # evidence is not a second fact (it takes the union of both derivations' evidence; the
    # trace has both firings).
    return json.dumps({k: v for k, v in fact.items() if k != "evidence"}, sort_keys=True)


def _lookup(fact: Any, path: str) -> Any:
    value = fact
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


_READS: dict[tuple[int, str], tuple[Any, set[str]]] = {}


def _read_fields(rule: Any, name: str) -> set[str]:
    """The fields of the premise `name` that a rule reads: tested in its condition, joined on,
    or used in a conclusion or text (computed once per rule and name)."""
    cached = _READS.get((id(rule), name))
    if cached is not None and cached[0] is rule:
        return cached[1]
    cond = dict(rule.when).get(name, {})
    text = json.dumps([rule.when, rule.unless, rule.then, rule.explain], default=str)
    fields = set(cond) - {"type"} | set(re.findall(rf"\b{re.escape(name)}\.(\w+)", text))
    _READS[(id(rule), name)] = (rule, fields)
    return fields


def sources_of_types(rules: Any) -> dict[str, set[str]]:
    """Each fact type with the types it may be derived from, transitively (itself included),
    under some rules (a Program's `rules` values)."""
    producers: dict[str, set[str]] = {}
    for rule in rules:
        for out in rule.produces():
            producers.setdefault(out, set()).update(rule.consumes())
    closure: dict[str, set[str]] = {}

    def walk(t: str, seen: set[str]) -> set[str]:
        if t in seen:
            return set()
        seen.add(t)
        return {t}.union(*(walk(u, seen) for u in producers.get(t, ())))

    for t in producers:
        closure[t] = walk(t, set())
    return closure


def negated_origins(rule: Any, origins: dict[str, set[str]]) -> set[str]:
    """The fact types whose absence a rule tests, directly or through types derived from them."""
    return set().union(*(origins.get(n["type"], {n["type"]}) for n in rule.unless))


def premise_ids(rule: Any, name: str, fact: dict, negated: set[str]) -> list[str]:
    """The ids a premise lends to a conclusion: its own `evidence`, and the ids it keeps per
    field or per fact type (`evidence_by`) for the fields the rule reads and for the types whose
    absence the rule tests (an absence rests on the entries that could have made it present)."""
    ids = list(fact.get("evidence") or ())
    by = fact.get("evidence_by") or {}
    if not by:
        return ids
    for key in sorted((_read_fields(rule, name) | negated) & set(by)):
        ids += by[key]
    return ids


def evidence_of(facts: list[dict]) -> list[str]:
    """The evidence ids carried by some facts, each once, sorted (facts are compared by content)."""
    seen: dict[str, None] = {}
    for fact in facts:
        for eid in fact.get("evidence") or ():
            seen.setdefault(eid, None)
    return sorted(seen)


#: The field by which a fact given to the engine names the whole fact kept on this side.
FACT_REF = "smaf_fact"

_FIELDS: dict[str, frozenset[str]] = {}


def engine_fields(stratum: Stratum) -> frozenset[str]:
    """The top-level fields a stratum's compiled conditions may test or join on (every name in
    its durable-rules JSON, so never fewer than the engine reads). Only these are sent to the
    engine; the action reads the whole fact kept here (issue 16: encoding and parsing the
    evidence lists and sources no condition reads was much of what a fact cost)."""
    found = _FIELDS.get(stratum.name)
    if found is None:
        names: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    names.add(str(key).split(".", 1)[0])
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
            elif isinstance(node, str):
                names.add(node.split(".", 1)[0])

        walk(stratum.definition)
        found = _FIELDS[stratum.name] = frozenset(names - {FACT_REF, "sid"})
    return found


class _Run:
    """The state of the case being run; actions run synchronously inside assert_facts."""

    def __init__(self, context: dict[str, Any], known: set[str]) -> None:
        self.context = context
        self.known = known
        self.result = RunResult()
        self.error: tuple[str, BaseException, str] | None = None
        self.stratum: Stratum | None = None
        #: Derived facts by content, to merge the evidence of a conclusion derived again.
        self.by_key: dict[str, dict] = {}
        #: Every fact given to the engine, by the number it carries in FACT_REF, as it was when
        #: given (a later merge of evidence into a derived fact does not rewrite a premise).
        self.given: list[dict] = []
        self.fields: frozenset[str] = frozenset()
        self.sid = ""

    def slim(self, fact: dict, given: dict) -> dict:
        """What the engine is sent for `fact`: the fields its conditions read and a reference
        to `given`, the whole fact kept here."""
        out = {k: v for k, v in fact.items() if k in self.fields}
        out["type"] = fact["type"]
        out["sid"] = self.sid
        out[FACT_REF] = len(self.given)
        self.given.append(given)
        return out


class _QuietHost:
    """Factory of a durable-rules Host that starts no timer threads."""

    @staticmethod
    def create(resolve: Any) -> Any:
        durable_engine = _durable_engine()

        class QuietHost(durable_engine.Host):
            def _run(self) -> None:
                # The stock host starts two timer threads here; with none, actions run inside
                # assert_facts, on the caller's thread.
                return None

            def get_action(self, action_name: str) -> Any:
                return resolve(action_name)

        return QuietHost()


class _Session:
    """What an action sees of the engine: the facts it matched, and assertion into the session."""

    __slots__ = ("_m", "_native", "_handle")

    def __init__(self, matched: dict[str, dict], native: Any, handle: int) -> None:
        self._m = matched
        self._native = native
        self._handle = handle

    def assert_fact(self, fact: dict) -> None:
        code = self._native.assert_fact(self._handle, json.dumps(fact, ensure_ascii=False))[0]
        if code in (1, 2):
            what = "no condition takes it" if code == 1 else "it was already asserted"
            raise EngineError(f"the engine refused the derived fact {fact['type']!r}: {what}")


class Engine:
    """Runs compiled programs on cases. One per process; programs are registered once each."""

    POOL_SIZE = 4
    #: Registered programs kept at once; the least recently run beyond this are unregistered,
    #: so memory stays flat across a sensitivity sweep or thousands of Assessors.
    MAX_PROGRAMS = 8
    #: Assert only the facts the stratum's rules could match (reasoning/relevance.py); off, every
    #: fact of a consumed type is asserted (the benchmark compares both).
    filter_facts = True

    def __init__(self) -> None:
        self._host = _QuietHost.create(self._action)
        self._programs: OrderedDict[str, Program] = OrderedDict()
        self._free_sids = [str(i) for i in range(self.POOL_SIZE)]
        self._run: _Run | None = None
        self._exceptions = _durable_engine()
        #: Per registered program, each rule's negated_origins (computed once, not per firing).
        self._negated: dict[str, dict[str, set[str]]] = {}

    def _register(self, program: Program) -> None:
        if program.key in self._programs:
            self._programs.move_to_end(program.key)
            return
        while len(self._programs) >= self.MAX_PROGRAMS:
            key, old = self._programs.popitem(last=False)
            self._negated.pop(key, None)
            self._unregister(old)
        definitions = {s.name: s.definition for s in program.strata}
        # register_rulesets mutates what it is given.
        try:
            self._host.register_rulesets(copy.deepcopy(definitions))
        except Exception as err:  # noqa: BLE001 - the C extension raises its own error type
            raise EngineError("the rule engine refused the compiled packs: "
                              f"{getattr(err, 'message', None) or err}") from err
        self._programs[program.key] = program
        origins = sources_of_types(program.rules.values())
        self._negated[program.key] = {rule_id: negated_origins(rule, origins)
                                      for rule_id, rule in program.rules.items()}

    def _unregister(self, program: Program) -> None:
        # Between runs no session is live (each stratum's state is deleted after its run), so
        # the rulesets can be freed, as ENGINE-NOTES.md describes for tests.
        for stratum in program.strata:
            ruleset = self._host._ruleset_directory.pop(stratum.name, None)
            if ruleset is not None:
                self._host._ruleset_list.remove(ruleset)
                self._exceptions.durable_rules_engine.delete_ruleset(ruleset._handle)

    def _action(self, name: str) -> Any:
        # The host only registers the rulesets (it needs an action per rule): actions are run
        # by _assert, never by the host.
        return lambda c: None

    def _assert(self, stratum: Stratum, run: _Run, facts: list[dict]) -> None:
        """Assert facts into a stratum's session and run every action they start, in the
        engine's order, as durable-rules' host does for one synchronous call but without its
        per-action closure, state re-encoding and clock reads (issue 16)."""
        native = self._exceptions.durable_rules_engine
        handle = self._host._ruleset_directory[stratum.name]._handle
        code, state = native.assert_facts(handle, json.dumps(facts, ensure_ascii=False))
        if code == 1:
            raise self._exceptions.MessageNotHandledException(facts)
        if code == 2:
            raise self._exceptions.MessageObservedException(facts)
        started = native.start_action_for_state(handle, state if code != 3 else 0)
        message = json.loads(started[1]) if started else None
        while message:
            (rule_id, matched), = message.items()
            if rule_id not in (START, SINK) and not run.error:
                try:
                    self._fire(run, rule_id, _Session(matched, native, handle))
                except BaseException as err:  # noqa: BLE001 - reported after the stratum
                    run.error = (rule_id, err, traceback.format_exc())
            following = native.complete_and_start_action(handle, state)
            message = json.loads(following) if following else None

    def _fire(self, run: _Run, rule_id: str, c: Any) -> None:
        stratum = run.stratum
        rule = run.context["program"].rules[rule_id]
        limit = run.context["program"].params.get(RUN_LIMIT, DEFAULT_RUN_LIMIT)
        if len(run.result.firings) >= limit:
            raise SmafError(f"stopped after {limit} firings ({RUN_LIMIT}), still firing: does "
                            "it derive without end, e.g. from its own conclusions? Fix the pack, "
                            f"or raise the parameter with --param {RUN_LIMIT}=N")
        matched = {name: run.given[c._m[name][FACT_REF]] for name, _ in rule.when}
        negated = self._negated[run.context["program"].key][rule_id]
        support = [{"evidence": premise_ids(rule, name, fact, negated)}
                   for name, fact in matched.items()]
        evidence = evidence_of(support)
        ctx = {**run.context["template"], **matched, "params": run.context["program"].params}
        asserted = []
        for item in rule.then:
            if "assert" in item:
                fact = {k: self._eval(v, matched, ctx) for k, v in item["assert"].items()}
                fact.setdefault("evidence", evidence)
            else:
                spec = item["finding"]
                # Further fields tie a finding to what it is about (e.g. a quasi triad); with
                # `items`, its text is written over them (reasoning/findings.py).
                extra = {k: self._eval(v, matched, ctx) for k, v in spec.items()
                         if k not in ("kind", "text", "evidence")}
                text_ctx = {**ctx, **item_context(extra)} if "items" in extra else ctx
                fact = {"type": "finding", "kind": spec["kind"], "rule": rule_id,
                        "text": render_text(spec["text"], text_ctx),
                        "evidence": self._eval(spec.get("evidence"), matched, ctx) or evidence}
                fact.update(extra)
            fact = {k: v for k, v in fact.items() if v is not None}
            key = _canon(fact)
            asserted.append(fact)
            if key in run.known:
                # Derived again from other premises: the conclusion rests on both derivations.
                first = run.by_key[key]
                first["evidence"] = evidence_of([first, fact])
                continue
            run.known.add(key)
            run.by_key[key] = fact
            run.result.derived.append(fact)
            if fact["type"] in stratum.consumes:
                c.assert_fact(run.slim(fact, dict(fact)))
        run.result.firings.append(Firing(
            step=len(run.result.firings) + 1, rule=rule_id, pack=rule.pack,
            stratum=stratum.index, matched=matched, asserted=asserted,
            evidence=evidence_of([*support, *asserted]),
            template=rule.explain, context=ctx, where=f"{rule.path}:{rule.line}",
        ))

    @staticmethod
    def _eval(spec: Any, matched: dict[str, dict], ctx: dict[str, Any]) -> Any:
        if isinstance(spec, dict) and "ref" in spec:
            name, path = spec["ref"].split(".", 1)
            return _lookup(matched[name], path)
        if isinstance(spec, dict) and VALUE_FORMS & set(spec):
            return constant(spec, ctx["params"])
        if isinstance(spec, str) and "{{" in spec:
            return render_text(spec, ctx)
        if isinstance(spec, list):
            return [Engine._eval(v, matched, ctx) for v in spec]
        return spec

    def run(self, program: Program, facts: list[dict], template_context: dict[str, Any]
            ) -> RunResult:
        """Run every stratum of `program` on `facts`; return the firings and derived facts."""
        self._register(program)
        if not self._free_sids:
            raise EngineError("no free engine session (runs may not be nested)")
        sid = self._free_sids.pop()
        base = list(program.static_facts) + facts
        # Where each type's facts stand in `base`: a stratum takes the types it reads from here
        # instead of scanning every prepared fact (most are engagements only stratum 1 reads).
        index: dict[str, list[int]] = {}
        for i, fact in enumerate(base):
            index.setdefault(fact["type"], []).append(i)
        # Only derived facts need de-duplicating: prepared facts are distinct by construction
        # and no rule derives a prepared type.
        run = _Run({"program": program, "template": template_context}, set())
        run.sid = sid
        self._run = run
        try:
            for stratum in program.strata:
                run.stratum = stratum
                self._run_stratum(stratum, run, lambda types: _of_types(
                    base, index, run.result.derived, types))
                if run.error:
                    rule_id, err, tb = run.error
                    log.debug("action of %s raised:\n%s", rule_id, tb)
                    what = err.message if isinstance(err, SmafError) else (
                        f"{type(err).__name__}: {err}")
                    rule = program.rules.get(rule_id)
                    where = f" ({rule.path}:{rule.line})" if rule else ""
                    raise EngineError(what + where, rule_id) from err
        finally:
            self._run = None
            self._free_sids.append(sid)
        return run.result

    def _run_stratum(self, stratum: Stratum, run: _Run,
                     available: Callable[[frozenset[str] | set[str]], list[dict]]) -> None:
        sid = run.sid
        run.fields = engine_fields(stratum)
        negated = available(stratum.negates)
        if self.filter_facts:
            negated = stratum_filter(stratum).blocking(negated)
        mirrors = [{**run.slim(f, f), "type": f["type"] + MIRROR} for f in negated]
        batch = [{"type": START, "sid": sid}]
        consumed = available(stratum.consumes)
        if self.filter_facts:
            # Facts no compiled condition could match are not encoded and asserted at all.
            consumed = stratum_filter(stratum).select(consumed)
        batch += [run.slim(f, dict(f)) for f in consumed]
        try:
            if mirrors:
                # Blockers first: a negated condition is decided when its trigger arrives.
                self._assert(stratum, run, mirrors)
            self._assert(stratum, run, batch)
        except (self._exceptions.MessageNotHandledException,
                self._exceptions.MessageObservedException) as err:
            raise EngineError(f"the engine refused the facts: {err.message}") from err
        finally:
            self._host.delete_state(stratum.name, sid)


def _of_types(base: list[dict], index: dict[str, list[int]], derived: list[dict],
              types: frozenset[str] | set[str]) -> list[dict]:
    """The facts of some types, prepared ones (`base`, located by `index`) then derived ones,
    each in its order: what scanning `base + derived` for those types gives."""
    at = sorted(i for t in types for i in index.get(t, ()))
    return [base[i] for i in at] + [f for f in derived if f["type"] in types]


_ENGINE: Engine | None = None


def shared_engine() -> Engine:
    """The process's engine (one host per process, as ENGINE-NOTES.md advises)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine()
    return _ENGINE
