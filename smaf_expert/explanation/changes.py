"""Why a case changed from one year to the next: each change of an indicator's status or depth,
and of the degree, with its cause (the items that started or ended, the exclusion that began or
lapsed, the rivalry that began or ended), named by knowledge-entry ids."""

from __future__ import annotations

from typing import Any

from smaf_expert.indicators import BY_ID


def _started(ids: list[str], verdict: Any) -> list[str]:
    return sorted(i for i in ids if (verdict.evidence.get(i) or {}).get("since") == verdict.year)


def _ended(ids: list[str], before: Any) -> list[str]:
    return sorted(i for i in ids if (before.evidence.get(i) or {}).get("until") == before.year)


def _exclusions(verdict: Any) -> dict[str, dict]:
    return {f["indicator"]: f for f in verdict.derived if f["type"] == "excluded"}


def _why_excluded(fact: dict) -> str:
    return (f"{fact['party']} engages {fact['partner']}, a strategic rival of "
            f"{fact['rival_of']}")


def indicator_change(ind: str, before: Any, now: Any) -> dict[str, Any] | None:
    """The change of one indicator between two verdicts of consecutive years, with its cause;
    None when its status and depth are the same."""
    old, new = before.profile[ind], now.profile[ind]
    if (old["status"], old["depth"]) == (new["status"], new["depth"]):
        return None
    was_ex, is_ex = _exclusions(before).get(ind), _exclusions(now).get(ind)
    # Only items that made the indicator present start or end it; an absent indicator's
    # evidence is what bounds it, not what held.
    held = ("present", "excluded")
    old_held = old["evidence"] if old["status"] in held else []
    new_held = new["evidence"] if new["status"] in held else []
    gone = [i for i in old_held if i not in new_held]
    came = [i for i in new_held if i not in old_held]
    if is_ex and not was_ex:
        ids = list(is_ex.get("evidence") or [])
        began = _started(ids, now)
        cause = f"exclusion began: {_why_excluded(is_ex)}" + (
            f" (began: {', '.join(began)})" if began else "")
    elif was_ex and not is_ex and new["status"] == "present":
        ids = list(was_ex.get("evidence") or [])
        lapsed = _ended(ids, before)
        # It lapses when the rival engagement or the rivalry ends, or when the item here
        # deepens past the rival engagement.
        detail = [f"ended: {', '.join(lapsed)}"] if lapsed else []
        detail += [f"started: {', '.join(came)}"] if came else []
        ids = sorted(set(ids) | set(came))
        cause = f"exclusion lapsed: {_why_excluded(was_ex)} no longer counts" + (
            f" ({'; '.join(detail)})" if detail else "")
    else:
        ids = sorted(set(gone + came))
        parts = []
        if came:
            parts.append(f"started: {', '.join(came)}")
        if gone:
            parts.append(f"ended: {', '.join(gone)}")
        cause = "; ".join(parts) or (f"coded {new['status']}: {', '.join(new['evidence'])}"
                                     if new["evidence"] else f"now {new['status']}")
    return {"indicator": ind, "stage": BY_ID[ind].stage, "from": _label(old),
            "to": _label(new), "cause": cause, "evidence": ids}


def _label(entry: dict) -> str:
    if entry["status"] == "present":
        return entry["depth"] or "present"
    if entry["status"] == "excluded" and entry["depth"]:
        return f"excluded ({entry['depth']})"
    return entry["status"]


def year_changes(before: Any, now: Any) -> list[dict[str, Any]]:
    """Every change from `before` (year Y-1) to `now` (year Y): the indicators first, then the
    degree, whose cause names the indicator changes at the stages between the two degrees."""
    out = [c for ind in now.profile if (c := indicator_change(ind, before, now))]
    if now.degree != before.degree:
        low, high = sorted((before.degree, now.degree))
        behind = [c for c in out if low < c["stage"] <= high] or out
        verb = "rose" if now.degree > before.degree else "fell"
        out.append({"indicator": None, "stage": None, "from": before.degree, "to": now.degree,
                    "cause": f"degree {verb} {before.degree}->{now.degree}: " + "; ".join(
                        f"{c['indicator']} {c['from']}->{c['to']} ({c['cause']})"
                        for c in behind),
                    "evidence": sorted({i for c in behind for i in c["evidence"]})})
    return out
