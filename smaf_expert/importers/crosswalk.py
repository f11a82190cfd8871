"""One crosswalk between the codes and names of the field's datasets: ISO3 <-> COW <-> SIPRI.

The knowledge base names states by ISO 3166-1 alpha-3 code; Correlates of War (COW) and the
datasets built on it (Thompson and Dreyer's rivalries) use numeric `ccode`s; SIPRI uses its own
English country names. Nothing here is guessed: a code or name that is not in the table, or that
is ambiguous without a year, is reported by the importer as unmapped, never approximated.

Known traps, decided here once (each a row of `COW_PERIODS` with its years):

- COW 365 is one state from 1816 on (Russia, the Soviet Union, Russia again). ISO has RUS and
  the withdrawn SUN: 365 is RUS until 1921, SUN 1922-1991, RUS from 1992 (the knowledge base's
  SUN ends in 1991). SIPRI writes "Soviet Union" and "Russia".
- COW 345 is Serbia (1878-1915), Yugoslavia (1918-1991), Serbia and Montenegro (1992-2005) and
  Serbia (2006-): SRB, the withdrawn YUG, the withdrawn SCG, SRB.
- Germany: COW 255 (Germany to 1945 and from 1990), 260 (German Federal Republic, 1955-1990)
  both map to DEU; 265 (German Democratic Republic) to the withdrawn DDR. The `cow` of DEU is
  255, the code of its latest period. SIPRI: "Germany", "West Germany (FRG)", "East Germany
  (GDR)".
- Viet Nam: COW 816 (North Viet Nam, then Viet Nam) maps to VNM. COW 817 (Republic of Vietnam,
  1954-1975) has no ISO 3166-1 code, so it is left unmapped (reported), as is SIPRI's
  "South Vietnam".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: (ISO3, COW ccode, COW abbreviation, first year, last year or None) for year-bound mappings;
#: a code not listed here maps to its ISO3 in every year (see `_COW`).
COW_PERIODS: tuple[tuple[str, int, str, int, int | None], ...] = (
    ("RUS", 365, "RUS", 1816, 1921),
    ("SUN", 365, "RUS", 1922, 1991),
    ("RUS", 365, "RUS", 1992, None),
    ("SRB", 345, "YUG", 1878, 1917),
    ("YUG", 345, "YUG", 1918, 1991),
    ("SCG", 345, "YUG", 1992, 2005),
    ("SRB", 345, "YUG", 2006, None),
    ("DEU", 255, "GMY", 1816, None),
    ("DEU", 260, "GFR", 1955, 1990),
    ("DDR", 265, "GDR", 1954, 1990),
)

#: ISO3 -> (COW ccode, COW abbreviation, SIPRI names) for states with one code in all years.
_COW: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "USA": (2, "USA", ("United States",)), "CAN": (20, "CAN", ("Canada",)),
    "CUB": (40, "CUB", ("Cuba",)), "MEX": (70, "MEX", ("Mexico",)),
    "COL": (100, "COL", ("Colombia",)), "VEN": (101, "VEN", ("Venezuela",)),
    "BRA": (140, "BRA", ("Brazil",)), "CHL": (155, "CHL", ("Chile",)),
    "ARG": (160, "ARG", ("Argentina",)), "GBR": (200, "UKG", ("United Kingdom",)),
    "NLD": (210, "NTH", ("Netherlands",)), "BEL": (211, "BEL", ("Belgium",)),
    "FRA": (220, "FRN", ("France",)), "ESP": (230, "SPN", ("Spain",)),
    "PRT": (235, "POR", ("Portugal",)), "POL": (290, "POL", ("Poland",)),
    "AUT": (305, "AUS", ("Austria",)), "HUN": (310, "HUN", ("Hungary",)),
    "CZE": (316, "CZR", ("Czechia", "Czech Republic")),
    "ITA": (325, "ITA", ("Italy",)), "GRC": (350, "GRC", ("Greece",)),
    "CYP": (352, "CYP", ("Cyprus",)), "BGR": (355, "BUL", ("Bulgaria",)),
    "ROU": (360, "ROM", ("Romania",)), "UKR": (369, "UKR", ("Ukraine",)),
    "BLR": (370, "BLR", ("Belarus",)), "ARM": (371, "ARM", ("Armenia",)),
    "GEO": (372, "GRG", ("Georgia",)), "AZE": (373, "AZE", ("Azerbaijan",)),
    "FIN": (375, "FIN", ("Finland",)), "SWE": (380, "SWD", ("Sweden",)),
    "NOR": (385, "NOR", ("Norway",)), "DNK": (390, "DEN", ("Denmark",)),
    "NGA": (475, "NIG", ("Nigeria",)), "ETH": (530, "ETH", ("Ethiopia",)),
    "ZAF": (560, "SAF", ("South Africa",)), "MAR": (600, "MOR", ("Morocco",)),
    "DZA": (615, "ALG", ("Algeria",)), "LBY": (620, "LIB", ("Libya",)),
    "IRN": (630, "IRN", ("Iran",)), "TUR": (640, "TUR", ("Turkiye", "Turkey")),
    "IRQ": (645, "IRQ", ("Iraq",)), "EGY": (651, "EGY", ("Egypt",)),
    "SYR": (652, "SYR", ("Syria",)), "LBN": (660, "LEB", ("Lebanon",)),
    "JOR": (663, "JOR", ("Jordan",)), "ISR": (666, "ISR", ("Israel",)),
    "SAU": (670, "SAU", ("Saudi Arabia",)), "ARE": (696, "UAE", ("United Arab Emirates", "UAE")),
    "AFG": (700, "AFG", ("Afghanistan",)), "KAZ": (705, "KZK", ("Kazakhstan",)),
    "CHN": (710, "CHN", ("China",)), "MNG": (712, "MON", ("Mongolia",)),
    "TWN": (713, "TAW", ("Taiwan",)), "PRK": (731, "PRK", ("North Korea",)),
    "KOR": (732, "ROK", ("South Korea",)), "JPN": (740, "JPN", ("Japan",)),
    "IND": (750, "IND", ("India",)), "PAK": (770, "PAK", ("Pakistan",)),
    "BGD": (771, "BNG", ("Bangladesh",)), "MMR": (775, "MYA", ("Myanmar",)),
    "LKA": (780, "SRI", ("Sri Lanka",)), "NPL": (790, "NEP", ("Nepal",)),
    "THA": (800, "THI", ("Thailand",)), "KHM": (811, "CAM", ("Cambodia",)),
    "LAO": (812, "LAO", ("Laos",)), "VNM": (816, "DRV", ("Viet Nam", "North Vietnam")),
    "MYS": (820, "MAL", ("Malaysia",)), "SGP": (830, "SIN", ("Singapore",)),
    "PHL": (840, "PHI", ("Philippines",)), "IDN": (850, "INS", ("Indonesia",)),
    "AUS": (900, "AUL", ("Australia",)), "NZL": (920, "NEW", ("New Zealand",)),
}

#: SIPRI names of the year-bound states (the others are in `_COW`).
_SIPRI_EXTRA: dict[str, str] = {
    "Soviet Union": "SUN", "Russia": "RUS", "Yugoslavia": "YUG",
    "Serbia and Montenegro": "SCG", "Serbia": "SRB", "Germany": "DEU",
    "West Germany (FRG)": "DEU", "West Germany": "DEU", "East Germany (GDR)": "DDR",
    "East Germany": "DDR",
}


@dataclass(frozen=True)
class Span:
    """An ISO3 code that a COW code stands for in the years first..last (None: open)."""

    iso3: str
    first: int | None
    last: int | None


def _key(name: str) -> str:
    # Only spacing and case are normalised: anything else would be a guess.
    return re.sub(r"\s+", " ", name).strip().casefold()


_BY_NAME: dict[str, str] = {_key(n): iso for iso, (_, _, names) in _COW.items() for n in names}
_BY_NAME.update({_key(n): iso for n, iso in _SIPRI_EXTRA.items()})


def iso3_of_sipri(name: str) -> str | None:
    """The ISO3 code of a SIPRI country name, or None when the table does not have it."""
    return _BY_NAME.get(_key(name))


def cow_spans(ccode: int) -> list[Span]:
    """The ISO3 codes a COW ccode stands for, by period ([] when the code is not known)."""
    periods = [Span(iso, a, b) for iso, code, _, a, b in COW_PERIODS if code == ccode]
    if periods:
        return periods
    return [Span(iso, None, None) for iso, (code, _, _) in _COW.items() if code == ccode]


def iso3_of_cow(ccode: int, year: int) -> str | None:
    """The ISO3 code of a COW ccode in one year, or None."""
    for span in cow_spans(ccode):
        if (span.first is None or span.first <= year) and (span.last is None or year <= span.last):
            return span.iso3
    return None


def split_by_cow(ccode: int, first: int, last: int | None) -> list[tuple[str, int, int | None]]:
    """The years first..last (None: open) cut where the ccode changes ISO3 (e.g. 365 at 1922
    and 1992): one (iso3, first, last) per piece; years no span covers are left out."""
    pieces = []
    for span in cow_spans(ccode):
        lo = first if span.first is None else max(first, span.first)
        if last is None:
            hi = span.last
        else:
            hi = last if span.last is None else min(last, span.last)
        if hi is None or lo <= hi:
            pieces.append((span.iso3, lo, hi))
    return sorted(pieces, key=lambda p: p[1])


def cow_of_iso3(iso3: str) -> int | None:
    """The COW ccode of an ISO3 code (for DEU, 255; for SUN and RUS, 365)."""
    if iso3 in _COW:
        return _COW[iso3][0]
    codes = [(b is None, code) for iso, code, _, _, b in COW_PERIODS if iso == iso3]
    # The code of the latest period: the one still in use, if any.
    return max(codes)[1] if codes else None

