"""`smaf import`: knowledge from the field's datasets (placeholder until the importers land)."""

from __future__ import annotations

COMMANDS: list = []
