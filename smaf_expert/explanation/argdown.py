"""Explanation trees as an Argdown argument map (https://argdown.org syntax, rendered offline
by any Argdown tool).

The map mirrors the derivation: every conclusion, fact, absence and evidence item is a
statement `[Title]: text`; every rule firing is an argument `<Rule id: step>` whose
premise-conclusion structure lists what the rule matched (facts with their evidence items,
and the absences its negated conditions required) above the line and what it concluded below.
Where a firing defeats another line of reasoning, the map says so with an attack: a hedging
exclusion (S-hedging, and a discounted CBM) attacks the statement that the stage counts; a Cha
override (Q-override) attacks the inner core's prediction.

Text is escaped for Argdown (a backslash before its syntax characters), so a claim can hold
brackets, asterisks or a URL without changing the map's structure.
"""

from __future__ import annotations

import json
import re
from typing import Any

from smaf_expert.explanation.explain import Node
from smaf_expert.indicators import BY_STAGE

#: Argdown syntax characters that are special anywhere in a line; `/` only when it opens a
#: comment; `.` and `:` only where they would close a `.name.` or `:name:` special character.
_ESCAPE = re.compile(r"[\\\[\]<>{}#*_@]|/(?=[/*])|\.(?=\S+\.)|:(?=\S+:)")
_TITLE_WORDS = ((">=", " at least "), ("<=", " at most "), ("!=", " not "), (">", " above "),
                ("<", " below "))
_TITLE_DROP = re.compile(r"[\[\]{}<>#*@\\/:;\"`|]")


def escape(text: Any) -> str:
    """Text with every character Argdown would read as syntax escaped, on one line."""
    return _ESCAPE.sub(lambda m: "\\" + m.group(0), " ".join(str(text).split()))


def _clean_title(text: str) -> str:
    """A title Argdown reads back as written: no brackets, no comment or tag openers."""
    for old, new in _TITLE_WORDS:
        text = text.replace(old, new)
    text = " ".join(_TITLE_DROP.sub(" ", text).split()).lstrip("-+ ")
    if len(text) > 60:
        # Cut at a word: a title is a handle, the statement's text says it all.
        text = text[:60].rsplit(" ", 1)[0].rstrip(",(=") + " ..."
    return text or "statement"


def _fact_title(data: dict[str, Any]) -> str | None:
    """A short, readable title for the facts the packs derive most often."""
    t = data.get("type")
    if t == "degree":
        return f"Degree {data.get('stage')}"
    if t == "ceiling":
        return f"Ceiling {data.get('stage')}"
    if t == "counted":
        return f"Stage {data.get('stage')} counts"
    if t in ("possible", "excluded", "discounted", "gap"):
        return f"Stage {data.get('stage')} {t}"
    if t == "indicator":
        return f"{data.get('indicator')} {data.get('status')}"
    if t == "balance":
        return f"{str(data.get('name', '')).upper()} {data.get('value')}"
    if t == "overall":
        return f"Overall incentive {data.get('value')}"
    if t == "fit":
        return f"Fit {data.get('value')}"
    if t == "finding":
        return f"{str(data.get('kind', 'finding')).replace('_', ' ').capitalize()} finding"
    if t == "engagement":
        return f"{data.get('party')} engages {data.get('partner')} in {data.get('indicator')}"
    if t == "rivalry":
        return f"{data.get('state')} rival {data.get('rival')}"
    if t in ("inner", "outer"):
        return f"{t.capitalize()} core predicts {data.get('prediction')}"
    if t == "overridden":
        return f"Inner core prediction {data.get('prediction')} overridden"
    return None


def _attack_target(conclusion: Node, rule: Node) -> tuple[str, str] | None:
    """What a firing defeats, as (statement title, statement text), or None.

    Hedging (and a discounted CBM) defeats the claim that the stage counts toward the
    degree; a Cha override defeats the inner core's prediction."""
    data = conclusion.data
    kind = data.get("kind") if data.get("type") == "finding" else None
    if data.get("type") in ("excluded", "discounted") or kind == "hedging":
        stage = data.get("stage")
        if stage is None:
            stage = next((p.data.get("stage") for p in rule.children
                          if p.data.get("type") == "indicator"), None)
        ind = BY_STAGE.get(stage) if isinstance(stage, int) else None
        name = f" ({ind.name})" if ind else ""
        return (f"Stage {stage} counts",
                f"Stage {stage}{name} counts toward the degree of alignment.")
    if data.get("type") == "overridden" or kind == "override":
        inner = next((p for p in rule.children if p.data.get("type") == "inner"), None)
        if inner is not None:
            prediction = inner.data.get("prediction")
            return (f"Inner core predicts {prediction}",
                    f"The inner core predicts {prediction}.")
    return None


class _Map:
    """Collects the blocks of one argument map; a statement or argument is defined once and
    referenced by its title afterwards."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.titles: dict[str, str] = {}  # statement key -> title
        self.taken: set[str] = set()
        self.defined: set[str] = set()
        self.arguments: dict[str, str] = {}  # argument title -> title of its conclusion

    # -- statements ----------------------------------------------------------------------

    def _key(self, node: Node) -> str:
        if node.kind == "evidence":
            return "evidence:" + str(node.data.get("id", node.text))
        if node.kind in ("conclusion", "fact") and node.data.get("type"):
            return json.dumps({k: v for k, v in node.data.items() if k not in ("evidence",)},
                              sort_keys=True, default=str)
        return f"{node.kind}:{node.text}"

    def title(self, node: Node) -> str:
        """The statement title of a node, made unique across the map."""
        key = self._key(node)
        if key in self.titles:
            return self.titles[key]
        if node.kind == "evidence":
            base = _clean_title(str(node.data.get("id", node.text)))
        elif node.kind in ("conclusion", "fact"):
            base = _clean_title(_fact_title(node.data) or node.text)
        else:
            base = _clean_title(node.text)
        return self._claim(key, base)

    def _claim(self, key: str, base: str) -> str:
        title, n = base, 1
        while title in self.taken:
            n += 1
            title = f"{base} ({n})"
        self.taken.add(title)
        self.titles[key] = title
        return title

    def text(self, node: Node) -> str:
        """What a statement says (for evidence: its claim)."""
        if node.kind == "evidence":
            return escape(node.data.get("claim") or node.text)
        return escape(node.text)

    def statement(self, node: Node) -> str:
        """`[Title]: text` the first time a statement appears, `[Title]` afterwards."""
        title = self.title(node)
        if title in self.defined:
            return f"[{title}]"
        self.defined.add(title)
        return f"[{title}]: {self.text(node)}"

    @staticmethod
    def sources(node: Node) -> list[str]:
        """A comment naming an evidence item's sources (comments are not part of the map)."""
        found = [" ".join(str(s).split()) for s in node.data.get("sources") or []]
        return [f"// sources: {'; '.join(found)}"] if found else []

    # -- arguments -----------------------------------------------------------------------

    @staticmethod
    def argument_title(rule: Node) -> str:
        """`Rule id: step`: a firing is one argument, the same rule at another step another."""
        return f"{_clean_title(str(rule.data.get('rule', 'rule')))}: {rule.data.get('step', '?')}"

    def root(self, node: Node) -> None:
        """A conclusion of the explanation and everything that led to it."""
        if node.kind == "rule":
            self.argument(node, None)
            return
        lines = [self.statement(node)]
        lines += self._relations(node, "  ")
        self.blocks.append("\n".join(lines))
        self._descend(node)

    def _relations(self, node: Node, indent: str) -> list[str]:
        """Relations of a statement to children that are no premise of an argument: each
        supports it (the evidence of a bare fact; in a why-not tree, the reasons a stage does
        not count, such as the fact that blocks its rule)."""
        lines: list[str] = []
        for child in node.children:
            if child.kind == "rule":
                continue
            lines.append(f"{indent}+ {self.statement(child)}")
            lines += [indent + "  " + c for c in self.sources(child)]
            lines += self._relations(child, indent + "  ")
        return lines

    def _descend(self, node: Node) -> None:
        """The arguments for a statement, then the arguments of their premises."""
        for child in node.children:
            if child.kind == "rule":
                self.argument(child, node)
            elif child.kind != "evidence":
                self._descend(child)

    def argument(self, rule: Node, conclusion: Node | None) -> None:
        """A firing as an argument with its premise-conclusion structure; later appearances
        of the same firing only add a support relation to their conclusion."""
        name = self.argument_title(rule)
        target = self.title(conclusion) if conclusion is not None else None
        if name in self.arguments:
            if target is not None and self.arguments[name] != target:
                self.blocks.append(f"[{target}]\n  + <{name}>")
            return
        self.arguments[name] = target or ""
        head = [f"<{name}>: {escape(rule.data.get('explanation') or rule.text)}"]
        if rule.data.get("statement"):
            head.append(f"// rule: {' '.join(str(rule.data['statement']).split())}")
        if rule.data.get("citation"):
            head.append(f"// source: {' '.join(str(rule.data['citation']).split())}")
        pcs: list[str] = []
        number = 0
        for premise in rule.children:
            for item in [premise, *[c for c in premise.children if c.kind == "evidence"]]:
                number += 1
                pcs.append(f"({number}) {self.statement(item)}")
                pcs += self.sources(item)
        if not pcs:
            number += 1
            pcs.append(f"({number}) The conditions of rule "
                       f"{escape(rule.data.get('rule', ''))} hold.")
        pcs.append("----")
        if conclusion is not None:
            pcs.append(f"({number + 1}) {self.statement(conclusion)}")
        else:
            pcs.append(f"({number + 1}) {escape(rule.text)}")
        self.blocks.append("\n".join(head))
        self.blocks.append("\n".join(pcs))
        attack = _attack_target(conclusion, rule) if conclusion is not None else None
        if attack is not None:
            title, text = attack
            key = "attacked:" + title
            existing = self.titles.get(key)
            if existing is None:
                # The same title may already name that statement (e.g. a `counted` fact).
                existing = title if title in self.taken else self._claim(key, title)
                self.titles[key] = existing
            defined = existing in self.defined
            self.defined.add(existing)
            head_line = f"[{existing}]" if defined else f"[{existing}]: {escape(text)}"
            self.blocks.append(f"{head_line}\n  - <{name}>")
        for premise in rule.children:
            if premise.kind != "evidence":
                self._descend(premise)


def to_argdown(nodes: list[Node], title: str) -> str:
    """The explanation trees `nodes` (from `Explainer.why`, `why_not`, or
    `Assessor.explain`) as one Argdown document titled `title`.

    Conclusions become statements `[Title]: text`; each rule firing an argument
    `<Rule id: step>` with a premise-conclusion structure (`(1) ... ---- (n) ...`) whose
    premises are the matched facts, their evidence items `[evidence-id]: claim` (sources in a
    `//` comment) and the required absences; hedging exclusions and Cha overrides attack what
    they defeat (`- <Rule id: step>`).
    """
    amap = _Map()
    for node in nodes:
        amap.root(node)
    front = f"===\ntitle: {json.dumps(title, ensure_ascii=False)}\n==="
    intro = ("// Generated by smaf-expert from the recorded rule firings: statements are\n"
             "// conclusions, facts, absences and evidence; arguments are rule firings.")
    return "\n\n".join([front, f"# {escape(title)}", intro, *amap.blocks]) + "\n"
