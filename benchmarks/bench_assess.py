#!/usr/bin/env python
"""Benchmark of batch assessment: a synthetic knowledge base, every case at every year.

The script writes a seeded synthetic knowledge base (DOMAIN.md section 5) into a temporary
folder, loads it once with `smaf_expert.load_knowledge`, builds one `smaf_expert.Assessor` (the
shipped rule packs, compiled once), and assesses every case at every year, one case at a time.
It prints the sizes, the wall time, assessments per second (overall and per year), latency
percentiles, peak memory, the time to load and to compile, and histograms of degree, ceiling,
finding kinds and incentives as a sanity check. Exit status 1 if any assessment raised.

    python benchmarks/bench_assess.py                       # 2,000 cases x 10 years
    python benchmarks/bench_assess.py --cases 500 --years 3 --seed 7
    python benchmarks/bench_assess.py --profile             # cProfile: 200 cases x 10 years
    python benchmarks/bench_assess.py --tracemalloc         # adds a traced-memory pass

See benchmarks/README.md for measured figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import platform
import pstats
import random
import resource
import statistics
import string
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

import smaf_expert
from smaf_expert import Assessor, SmafError, load_knowledge

FIRST_YEAR = 2010
LAST_EVIDENCE_YEAR = 2019  # evidence `since`/`until` stay within 2010-2019
INDICATORS = ("cbm", "consultations", "mtc", "exercises", "integrated_command",
              "joint_deployment", "common_defence_policy")
# Lower stages are commoner in the record than the advanced ones.
INDICATOR_WEIGHTS = (4, 4, 3, 4, 1, 1, 1)
DEPTHS = ("low", "developing", "high")
THREAT_CATEGORIES = ("territorial", "maritime", "global_order", "regional_order",
                     "regime_security", "nuclear_missile", "terrorism", "technological_economic")
THREAT_LEVELS = ("potential", "growing", "immediate")
INTENSITIES = ("passive", "growing", "committed")


# --------------------------------------------------------------------------------------------
# The synthetic knowledge base


def state_ids(n: int) -> list[str]:
    """`n` three-letter ids, AAA, AAB, ... (state ids must match ^[A-Z]{3}$)."""
    ids = ("".join(t) for t in itertools.product(string.ascii_uppercase, repeat=3))
    return list(itertools.islice(ids, n))


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def _threats(rng: random.Random, s: str, majors: list[str], rivals: set[str],
             categories: dict[str, list[str]], source: str) -> list[dict[str, Any]]:
    """1-4 threat perceptions, from the state's rivals or from a few major powers, each threat
    state seen under one of its two typical categories (so that perceptions sometimes match)."""
    out = []
    for _ in range(rng.randint(1, 4)):
        pool = sorted(rivals) if rivals and rng.random() < 0.5 else majors
        source_state = rng.choice([x for x in pool if x != s] or majors)
        entry: dict[str, Any] = {"from": source_state,
                                 "category": rng.choice(categories[source_state]),
                                 "level": rng.choice(THREAT_LEVELS),
                                 "since": rng.randint(2000, 2018)}
        if rng.random() < 0.25:
            entry["until"] = rng.randint(entry["since"], LAST_EVIDENCE_YEAR)
        entry["sources"] = [source]
        out.append(entry)
    return out


def _orientation(rng: random.Random, source: str) -> list[dict[str, Any]]:
    """One orientation since 1990, sometimes a second one from a year in 2011-2018."""
    direction = rng.choice(("revisionist", "status_quo"))
    first: dict[str, Any] = {"since": 1990, "direction": direction,
                             "intensity": rng.choice(INTENSITIES), "sources": [source]}
    if rng.random() < 0.5:
        return [first]
    change = rng.randint(2011, 2018)
    first["until"] = change - 1
    return [first, {"since": change, "direction": direction,
                    "intensity": rng.choice(INTENSITIES), "sources": [source]}]


def generate_kb(root: Path, *, n_states: int, n_cases: int, seed: int,
                bare_states: bool = False) -> dict[str, int]:
    """Write a knowledge base under `root`; return counts of what was written. With
    `bare_states`, states carry only id, name, GNP and rivals (no threats, orientation or
    taxonomy: the incentive rules then mostly find nothing to compare)."""
    rng = random.Random(seed)
    source = f"synthetic: benchmarks/bench_assess.py, seed {seed}"
    ids = state_ids(n_states)
    (root / "states").mkdir(parents=True)
    (root / "alignments").mkdir()

    # Rivalries: each state names 1-3 rivals (rivalry is symmetric in the package anyway).
    rivals: dict[str, set[str]] = {s: set() for s in ids}
    for s in ids:
        for r in rng.sample([x for x in ids if x != s], rng.randint(1, 3)):
            rivals[s].add(r)
    majors = ids[:: max(1, n_states // 5)][:5]
    categories = {s: rng.sample(THREAT_CATEGORIES, 2) for s in ids}
    for s in ids:
        base = 10 ** rng.uniform(0.7, 4.3)  # ~5 to ~20,000 billion: some ratios exceed 10
        growth = rng.uniform(-0.02, 0.08)
        values = {y: round(base * (1 + growth) ** (y - 2008), 1)
                  for y in range(2008, LAST_EVIDENCE_YEAR + 1) if rng.random() < 0.8 or y == 2008}
        state: dict[str, Any] = {
            "id": s,
            "name": f"State {s}",
            "gnp": {"unit": "current US$ billion", "source": "synthetic", "values": values},
        }
        if not bare_states:
            state["orientation"] = _orientation(rng, source)
            state["threats"] = _threats(rng, s, majors, rivals[s], categories, source)
        state["rivals"] = sorted(rivals[s])
        _dump(root / "states" / f"{s}.yaml", state)
    if not bare_states:
        _dump(root / "taxonomy.yaml", {"threat_categories": {
            c: f"synthetic category {c}" for c in THREAT_CATEGORIES}})

    relations = []
    pairs_allied: set[frozenset[str]] = set()
    while len(relations) < max(1, n_states // 2):
        a, b = rng.sample(ids, 2)
        if frozenset((a, b)) in pairs_allied or b in rivals[a] or a in rivals[b]:
            continue
        pairs_allied.add(frozenset((a, b)))
        rel: dict[str, Any] = {"type": "alliance", "parties": [a, b],
                               "since": rng.randint(1950, 2015), "sources": [source]}
        if rng.random() < 0.2:
            rel["until"] = rng.randint(max(rel["since"], 2010), LAST_EVIDENCE_YEAR)
        relations.append(rel)
    for _ in range(max(1, n_states // 15)):
        a, b = rng.sample(ids, 2)
        relations.append({"type": "hierarchy", "parties": [a, b], "dominant": a,
                          "since": 2000, "sources": [source]})
    _dump(root / "relations.yaml", relations)

    n_items = 0
    statuses: Counter[str] = Counter()
    dyads: set[frozenset[str]] = set()
    for n in range(n_cases):
        a, b = rng.sample(ids, 2)
        dyads.add(frozenset((a, b)))
        case_id = f"c{n:05d}-{a.lower()}-{b.lower()}"
        evidence = []
        for k in range(rng.randint(4, 12)):
            indicator = rng.choices(INDICATORS, INDICATOR_WEIGHTS)[0]
            roll = rng.random()
            status = "present" if roll < 0.80 else "suspended" if roll < 0.92 else "absent"
            since = rng.randint(FIRST_YEAR, LAST_EVIDENCE_YEAR)
            item: dict[str, Any] = {"id": f"{case_id}-e{k:02d}", "indicator": indicator}
            if status != "present":
                item["status"] = status
            else:
                item["depth"] = rng.choice(DEPTHS)
            item["since"] = since
            if status == "present" and rng.random() < 0.3:
                item["until"] = rng.randint(since, LAST_EVIDENCE_YEAR)
            item["claim"] = f"Synthetic {status} {indicator} item {k} of {case_id}"
            item["sources"] = [source]
            evidence.append(item)
            statuses[status] += 1
        doc: dict[str, Any] = {"id": case_id, "parties": [a, b]}
        if rng.random() < 0.7:
            # Mostly a rival of a party, so that threat perceptions can match.
            common = sorted((rivals[a] | rivals[b]) - {a, b})
            pool = common if common and rng.random() < 0.7 else [s for s in ids
                                                                  if s not in (a, b)]
            doc["against"] = rng.choice(pool)
        doc["trust"] = "high" if rng.random() < 0.1 else "low"
        doc["evidence"] = evidence
        _dump(root / "alignments" / f"{case_id}.yaml", doc)
        n_items += len(evidence)
    return {"states": n_states, "relations": len(relations), "cases": n_cases,
            "dyads": len(dyads),
            "evidence": n_items, **{f"evidence_{k}": v for k, v in statuses.items()}}


# --------------------------------------------------------------------------------------------
# Measuring


def max_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = func(*args, **kwargs)
    return value, time.perf_counter() - start


class Tally:
    """What a batch of assessments produced: counts, histograms, errors, latencies."""

    def __init__(self) -> None:
        self.done = 0
        self.latencies: list[float] = []
        self.degrees: Counter[int] = Counter()
        self.ceilings: Counter[int] = Counter()
        self.findings: Counter[str] = Counter()
        self.firings = 0
        self.errors: Counter[str] = Counter()
        self.error_examples: list[str] = []
        self.year_walls: dict[int, float] = {}
        self.incentives: Counter[str] = Counter()

    def error(self, case_id: str, year: int, err: BaseException) -> None:
        kind = type(err).__name__
        text = getattr(err, "message", None) or str(err) or repr(err)
        self.errors[f"{kind}: {text.splitlines()[0][:120]}"] += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{case_id} @ {year}: {kind}: {text}")


def run_batch(assessor: Assessor, case_ids: list[str], years: list[int], tally: Tally) -> float:
    """Assess every case at every year, one case at a time; return the wall time."""
    clock = time.perf_counter
    start = clock()
    for year in years:
        year_start = clock()
        for case_id in case_ids:
            t0 = clock()
            try:
                verdict = assessor.assess(case_id, year)
            except SmafError as err:
                tally.error(case_id, year, err)
                continue
            except Exception as err:  # noqa: BLE001 - an error the package did not wrap
                tally.error(case_id, year, err)
                continue
            finally:
                tally.latencies.append(clock() - t0)
            tally.done += 1
            tally.degrees[verdict.degree] += 1
            tally.ceilings[verdict.ceiling] += 1
            tally.firings += len(verdict.trace)
            for f in verdict.findings:
                tally.findings[f["kind"]] += 1
            # Cluster two, where the package has it (read defensively: it is being developed).
            for name, entry in (getattr(verdict, "incentives", None) or {}).items():
                tally.incentives[f"{name}={entry.get('value')}"] += 1
            fit = getattr(verdict, "fit", None) or {}
            if fit:
                tally.incentives[f"fit={fit.get('value')}"] += 1
        tally.year_walls[year] = clock() - year_start
    return clock() - start


def fact_sizes(assessor: Assessor, case_ids: list[str], year: int) -> dict[str, float]:
    """Mean number of prepared facts per case, by type, over a sample (a sanity check of what
    the engine is given; uses the package's preparation step directly)."""
    from smaf_expert.reasoning import prepare

    counts: Counter[str] = Counter()
    incentive_facts = getattr(prepare, "incentive_facts", None)
    for case_id in case_ids:
        case = assessor.case(case_id)
        facts = prepare.case_facts(assessor.kb, case, year, assessor.links(year))
        if incentive_facts is not None:
            facts = facts + incentive_facts(assessor.kb, case, year)
        for fact in facts:
            counts[fact["type"]] += 1
    return {k: v / len(case_ids) for k, v in sorted(counts.items())}


def histogram(counter: Counter, total: int, width: int = 40) -> list[str]:
    top = max(counter.values(), default=1)
    lines = []
    for key in sorted(counter):
        n = counter[key]
        bar = "#" * max(1, round(width * n / top)) if n else ""
        lines.append(f"  {key!s:>24} {n:>8} {100 * n / max(total, 1):5.1f}%  {bar}")
    return lines


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=2000, help="alignment cases (default 2000)")
    p.add_argument("--years", type=int, default=10,
                   help="years assessed, from 2010 on (default 10: 2010-2019)")
    p.add_argument("--states", type=int, default=60, help="states (default 60)")
    p.add_argument("--seed", type=int, default=20240, help="random seed (default 20240)")
    p.add_argument("--bare-states", action="store_true",
                   help="states with only id, name, GNP and rivals: no threats, orientation "
                        "or taxonomy.yaml")
    p.add_argument("--profile", action="store_true",
                   help="instead of the full run, profile a run of --profile-cases cases at every "
                        "year and print the top 15 cumulative (and own-time) entries")
    p.add_argument("--profile-cases", type=int, default=200,
                   help="cases in the profiled run (default 200)")
    p.add_argument("--tracemalloc", action="store_true",
                   help="after the timed run, a separate pass of --trace-cases cases at one year "
                        "under tracemalloc (slow) for the Python-heap peak")
    p.add_argument("--trace-cases", type=int, default=200,
                   help="cases in the tracemalloc pass (default 200)")
    args = p.parse_args(argv)
    if args.cases < 1 or args.years < 1 or not 2 <= args.states <= 26 ** 3:
        p.error("--cases and --years must be >= 1, --states between 2 and 17576")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    years = list(range(FIRST_YEAR, FIRST_YEAR + args.years))
    print(f"smaf-expert {smaf_expert.__version__} | Python {platform.python_version()} | "
          f"{platform.system()} {platform.machine()} | seed {args.seed}")

    with tempfile.TemporaryDirectory(prefix="smaf-bench-") as tmp:
        root = Path(tmp) / "knowledge"
        sizes, t_gen = timed(generate_kb, root, n_states=args.states, n_cases=args.cases,
                             seed=args.seed, bare_states=args.bare_states)
        print(f"generated: {sizes['states']} states, {sizes['relations']} relations, "
              f"{sizes['cases']} cases ({sizes['dyads']} distinct dyads), "
              f"{sizes['evidence']} evidence items "
              f"(present {sizes.get('evidence_present', 0)}, suspended "
              f"{sizes.get('evidence_suspended', 0)}, absent {sizes.get('evidence_absent', 0)}) "
              f"in {t_gen:.2f} s")

        kb, t_load = timed(load_knowledge, root)
        rss_load = max_rss_mib()
        assessor, t_compile = timed(Assessor, kb)
        case_ids = sorted(kb.alignments)
        print(f"load_knowledge: {t_load:.2f} s | Assessor(kb) (load + compile packs): "
              f"{t_compile:.3f} s, {len(assessor.program.strata)} strata, "
              f"{len(assessor.program.rules)} rules, packs {', '.join(assessor.program.packs)}")

        graph_times = []
        for year in years:
            _, t = timed(assessor.links, year)  # what assess reads (no networkx)
            graph_times.append(t)
        g = assessor.graph(years[-1])
        print(f"graphs (one per year, built once): {sum(graph_times):.2f} s for {len(years)} "
              f"years; graph {years[-1]}: {g.number_of_nodes()} nodes, "
              f"{g.number_of_edges()} edges")

        sample = case_ids[:: max(1, len(case_ids) // 100)][:100]
        for year in sorted({years[0], years[-1]}):
            try:
                per_case = fact_sizes(assessor, sample, year)
            except Exception as err:  # noqa: BLE001 - internal API, may change under us
                print(f"prepared facts per case at {year}: n/a ({type(err).__name__}: {err})")
                continue
            print(f"prepared facts per case at {year} (mean of {len(sample)} cases): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in per_case.items())
                  + f"; total {sum(per_case.values()):.1f}")

        if args.profile:
            return profile(assessor, case_ids[: args.profile_cases], years)

        # The first assessment also registers the rulesets with durable-rules: time it apart.
        first = Tally()
        t_first = run_batch(assessor, case_ids[:1], years[:1], first)
        print(f"first assessment (registers the rulesets with the engine): {t_first * 1000:.1f} ms")

        tally = Tally()
        gc.collect()
        wall = run_batch(assessor, case_ids, years, tally)
        attempted = len(case_ids) * len(years)
        rss_end = max_rss_mib()

        print()
        print("== batch ==")
        print(f"cases          {len(case_ids)}")
        print(f"years          {len(years)} ({years[0]}-{years[-1]})")
        print(f"assessments    {attempted} attempted, {tally.done} succeeded, "
              f"{sum(tally.errors.values())} raised")
        print(f"wall time      {wall:.2f} s (assessments only; graphs and first run excluded)")
        print(f"throughput     {attempted / wall:.1f} assessments/s")
        lat = tally.latencies
        print(f"latency        mean {1000 * statistics.fmean(lat):.2f} ms, p50 "
              f"{1000 * percentile(lat, 0.5):.2f}, p95 {1000 * percentile(lat, 0.95):.2f}, "
              f"p99 {1000 * percentile(lat, 0.99):.2f}, max {1000 * max(lat):.1f} ms")
        print("per year       " + ", ".join(
            f"{y}: {len(case_ids) / t:.0f}/s" for y, t in tally.year_walls.items()))
        print(f"firings        {tally.firings / max(tally.done, 1):.1f} per assessment")
        print(f"peak RSS       {rss_end:.1f} MiB (ru_maxrss; after load_knowledge: "
              f"{rss_load:.1f} MiB)")
        print(f"load / compile {t_load:.2f} s / {t_compile:.3f} s; graphs "
              f"{sum(graph_times):.2f} s")
        print()
        print("degree histogram:")
        print("\n".join(histogram(tally.degrees, tally.done)))
        print("ceiling histogram:")
        print("\n".join(histogram(tally.ceilings, tally.done)))
        print("findings by kind (count over all assessments):")
        print("\n".join(histogram(tally.findings, tally.done)))
        if tally.incentives:
            print("incentives and fit (cluster two):")
            print("\n".join(histogram(tally.incentives, tally.done)))
        if tally.errors:
            print()
            print(f"ERRORS ({sum(tally.errors.values())}):")
            for text, n in tally.errors.most_common(10):
                print(f"  {n:>6} x {text}")
            print("first examples:")
            for text in tally.error_examples:
                print(f"  {text}")

        if args.tracemalloc:
            trace_pass(assessor, case_ids[: args.trace_cases], years[len(years) // 2])
        return 1 if tally.errors or first.errors else 0


def profile(assessor: Assessor, case_ids: list[str], years: list[int]) -> int:
    """cProfile of assessing `case_ids` at every year; prints the top entries."""
    tally = Tally()
    run_batch(assessor, case_ids[:1], years[:1], Tally())  # register the rulesets first
    profiler = cProfile.Profile()
    profiler.enable()
    wall = run_batch(assessor, case_ids, years, tally)
    profiler.disable()
    n = len(case_ids) * len(years)
    print(f"\nprofiled: {len(case_ids)} cases x {len(years)} years = {n} assessments in "
          f"{wall:.2f} s under cProfile ({n / wall:.1f}/s); errors: {sum(tally.errors.values())}")
    for key, title in (("cumulative", "top 15 by cumulative time"),
                       ("tottime", "top 15 by own time")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(15)
        text = shorten_paths(out.getvalue())
        body = text[text.find("   ncalls"):] if "   ncalls" in text else text
        print(f"\n== {title} ==\n{body.rstrip()}")
    return 1 if tally.errors else 0


def shorten_paths(text: str) -> str:
    """Profile lines with readable paths: `durable/engine.py` and `smaf_expert/engine.py` stay
    apart (strip_dirs would print both as `engine.py`)."""
    import sysconfig

    prefixes = {sysconfig.get_paths()[k] for k in ("purelib", "platlib", "stdlib")}
    prefixes.add(str(Path(smaf_expert.__file__).resolve().parent.parent))
    prefixes.add(str(Path(__file__).resolve().parent))
    for prefix in sorted(prefixes, key=len, reverse=True):
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text


def trace_pass(assessor: Assessor, case_ids: list[str], year: int) -> None:
    """Python-heap peak of a short pass under tracemalloc (slows the run; reported apart)."""
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tally = Tally()
    wall = run_batch(assessor, case_ids, [year], tally)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\ntracemalloc pass: {len(case_ids)} cases at {year} in {wall:.2f} s; Python-heap "
          f"peak {(peak - base) / 2**20:.2f} MiB above the start, still held after "
          f"{(current - base) / 2**20:.2f} MiB (C memory of durable-rules is not traced)")


if __name__ == "__main__":
    sys.exit(main())
