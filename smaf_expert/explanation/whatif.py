"""What if: a verdict under an assumed indicator or without an evidence item, and the diff.

A scenario is a changed copy of the knowledge base; the rules run on it as on any other, so a
what-if answer has the same trace as a verdict. Pivotal evidence is the what-if of dropping
each cited item alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from smaf_expert.errors import AssessmentError
from smaf_expert.indicators import BY_ID, DEPTHS
from smaf_expert.knowledge.loader import Evidence, KnowledgeBase
from smaf_expert.reasoning.assess import Assessor
from smaf_expert.reasoning.verdict import Verdict

STATUSES = ("present", "absent")


def scenario_text(assume: list[str] | tuple[str, ...], drop: list[str] | tuple[str, ...]) -> str:
    """The scenario as a reader sees it: "assume X, drop Y" (the text output and PROV)."""
    return ", ".join([f"assume {a}" for a in assume] + [f"drop {d}" for d in drop])


def assumed_id(indicator: str) -> str:
    """The id of the evidence item an `--assume` of `indicator` puts in the scenario."""
    return f"assumed-{indicator}"


def parse_assumption(text: str) -> tuple[str, str, str | None]:
    """`INDICATOR=present[:DEPTH]` or `INDICATOR=absent` as (indicator, status, depth)."""
    indicator, sep, rest = text.partition("=")
    status, _, depth = rest.partition(":")
    if not sep or indicator not in BY_ID:
        raise AssessmentError(f"--assume {text!r}: expected INDICATOR=present[:DEPTH] with "
                              f"INDICATOR one of {', '.join(BY_ID)}")
    if status not in STATUSES:
        raise AssessmentError(f"--assume {text!r}: the status is present or absent")
    if status == "present" and (depth or "developing") not in DEPTHS:
        raise AssessmentError(f"--assume {text!r}: the depth is one of {', '.join(DEPTHS)}")
    return indicator, status, (depth or "developing") if status == "present" else None


def scenario(kb: KnowledgeBase, case_id: str, year: int,
             assume: list[tuple[str, str, str | None]] = (), drop: list[str] = ()
             ) -> KnowledgeBase:
    """A copy of `kb` where the case has the assumed indicators from `year` on (replacing its
    items for them) and the dropped evidence items (of any case) are gone."""
    unknown = [eid for eid in drop if eid not in kb.evidence]
    if unknown:
        raise AssessmentError(f"--drop: no evidence item {', '.join(map(repr, unknown))} in "
                              "the knowledge base")
    alignments = dict(kb.alignments)
    for cid, case in kb.alignments.items():
        items = [e for e in case.evidence if e.id not in drop]
        if cid == case_id:
            assumed = {ind for ind, _, _ in assume}
            items = [e for e in items if e.indicator not in assumed]
            items += [Evidence(id=assumed_id(ind), case=cid, indicator=ind, status=status,
                               depth=depth, since=year, until=None,
                               claim=f"assumed by the analyst: {ind} {status}",
                               sources=("--assume",), confidence="low")
                      for ind, status, depth in assume]
        if len(items) != len(case.evidence) or cid == case_id:
            alignments[cid] = replace(case, evidence=tuple(items))
    evidence = {e.id: e for c in alignments.values() for e in c.evidence}
    return replace(kb, alignments=alignments, evidence=evidence)


def what_if(assessor: Assessor, case_id: str, year: int | None,
            assume: list[str] = (), drop: list[str] = ()) -> tuple[Verdict, Verdict]:
    """The verdict as it is and under the scenario."""
    base = assessor.assess(case_id, year)
    kb = scenario(assessor.kb, case_id, base.year, [parse_assumption(a) for a in assume],
                  list(drop))
    return base, assessor.on(kb).assess(case_id, base.year)


def summary(v: Verdict) -> dict[str, Any]:
    """The parts of a verdict a diff compares."""
    inc = v.incentives or {}
    return {"degree": v.degree, "level": v.level, "depth": v.depth, "ceiling": v.ceiling,
            **{f"profile.{k}": f"{p['status']}{':' + p['depth'] if p['depth'] else ''}"
               for k, p in v.profile.items()},
            **{k: (inc.get(k) or {}).get("value") for k in ("bop", "bot", "boi", "overall")},
            "fit": (v.fit or {}).get("value")}


def diff(before: Verdict, after: Verdict) -> dict[str, Any]:
    """What changed: fields with their old and new values, findings gained and lost."""
    a, b = summary(before), summary(after)
    fields = {k: [a[k], b[k]] for k in a if a[k] != b.get(k)}
    texts_a = {(f["kind"], f["text"]) for f in before.findings}
    texts_b = {(f["kind"], f["text"]) for f in after.findings}
    return {"changed": fields,
            "findings_gained": [{"kind": k, "text": t} for k, t in sorted(texts_b - texts_a)],
            "findings_lost": [{"kind": k, "text": t} for k, t in sorted(texts_a - texts_b)]}


def pivotal(assessor: Assessor, case_id: str, year: int | None = None) -> list[dict[str, Any]]:
    """Evidence items whose removal alone changes the degree, a balance or the fit."""
    base = assessor.assess(case_id, year)
    watched = ("degree", "bop", "bot", "boi", "overall", "fit")
    out = []
    # Evidence items only: the verdict also cites GNP points, perceptions and relations, which
    # a --drop cannot remove.
    for eid in sorted(e for e in base.evidence if e in assessor.kb.evidence):
        kb = scenario(assessor.kb, case_id, base.year, drop=[eid])
        after = assessor.on(kb).assess(case_id, base.year)
        changes = {k: v for k, v in diff(base, after)["changed"].items() if k in watched}
        if changes:
            out.append({"evidence": eid, "claim": base.evidence[eid]["claim"],
                        "case": base.evidence[eid]["case"], "changes": changes})
    return out
