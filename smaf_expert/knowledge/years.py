"""A case's years: the last coded year (DOMAIN.md section 6), shared by every command."""

from __future__ import annotations

import datetime

from smaf_expert.knowledge.loader import Alignment


def last_coded_year(case: Alignment) -> int | None:
    """The case's `coded_to` if it declares one, else the latest year in which any of its items
    starts or ends; never after the current year. None for a case without either."""
    last = case.coded_to if case.coded_to is not None else case.years()[1]
    return None if last is None else min(last, datetime.date.today().year)
