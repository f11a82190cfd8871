"""What the evidence of one indicator says at one year (S-time, S-unknown preparation)."""

from __future__ import annotations

from dataclasses import dataclass

from smaf_expert.indicators import DEPTH_RANK
from smaf_expert.knowledge.loader import Evidence


@dataclass(frozen=True)
class IndicatorState:
    """The status of an indicator at a year and the evidence items behind it."""

    status: str  # present | absent | unknown
    depth: str | None
    depth_rank: int
    evidence: tuple[str, ...]
    suspended: bool
    #: The lowest confidence of the items behind a present indicator (1 low .. 3 high), else 0.
    confidence_rank: int = 0

    @property
    def present(self) -> bool:
        """Whether the indicator holds."""
        return self.status == "present"


UNKNOWN = IndicatorState("unknown", None, 0, (), False)
CONFIDENCE_RANK = {"low": 1, "medium": 2, "high": 3}


def indicator_state(items: list[Evidence], year: int) -> IndicatorState:
    """Status of one indicator at `year` from all of its evidence items in a case.

    No items at all: unknown. Items, none in force at the year: absent (the items' dates bound
    when the indicator held). A suspension in force stops every present item that began no
    later than the suspension; a present item beginning after it counts again (reactivation).
    """
    if not items:
        return UNKNOWN
    holding = [e for e in items if e.holds(year)]
    suspensions = [e for e in holding if e.status == "suspended"]
    cut = max((e.since for e in suspensions), default=None)
    present = [e for e in holding if e.status == "present" and (cut is None or e.since > cut)]
    if present:
        depth = max((e.depth for e in present), key=lambda d: DEPTH_RANK[d])
        return IndicatorState("present", depth, DEPTH_RANK[depth],
                              tuple(e.id for e in present), False,
                              min(CONFIDENCE_RANK[e.confidence] for e in present))
    behind = suspensions or [e for e in holding if e.status == "absent"]
    return IndicatorState("absent", None, 0, tuple(e.id for e in behind), bool(suspensions))


def ended_between(items: list[Evidence], year: int) -> tuple[str, ...]:
    """Evidence items in force at `year - 1` that no longer count at `year`, and suspensions."""
    before = indicator_state(items, year - 1)
    now = indicator_state(items, year)
    gone = tuple(e for e in before.evidence if e not in now.evidence)
    started_suspensions = tuple(e.id for e in items
                                if e.status == "suspended" and e.since == year)
    return gone + started_suspensions
