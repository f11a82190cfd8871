"""The seven ordered indicators of SMAF's cluster one (Korolev 2024; DOMAIN.md section 1)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """One stage of military cooperation."""

    stage: int
    id: str
    name: str
    level: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator(1, "cbm", "confidence-building measures", "early"),
    Indicator(2, "consultations", "mechanism of regular inter-military consultations", "early"),
    Indicator(3, "mtc", "military-technical cooperation with regular personnel exchange",
              "moderate"),
    Indicator(4, "exercises", "regular joint military exercises", "moderate"),
    Indicator(5, "integrated_command", "integrated military command", "advanced"),
    Indicator(6, "joint_deployment", "joint troop placements or military base exchange",
              "advanced"),
    Indicator(7, "common_defence_policy", "common defence policy", "advanced"),
)
BY_ID = {ind.id: ind for ind in INDICATORS}
BY_STAGE = {ind.stage: ind for ind in INDICATORS}
LEVELS = {0: "none", **{ind.stage: ind.level for ind in INDICATORS}}
DEPTHS = ("low", "developing", "high")
DEPTH_RANK = {"low": 1, "developing": 2, "high": 3}
