"""How a verdict changes across the range of one parameter (an interpretation left open)."""

from __future__ import annotations

from typing import Any

from smaf_expert.errors import AssessmentError
from smaf_expert.reasoning.assess import Assessor

#: The most values one sweep may take (each is one assessment).
MAX_VALUES = 100_000


def parse_range(text: str) -> list[Any]:
    """`START:STOP:STEP` (inclusive) or `A,B,C` as a list of values (numbers where they are
    numbers, else strings: `combine.policy=min,median`)."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if step <= 0 or stop < start:
                raise ValueError("STEP must be positive and STOP not below START")
            count = int(round((stop - start) / step)) + 1
            if count > MAX_VALUES:
                raise ValueError(f"{count} values, more than the {MAX_VALUES} a sweep may have")
            return [round(start + i * step, 10) for i in range(count)]
        items = [x.strip() for x in text.split(",") if x.strip()]
        if not items:
            raise ValueError("no values")
        try:
            return [float(x) for x in items]
        except ValueError:
            return items
    except (ValueError, OverflowError) as err:
        raise AssessmentError(f"bad range {text!r}: {err} (expected START:STOP:STEP or A,B,C)"
                              ) from err


def sensitivity(base: Assessor, case_id: str, year: int | None, name: str,
                values: list[Any], jobs: int = 1) -> list[dict[str, Any]]:
    """One row per value of parameter `name`: degree, balances, overall incentive and fit
    (the values assessed on `jobs` processes, the rows in the order of `values`)."""
    from smaf_expert.parallel import ordered_map

    return ordered_map(_row, (base, case_id, year, name), values, jobs)


def _row(shared: tuple[Assessor, str, int | None, str], value: Any) -> dict[str, Any]:
    base, case_id, year, name = shared
    v = Assessor(base.kb, base.packs, {**base.changed, name: value}).assess(case_id, year)
    inc = v.incentives or {}
    return {"value": value, "year": v.year, "degree": v.degree,
            **{k: (inc.get(k) or {}).get("value") for k in ("bop", "bot", "boi", "overall")},
            "r": (inc.get("bop") or {}).get("measure"), "fit": v.fit.get("value"),
            "findings": sorted({f["kind"] for f in v.findings})}
