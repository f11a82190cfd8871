"""SMAF cluster one in CLIPS (clipspy): a peer for the benchmark, on the same prepared facts.

Degree, prerequisites (sequence anomalies), hedging and the ceiling, as the non-strict rules of
rules/smaf-stages.yaml state them (S-hedging, S-degree.count, S-unknown.possible, S-prereq,
S-degree, S-degree.none, S-unknown, S-unknown.none). CLIPS withdraws an activation when a
blocking fact arrives, so salience orders hedging before counting instead of strata.
Install with `pip install -e '.[bench]'`.
"""

from __future__ import annotations

from typing import Any

PROGRAM = """
(deftemplate indicator (slot indicator) (slot stage) (slot status) (slot depth_rank))
(deftemplate engagement (slot party) (slot partner) (slot indicator) (slot depth_rank))
(deftemplate pair (slot party) (slot other))
(deftemplate rivalry (slot state) (slot rival))
(deftemplate prerequisite (slot stage) (slot requires))
(deftemplate hedging-stage (slot stage))
(deftemplate excluded (slot indicator) (slot stage) (slot party) (slot partner) (slot rival_of))
(deftemplate counted (slot indicator) (slot stage) (slot depth_rank))
(deftemplate possible (slot indicator) (slot stage) (slot basis))
(deftemplate gap (slot stage) (slot missing))
(deftemplate degree (slot stage))
(deftemplate ceiling (slot stage))
(deftemplate case-start)

(defrule S-hedging (declare (salience 30))
  (indicator (indicator ?i) (stage ?s) (status present) (depth_rank ?r))
  (hedging-stage (stage ?s))
  (engagement (indicator ?i) (party ?p) (partner ?q) (depth_rank ?er&:(>= ?er ?r)))
  (pair (party ?p) (other ?o))
  (rivalry (state ?o) (rival ?q))
  =>
  (assert (excluded (indicator ?i) (stage ?s) (party ?p) (partner ?q) (rival_of ?o))))

(defrule S-degree.count (declare (salience 20))
  (indicator (indicator ?i) (stage ?s) (status present) (depth_rank ?r))
  (not (excluded (indicator ?i)))
  =>
  (assert (counted (indicator ?i) (stage ?s) (depth_rank ?r)))
  (assert (possible (indicator ?i) (stage ?s) (basis counted))))

(defrule S-unknown.possible (declare (salience 20))
  (indicator (indicator ?i) (stage ?s) (status unknown))
  =>
  (assert (possible (indicator ?i) (stage ?s) (basis unknown))))

(defrule S-prereq (declare (salience 10))
  (counted (stage ?s))
  (prerequisite (stage ?s) (requires ?m))
  (not (counted (stage ?m)))
  =>
  (assert (gap (stage ?s) (missing ?m))))

(defrule S-degree (declare (salience 10))
  (counted (stage ?s))
  (not (counted (stage ?t&:(> ?t ?s))))
  =>
  (assert (degree (stage ?s))))

(defrule S-degree.none (declare (salience 10))
  (case-start)
  (not (counted))
  =>
  (assert (degree (stage 0))))

(defrule S-unknown (declare (salience 10))
  (possible (stage ?s))
  (not (possible (stage ?t&:(> ?t ?s))))
  =>
  (assert (ceiling (stage ?s))))

(defrule S-unknown.none (declare (salience 10))
  (case-start)
  (not (possible))
  =>
  (assert (ceiling (stage 0))))
"""

_SLOTS = {"indicator": ("indicator", "stage", "status", "depth_rank"),
          "engagement": ("party", "partner", "indicator", "depth_rank"),
          "pair": ("party", "other"), "rivalry": ("state", "rival"),
          "prerequisite": ("stage", "requires")}


class ClipsClusterOne:
    """One CLIPS environment, reset per case (as the engine adapter deletes a session)."""

    def __init__(self, hedging_stages: list[int]) -> None:
        import clips

        self.clips = clips
        self.env = clips.Environment()
        for construct in _constructs(PROGRAM):
            self.env.build(construct)
        self.templates = {name: self.env.find_template(name) for name in _SLOTS}
        self.hedging = list(hedging_stages)

    def assess(self, facts: list[dict[str, Any]]) -> dict[str, Any]:
        """Degree, ceiling, excluded indicators and gaps of one case from its prepared facts."""
        env = self.env
        env.reset()
        env.find_template("case-start").assert_fact()
        hedging = env.find_template("hedging-stage")
        for stage in self.hedging:
            hedging.assert_fact(stage=stage)
        for fact in facts:
            template = self.templates.get(fact["type"])
            if template is None:
                continue
            slots = {}
            for name in _SLOTS[fact["type"]]:
                value = fact.get(name)
                slots[name] = self.clips.Symbol("nil") if value is None else (
                    self.clips.Symbol(value) if isinstance(value, str) else value)
            template.assert_fact(**slots)
        env.run()
        out: dict[str, Any] = {"degree": None, "ceiling": None, "excluded": [], "gaps": []}
        for fact in env.facts():
            name = fact.template.name
            if name == "degree":
                out["degree"] = fact["stage"]
            elif name == "ceiling":
                out["ceiling"] = fact["stage"]
            elif name == "excluded":
                out["excluded"].append(str(fact["indicator"]))
            elif name == "gap":
                out["gaps"].append((fact["stage"], fact["missing"]))
        out["excluded"] = sorted(set(out["excluded"]))
        return out


def _constructs(text: str) -> list[str]:
    """Split a CLIPS program into top-level constructs (balanced parentheses)."""
    out, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and start is not None:
                out.append(text[start:i + 1])
    return out
