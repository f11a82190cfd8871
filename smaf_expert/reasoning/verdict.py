"""The verdict: what an analyst gets (DOMAIN.md section 6), built from a run's derived facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smaf_expert.indicators import INDICATORS, LEVELS
from smaf_expert.reasoning.engine import Firing, RunResult

#: Fact types the verdict reads into its own fields; other derived facts go to `conclusions`.
CORE_TYPES = {"degree", "ceiling", "excluded", "finding", "counted", "possible", "gap", "valid",
              "discounted", "top_depth", "possible_gap", "possible_valid", "balance", "overall",
              "fit", "lacks", "common_threat", "lacks_orientation", "confidence",
              "confidence_issue"}


@dataclass
class Verdict:
    """How far the parties of a case are aligned at a year, why, and the reasoning behind it."""

    case: str
    name: str
    parties: list[str]
    year: int
    degree: int
    level: str
    depth: str | None
    ceiling: int
    profile: dict[str, dict[str, Any]]
    findings: list[dict[str, Any]]
    params: dict[str, Any]
    #: The packs that ran, each with the file it was read from.
    packs: dict[str, str]
    trace: list[Firing]
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    conclusions: dict[str, list[dict]] = field(default_factory=dict)
    incentives: dict[str, dict[str, Any]] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    #: Predictions of other theories' packs (facts of a type `*_prediction`), beside SMAF's.
    predictions: list[dict[str, Any]] = field(default_factory=list)
    #: How much the verdict rests on (low / moderate / high, with reasons), apart from it.
    confidence: dict[str, Any] = field(default_factory=dict)
    #: The prepared facts and every derived fact: what explanations work from (not in JSON).
    facts: list[dict] = field(default_factory=list, repr=False)
    derived: list[dict] = field(default_factory=list, repr=False)

    @property
    def strength(self) -> tuple[int, int, int]:
        """Order between cases (S-depth): degree, then depth of the top stage, then the number
        of high-depth stages that count."""
        ranks = {"low": 1, "developing": 2, "high": 3}
        highs = sum(1 for p in self.profile.values()
                    if p["status"] == "present" and p.get("depth") == "high")
        return self.degree, ranks.get(self.depth or "", 0), highs

    def findings_of(self, kind: str) -> list[dict[str, Any]]:
        """The findings of one kind."""
        return [f for f in self.findings if f["kind"] == kind]

    def as_dict(self) -> dict[str, Any]:
        """The verdict as the JSON contract of DOMAIN.md section 6."""
        return {
            "case": self.case, "name": self.name, "parties": self.parties, "year": self.year,
            "degree": self.degree, "level": self.level, "depth": self.depth,
            "ceiling": self.ceiling, "profile": self.profile, "findings": self.findings,
            "incentives": self.incentives, "fit": self.fit, "confidence": self.confidence,
            "predictions": self.predictions,
            "params": self.params, "packs": self.packs, "conclusions": self.conclusions,
            "trace": [f.as_dict() for f in self.trace], "evidence": self.evidence,
        }

    def _repr_html_(self) -> str:
        """A compact HTML card for notebooks: verdict, findings, profile, incentives, and the
        reasoning collapsed (reports/verdict.html.j2, styled like the report)."""
        from smaf_expert.rendering.render import render_verdict

        return render_verdict(self, "html")

    def to_frame(self) -> Any:
        """The profile as a pandas DataFrame, one row per indicator (index: indicator id;
        columns stage, status, depth, evidence, excluded_by). Needs pandas installed.

        """
        try:
            import pandas as pd
        except ImportError as err:
            from smaf_expert.errors import SmafError

            raise SmafError("Verdict.to_frame needs pandas: pip install pandas "
                            "(as_dict() gives the same data without it)") from err
        rows = [{"indicator": ind, "stage": p["stage"], "status": p["status"],
                 "depth": p["depth"], "evidence": ", ".join(p["evidence"]),
                 "excluded_by": (p["excluded_by"] or {}).get("partner")}
                for ind, p in self.profile.items()]
        return pd.DataFrame(rows).set_index("indicator")


def build_verdict(case: Any, year: int, facts: list[dict], result: RunResult,
                  params: dict[str, Any], packs: dict[str, str], sources: dict[str, Any]
                  ) -> Verdict:
    """Assemble the verdict from the prepared facts and the run's derived facts."""
    degree = (result.facts("degree") or [{"stage": 0, "level": "none", "depth": ""}])[0]
    ceiling = (result.facts("ceiling") or [{"stage": degree["stage"]}])[0]
    excluded = {f["indicator"]: f for f in result.facts("excluded")}
    discounted = {f["indicator"] for f in result.facts("discounted")}
    profile = {}
    indicator_facts = {f["indicator"]: f for f in facts if f["type"] == "indicator"}
    for ind in INDICATORS:
        fact = indicator_facts[ind.id]
        status = fact["status"]
        entry: dict[str, Any] = {"stage": ind.stage, "status": status,
                                 "depth": fact["depth"] or None, "evidence": fact["evidence"],
                                 "excluded_by": None}
        if ind.id in excluded:
            entry["status"] = "excluded"
            entry["excluded_by"] = {k: excluded[ind.id][k]
                                    for k in ("party", "partner", "rival_of")}
        elif ind.id in discounted:
            entry["discounted"] = True
        profile[ind.id] = entry
    findings = [{"kind": f["kind"], "rule": f["rule"], "text": f["text"],
                 "evidence": f.get("evidence", []),
                 **{k: f[k] for k in ("about", "items") if k in f}}
                for f in result.facts("finding")]
    conclusions: dict[str, list[dict]] = {}
    for fact in result.derived:
        if fact["type"] not in CORE_TYPES:
            conclusions.setdefault(fact["type"], []).append(fact)
    used = (cited_ids(result.firings)
            | {eid for p in profile.values() for eid in p["evidence"]}
            | {eid for f in findings for eid in f["evidence"]})
    incentives, fit = _incentives(result)
    return Verdict(
        case=case.id, name=case.name, parties=list(case.parties), year=year,
        degree=degree["stage"], level=degree.get("level") or LEVELS[degree["stage"]],
        depth=degree.get("depth") or None, ceiling=ceiling["stage"], profile=profile,
        findings=findings, params=params, packs=packs, trace=result.firings,
        evidence={eid: sources[eid] for eid in sorted(used) if eid in sources},
        conclusions=conclusions, incentives=incentives, fit=fit,
        facts=list(facts), derived=list(result.derived),
        confidence=_confidence(result), predictions=_predictions(result),
    )


def fact_ids(fact: dict) -> list[str]:
    """The ids a fact carries: its `evidence` and the ids it keeps per field (`evidence_by`)."""
    by = fact.get("evidence_by") or {}
    return [*(fact.get("evidence") or ()), *(eid for ids in by.values() for eid in ids)]


def cited_ids(firings: list[Firing]) -> set[str]:
    """Every id in a trace: of the firings and of every fact they matched or asserted."""
    out: set[str] = set()
    for firing in firings:
        out.update(firing.evidence)
        for fact in [*firing.matched.values(), *firing.asserted]:
            out.update(fact_ids(fact))
    return out


def _rules_asserting(result: RunResult, match: Any) -> list[str]:
    return list(dict.fromkeys(f.rule for f in result.firings
                              if any(match(a) for a in f.asserted)))


def _incentives(result: RunResult) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Cluster two, when its pack ran: each balance, the overall incentive and the fit."""
    balances = result.facts("balance")
    if not balances and not result.facts("overall"):
        return {}, {}
    out: dict[str, dict[str, Any]] = {}
    for name in ("bop", "bot", "boi"):
        fact = next((b for b in balances if b["name"] == name), None)
        if fact is None:
            out[name] = {"value": "undetermined", "measure": None, "reason": "no rule decided",
                         "rules": []}
            continue
        out[name] = {"value": fact["value"], "measure": fact.get("measure"),
                     "reason": fact.get("reason"), "evidence": fact.get("evidence", []),
                     "rules": _rules_asserting(result, lambda a, n=name: a["type"] == "balance"
                                               and a.get("name") == n)}
    overall = (result.facts("overall") or [{"value": "undetermined", "policy": None}])[0]
    out["overall"] = {"value": overall["value"], "policy": overall.get("policy"),
                      "rules": _rules_asserting(result, lambda a: a["type"] == "overall")}
    fit_fact = (result.facts("fit") or [None])[0]
    if fit_fact is None:
        fit = {"value": "undetermined", "expected": None, "rules": []}
    else:
        fit = {"value": fit_fact["value"], "expected": [fit_fact["low"], fit_fact["high"]],
               "rules": _rules_asserting(result, lambda a: a["type"] == "fit")}
    return out, fit


def _confidence(result: RunResult) -> dict[str, Any]:
    """The confidence pack's conclusion, when it ran."""
    level = result.facts("confidence")
    if not level:
        return {}
    return {"level": level[0]["level"],
            "reasons": list(dict.fromkeys(i["reason"] for i in result.facts("confidence_issue"))),
            "rules": _rules_asserting(result, lambda a: a["type"] in ("confidence",
                                                                      "confidence_issue"))}


def _predictions(result: RunResult) -> list[dict[str, Any]]:
    """Other theories' predictions, each with the pack that made it and the rules behind it."""
    out = []
    for firing in result.firings:
        for fact in firing.asserted:
            if fact["type"].endswith("_prediction") and fact["type"] != "bot_prediction":
                entry = {"pack": firing.pack, "rule": firing.rule,
                         **{k: v for k, v in fact.items() if k not in ("type", "evidence")}}
                if entry not in out:
                    out.append(entry)
    return out
