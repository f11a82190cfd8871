"""Regenerate the golden verdict corpus: `python tests/golden/regen.py`.

Every shipped case at its default year and at a few fixed years, as the JSON of
`smaf assess --format json`. tests/golden/test_golden.py compares fresh verdicts with these files
byte for byte, so a refactoring that must not change verdicts (issue 16: lazy texts, the fact
filter) is checked against the corpus. When a branch changes verdicts on purpose, regenerate
after the change and review the diff of this folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Years assessed besides each case's default (latest with evidence); skipped where a party did
#: not exist.
YEARS = (1985, 2005, 2014, 2020)


def corpus() -> dict[str, str]:
    """File name -> JSON text of the verdict, for every case and year of the corpus."""
    from smaf_expert.errors import AssessmentError
    from smaf_expert.reasoning.assess import make_assessor
    from smaf_expert.rendering.render import to_json

    assessor = make_assessor()
    # Verdicts name the files behind each entry and pack: compare them relative to the folder
    # that holds the knowledge base and the packs, so the corpus holds in any clone.
    home = str(Path(assessor.kb.root).resolve().parent)
    out: dict[str, str] = {}
    for case_id in sorted(assessor.kb.alignments):
        default = assessor.default_year(assessor.case(case_id))
        for year in sorted({default, *YEARS}):
            try:
                verdict = assessor.assess(case_id, year)
            except AssessmentError:
                continue  # a party did not exist that year
            name = f"{case_id}@{year}.json" if year != default else f"{case_id}.json"
            out[name] = to_json(verdict.as_dict()).replace(home, "<home>") + "\n"
    return out


def main() -> int:
    target = HERE / "verdicts"
    target.mkdir(exist_ok=True)
    files = corpus()
    for old in target.glob("*.json"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} verdicts to {target}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    sys.exit(main())
