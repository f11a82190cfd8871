"""Pack examples: small cases written into a pack, run through the assessor, checked.

A pack may end with an `examples:` list. Each example is a tiny knowledge base and what the
verdict on one case of it must say:

```yaml
examples:
  - name: hedging with a rival excludes the exercises   # unique within the pack
    note: optional free text
    states:                         # id -> the state file's mapping (`id`, `name` filled in)
      AAA: {name: State A, rivals: [CCC]}
      BBB: {name: State B}
    alignments:                     # id -> the alignment file's mapping (`id` filled in)
      a-b: {parties: [AAA, BBB], evidence: [...]}
    relations: [...]                # the list of relations.yaml
    taxonomy: {territorial: ...}    # threat categories (or {threat_categories: {...}})
    quasi: {id: {...}}              # quasi-alliance triads, as in quasi/ID.yaml
    # or, instead of the five above:  knowledge: path/to/kb  (relative to the pack file)
    case: a-b
    year: 2010                      # default: the case's latest year with evidence
    params: {prereq.strict: true}   # optional --param values
    strict: false                   # optional, as --strict
    rules: [other-pack.yaml]        # optional extra packs (relative to the pack file)
    expect:
      degree: 2                     # also: ceiling, level, depth
      findings: [hedging]           # kinds that must appear
      absent_findings: [paper_alliance]
      fires: [S-hedging]            # rule ids that must fire ...
      silent: [S-degree.none]       # ... and that must not
      profile: {exercises: excluded}            # indicator -> status in the profile
      incentives: {bop: strong, overall: weak}  # bop, bot, boi, overall -> value
      fit: above
```

Each example runs through `make_assessor(kb_path, rules=[...], params=...)`, the shipped packs
plus the pack itself (when it is not one of them) and its `rules`. Finding kinds and rule ids
under `expect` must exist in the loaded packs, so a misspelt one fails instead of passing
silently.
"""

from __future__ import annotations

import difflib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from smaf_expert.errors import SmafError
from smaf_expert.indicators import BY_ID
from smaf_expert.paths import default_rules
from smaf_expert.yamlio import read_yaml

#: Keys of an example.
EXAMPLE_KEYS = ("name", "note", "knowledge", "states", "alignments", "relations", "taxonomy",
                "quasi", "case", "year", "params", "strict", "rules", "expect")
#: Keys of an example's `expect`.
EXPECT_KEYS = ("degree", "ceiling", "level", "depth", "findings", "absent_findings", "fires",
               "silent", "profile", "incentives", "fit")
_INLINE = ("states", "alignments", "relations", "taxonomy", "quasi")
_BALANCES = ("bop", "bot", "boi", "overall")


@dataclass
class ExampleResult:
    """The outcome of one example: passed, failed (with the mismatches) or could not run."""

    pack: str
    path: str
    line: int | None
    name: str
    passed: bool
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def status(self) -> str:
        """`pass`, `fail` (the verdict differs from `expect`) or `error` (it could not run)."""
        return "pass" if self.passed else ("error" if self.error else "fail")

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        head = f"{where}: {self.status.upper()} {self.pack}: {self.name}"
        details = [self.error] if self.error else self.mismatches
        return "\n".join([head, *(f"    {d}" for d in details)])


def _suggest(word: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_knowledge(example: dict[str, Any], root: Path) -> Path:
    """Write an example's inline knowledge base under `root`, each part as its file would be;
    `id` (and a state's `name`) are filled in from the mapping keys."""
    (root / "states").mkdir(parents=True, exist_ok=True)
    for sid, body in (example.get("states") or {}).items():
        _dump(root / "states" / f"{sid}.yaml", {"id": sid, "name": sid, **(body or {})})
    for cid, body in (example.get("alignments") or {}).items():
        _dump(root / "alignments" / f"{cid}.yaml", {"id": cid, **(body or {})})
    for qid, body in (example.get("quasi") or {}).items():
        _dump(root / "quasi" / f"{qid}.yaml", {"id": qid, **(body or {})})
    if example.get("relations") is not None:
        _dump(root / "relations.yaml", example["relations"])
    taxonomy = example.get("taxonomy")
    if taxonomy is not None:
        if not (isinstance(taxonomy, dict) and "threat_categories" in taxonomy):
            taxonomy = {"threat_categories": taxonomy}
        _dump(root / "taxonomy.yaml", taxonomy)
    return root


def _is_shipped(path: Path) -> bool:
    try:
        return path.resolve().parent == default_rules().resolve()
    except OSError:
        return False


def _pack_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    return files


def _shape_problems(example: Any) -> list[str]:
    """What is wrong with an example before anything runs."""
    if not isinstance(example, dict):
        return ["an example is a mapping with `name`, a knowledge base, `case` and `expect`"]
    out = [f"unknown example field {k!r}{_suggest(k, EXAMPLE_KEYS)}"
           for k in example if k not in EXAMPLE_KEYS]
    if not example.get("case"):
        out.append("`case` is missing: name the case (alignment id) to assess")
    if "knowledge" in example and any(k in example for k in _INLINE):
        out.append("give either `knowledge` (a path) or an inline knowledge base, not both")
    if "knowledge" not in example and not example.get("states"):
        out.append("no knowledge base: give `states` and `alignments` inline, or `knowledge`")
    expect = example.get("expect")
    if not isinstance(expect, dict) or not expect:
        out.append("`expect` is missing or empty: say what the verdict must show")
    else:
        out += [f"unknown `expect` field {k!r}{_suggest(k, EXPECT_KEYS)}; fields: "
                f"{', '.join(EXPECT_KEYS)}" for k in expect if k not in EXPECT_KEYS]
    return out


def _known_names(assessor: Any) -> tuple[set[str], set[str]]:
    """Rule ids and finding kinds of the loaded packs."""
    rules = {r.id for p in assessor.packs for r in p.rules}
    kinds = {item["finding"]["kind"] for p in assessor.packs for r in p.rules
             for item in r.then if isinstance(item.get("finding"), dict)}
    return rules, kinds


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def compare(verdict: Any, expect: dict[str, Any], rule_ids: set[str], kinds: set[str]
            ) -> tuple[list[str], list[str]]:
    """(mismatches, errors) of a verdict against an example's `expect`; errors are
    expectations that name what does not exist (they could never be met, or never fail)."""
    bad: list[str] = []
    wrong: list[str] = []
    for key in ("degree", "ceiling", "level", "depth"):
        if key in expect and getattr(verdict, key) != expect[key]:
            bad.append(f"{key}: expected {expect[key]!r}, got {getattr(verdict, key)!r}")
    made: dict[str, list[dict]] = {}
    for f in verdict.findings:
        made.setdefault(f["kind"], []).append(f)
    for kind in _as_list(expect.get("findings", [])):
        if kind not in kinds:
            wrong.append(f"findings: no rule makes a finding of kind {kind!r}"
                         f"{_suggest(kind, kinds)}")
        elif kind not in made:
            bad.append(f"finding {kind!r} expected, not made (made: "
                       f"{', '.join(sorted(made)) or 'none'})")
    for kind in _as_list(expect.get("absent_findings", [])):
        if kind not in kinds:
            wrong.append(f"absent_findings: no rule makes a finding of kind {kind!r}"
                         f"{_suggest(kind, kinds)}")
        elif kind in made:
            first = made[kind][0]
            bad.append(f"finding {kind!r} made by {first['rule']}, expected none: "
                       f"{first['text']}")
    fired = list(dict.fromkeys(f.rule for f in verdict.trace))
    for rid in _as_list(expect.get("fires", [])):
        if rid not in rule_ids:
            wrong.append(f"fires: unknown rule id {rid!r}{_suggest(rid, rule_ids)}")
        elif rid not in fired:
            bad.append(f"rule {rid} did not fire (fired: {', '.join(fired) or 'none'})")
    for rid in _as_list(expect.get("silent", [])):
        if rid not in rule_ids:
            wrong.append(f"silent: unknown rule id {rid!r}{_suggest(rid, rule_ids)}")
        elif rid in fired:
            firing = next(f for f in verdict.trace if f.rule == rid)
            bad.append(f"rule {rid} fired, expected silent: {firing.explanation}")
    for ind, status in (expect.get("profile") or {}).items():
        if ind not in BY_ID:
            wrong.append(f"profile: unknown indicator {ind!r}{_suggest(ind, BY_ID)}")
        elif verdict.profile[ind]["status"] != status:
            bad.append(f"profile {ind}: expected {status!r}, got "
                       f"{verdict.profile[ind]['status']!r}")
    for name, value in (expect.get("incentives") or {}).items():
        if name not in _BALANCES:
            wrong.append(f"incentives: unknown balance {name!r}; balances: "
                         f"{', '.join(_BALANCES)}")
            continue
        got = (verdict.incentives.get(name) or {}).get("value", "not assessed")
        if got != value:
            reason = (verdict.incentives.get(name) or {}).get("reason")
            bad.append(f"incentives {name}: expected {value!r}, got {got!r}"
                       + (f" ({reason})" if reason else ""))
    if "fit" in expect:
        got = (verdict.fit or {}).get("value", "not assessed")
        if got != expect["fit"]:
            bad.append(f"fit: expected {expect['fit']!r}, got {got!r}")
    return bad, wrong


def run_example(pack_path: Path, example: dict[str, Any], pack_name: str = "",
                line: int | None = None) -> ExampleResult:
    """Run one example of the pack at `pack_path` and compare its verdict with `expect`."""
    from smaf_expert.reasoning.assess import make_assessor

    name = str(example.get("name") or "(unnamed)") if isinstance(example, dict) else "(?)"
    result = ExampleResult(pack_name or pack_path.stem, str(pack_path), line, name, False)
    problems = _shape_problems(example)
    if problems:
        result.error = "; ".join(problems)
        return result
    here = pack_path.parent
    extra = [] if _is_shipped(pack_path) else [pack_path]
    extra += [here / r for r in _as_list(example.get("rules") or [])
              if not _is_shipped(here / r)]
    with tempfile.TemporaryDirectory(prefix="smaf-example-") as tmp:
        kb = (here / example["knowledge"] if "knowledge" in example
              else write_knowledge(example, Path(tmp) / "kb"))
        try:
            assessor = make_assessor(kb, rules=extra, params=example.get("params") or {},
                                     strict=bool(example.get("strict", False)))
            verdict = assessor.assess(str(example["case"]), example.get("year"))
        except SmafError as err:
            # Temporary paths mean nothing to the reader: name the example instead.
            result.error = err.message.replace(str(Path(tmp) / "kb"), f"<example {name!r}>")
            return result
    rule_ids, kinds = _known_names(assessor)
    result.mismatches, wrong = compare(verdict, example["expect"], rule_ids, kinds)
    if wrong:
        result.error = "; ".join(wrong)
    result.passed = not result.mismatches and not wrong
    return result


def run_examples(pack_paths: list[Path], only: str | None = None, jobs: int = 1
                 ) -> list[ExampleResult]:
    """Run the examples of the packs at `pack_paths` (files, or folders of *.yaml), or only
    those whose name contains `only`; one result per example, in file order (examples run on
    `jobs` processes)."""
    from smaf_expert.parallel import ordered_map

    # Results in file order; an example still to run is its arguments until the pool ran it.
    results: list[Any] = []
    for path in _pack_files(pack_paths):
        doc, problem = read_yaml(path)
        if problem or not isinstance(doc.data, dict):
            results.append(ExampleResult(path.stem, str(path), problem.line if problem else None,
                                         "(pack)", False,
                                         error=problem.message if problem else "not a pack"))
            continue
        pack = str(doc.data.get("pack") or path.stem)
        examples = doc.data.get("examples") or []
        if examples and doc.data.get("scope", "case") != "case":
            # An example checks a case verdict; network packs have none to check yet.
            results.append(ExampleResult(pack, str(path), doc.line(("examples",)), "(examples)",
                                         False, error="examples are supported only for packs "
                                         "of scope `case`"))
            continue
        if not isinstance(examples, list):
            results.append(ExampleResult(pack, str(path), doc.line(("examples",)), "(examples)",
                                         False, error="`examples` must be a list"))
            continue
        names: set[str] = set()
        for i, example in enumerate(examples):
            name = str(example.get("name")) if isinstance(example, dict) else ""
            if only and only not in name:
                continue
            line = doc.line(("examples", i))
            if name in names:
                results.append(ExampleResult(pack, str(path), line, name, False,
                                             error="another example has this name"))
                continue
            names.add(name)
            results.append((path, example, pack, line))
    todo = [r for r in results if isinstance(r, tuple)]
    done = iter(ordered_map(_run_one, None, todo, jobs))
    return [next(done) if isinstance(r, tuple) else r for r in results]


def _run_one(_: None, task: tuple[Path, Any, str, int | None]) -> ExampleResult:
    return run_example(*task)
