"""Issue 16's figures, measured side by side in one run, with the machine stated.

Cold start against `python -c pass`; knowledge-base load time per 1,000 files; assessments/s on
one core (wall and CPU time), per year of the benchmark; the fact filter on and off; the full
pipeline against a CLIPS peer of cluster one on the same prepared facts; `--jobs 2` against
`--jobs 1`; resident memory over many assessments. Ratios are measured in one run, alternating
where they can, because this machine may be shared: absolute figures move with its load.

    python benchmarks/side_by_side.py                      # 500 cases x 10 years
    python benchmarks/side_by_side.py --cases 2000 --memory 100000
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_assess import FIRST_YEAR, generate_kb  # noqa: E402

from smaf_expert.knowledge.loader import load_knowledge  # noqa: E402
from smaf_expert.parallel import ordered_map  # noqa: E402
from smaf_expert.reasoning.assess import Assessor  # noqa: E402
from smaf_expert.reasoning.engine import Engine  # noqa: E402
from smaf_expert.reasoning.prepare import case_facts  # noqa: E402


def machine() -> str:
    """nproc, the CPU model, Python and the load average: what the figures were measured on."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return (f"nproc {os.cpu_count()} | {model} | Python {platform.python_version()} | "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


def rss_mib() -> float:
    """The resident set size now (not the peak), in MiB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start(runs: int) -> None:
    """Medians of fresh interpreters, the three commands alternated run by run."""
    py = sys.executable
    commands = {"python -c pass": [py, "-c", "pass"],
                "smaf --help": [py, "-m", "smaf_expert", "--help"],
                "smaf assess china-russia": [py, "-m", "smaf_expert", "assess", "china-russia"]}
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - start)
    floor = statistics.median(times["python -c pass"])
    print(f"\n== cold start (median of {runs}, alternated) ==")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<26} {1000 * med:7.0f} ms  {med / floor:5.1f}x python -c pass")


def per_second(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def batch(assessor: Assessor, case_ids: list[str], years: list[int]) -> None:
    """One core, one case at a time: wall and CPU throughput, and per year."""
    print(f"\n== batch on one core: {len(case_ids)} cases x {len(years)} years ==")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    per_year = {}
    firings = {}
    for year in years:
        w, c = time.perf_counter(), time.process_time()
        fired = 0
        for case_id in case_ids:
            fired += len(assessor.assess(case_id, year).trace)
        per_year[year] = (per_second(len(case_ids), time.perf_counter() - w),
                          per_second(len(case_ids), time.process_time() - c))
        firings[year] = (fired / len(case_ids), per_second(fired, time.process_time() - c))
    n = len(case_ids) * len(years)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"throughput     {per_second(n, wall):.0f}/s wall, {per_second(n, cpu):.0f}/s CPU "
          f"({n} assessments, {wall:.1f} s)")
    print("per year (CPU) " + ", ".join(f"{y}: {c:.0f}/s" for y, (_, c) in per_year.items()))
    first, last = per_year[years[0]][1], per_year[years[-1]][1]
    print(f"last year / first year (CPU): {last / first:.2f}")
    (f0, fs0), (f1, fs1) = firings[years[0]], firings[years[-1]]
    # The benchmark's cases have more evidence in force each year, so the rules do more: the
    # work per firing tells whether cost grows with facts no rule needs.
    print(f"firings per assessment {f0:.1f} ({years[0]}) -> {f1:.1f} ({years[-1]}); firings/s "
          f"(CPU) {fs0:.0f} -> {fs1:.0f}: last/first {fs1 / fs0:.2f}")
    # The first year once more, after all the others: the same work, so a fall here would be
    # the engine or the process slowing down with use, not the cases growing.
    c = time.process_time()
    for case_id in case_ids:
        assessor.assess(case_id, years[0])
    again = per_second(len(case_ids), time.process_time() - c)
    print(f"first year again after the last: {again:.0f}/s (CPU), {again / first:.2f} of its "
          f"first run")


#: The C functions of durable-rules that one assessment calls (the engine's own work).
ENGINE_CALLS = ("assert_facts", "assert_fact", "start_action_for_state",
                "complete_and_start_action", "update_state", "delete_state", "abandon_action")


def engine_floor(assessor: Assessor, items: list[tuple[str, int]]) -> None:
    """Time inside durable-rules' C extension per assessment, and the facts it is given: the
    throughput one core could reach if every line of Python (ours and the library's wrapper)
    cost nothing."""
    import durable_rules_engine as native

    spent = {"c": 0.0}
    facts = {"n": 0}
    saved = {name: getattr(native, name) for name in ENGINE_CALLS if hasattr(native, name)}

    def timed(name: str, func: Any) -> Any:
        def call(*args: Any) -> Any:
            if name in ("assert_facts", "assert_fact"):
                facts["n"] += args[1].count('"sid"')
            start = time.perf_counter()
            try:
                return func(*args)
            finally:
                spent["c"] += time.perf_counter() - start
        return call

    for name, func in saved.items():
        setattr(native, name, timed(name, func))
    try:
        start = time.perf_counter()
        for case_id, year in items:
            assessor.assess(case_id, year)
        wall = time.perf_counter() - start
    finally:
        for name, func in saved.items():
            setattr(native, name, func)
    n = len(items)
    per = spent["c"] / n
    print(f"\n== engine floor ({n} assessments, wall, C calls timed) ==")
    share = 100 * spent["c"] / wall
    print(f"durable-rules C extension {1000 * per:.2f} ms per assessment ({share:.0f}%"
          f" of {1000 * wall / n:.2f} ms); {facts['n'] / n:.0f} facts asserted per assessment, "
          f"{1e6 * spent['c'] / max(facts['n'], 1):.1f} us per fact; ceiling with free Python "
          f"{per_second(1, per):.0f}/s")


def filter_ratio(assessor: Assessor, items: list[tuple[str, int]]) -> None:
    """The same assessments with the fact filter off and on, alternated twice (CPU time)."""
    cpu = {False: 0.0, True: 0.0}
    for flag in (False, True, False, True):
        Engine.filter_facts = flag
        start = time.process_time()
        for case_id, year in items:
            assessor.assess(case_id, year)
        cpu[flag] += time.process_time() - start
    Engine.filter_facts = True
    print(f"\n== fact filter ({len(items)} assessments, twice each way, CPU) ==")
    print(f"off {per_second(2 * len(items), cpu[False]):.0f}/s, on "
          f"{per_second(2 * len(items), cpu[True]):.0f}/s: on/off = {cpu[False] / cpu[True]:.2f}x")


def clips_ratio(assessor: Assessor, items: list[tuple[str, int]]) -> None:
    """Full pipeline (prepare, engine, verdict) against CLIPS on cluster one alone, on the same
    prepared facts (their preparation is not counted for CLIPS)."""
    try:
        from clips_peer import ClipsClusterOne
    except ImportError:
        print("\n== CLIPS peer: clipspy is not installed (pip install -e '.[bench]') ==")
        return
    peer = ClipsClusterOne(assessor.params["hedging.stages"])
    prepared = []
    for case_id, year in items:
        case = assessor.case(case_id)
        prepared.append(case_facts(assessor.kb, case, year, assessor.links(year))
                        + list(assessor.program.static_facts))
    times = {"pipeline": 0.0, "clips": 0.0}
    agree = 0
    for _ in range(2):
        start = time.process_time()
        verdicts = [assessor.assess(c, y) for c, y in items]
        times["pipeline"] += time.process_time() - start
        start = time.process_time()
        peers = [peer.assess(facts) for facts in prepared]
        times["clips"] += time.process_time() - start
    agree = sum(1 for v, p in zip(verdicts, peers, strict=True)
                if (v.degree, v.ceiling) == (p["degree"], p["ceiling"]))
    n = 2 * len(items)
    print(f"\n== full pipeline vs CLIPS cluster one ({len(items)} assessments, twice, CPU) ==")
    print(f"pipeline (all packs, full trace) {per_second(n, times['pipeline']):.0f}/s; CLIPS "
          f"cluster one {per_second(n, times['clips']):.0f}/s; pipeline/CLIPS speed = "
          f"{times['clips'] / times['pipeline']:.2f}x; degree and ceiling agree in "
          f"{agree}/{len(items)}")


def _degree(assessor: Assessor, item: tuple[str, int]) -> int:
    return assessor.assess(*item).degree


def jobs_ratio(assessor: Assessor, items: list[tuple[str, int]]) -> None:
    """Wall time of the same items on one process and on two, alternated twice."""
    walls = {1: 0.0, 2: 0.0}
    for jobs in (1, 2, 1, 2):
        start = time.perf_counter()
        ordered_map(_degree, assessor, items, jobs)
        walls[jobs] += time.perf_counter() - start
    print(f"\n== --jobs ({len(items)} assessments, twice each, wall) ==")
    print(f"jobs 1 {per_second(2 * len(items), walls[1]):.0f}/s, jobs 2 "
          f"{per_second(2 * len(items), walls[2]):.0f}/s: {walls[1] / walls[2]:.2f}x")


def memory(assessor: Assessor, case_ids: list[str], years: list[int], total: int) -> None:
    """Resident memory sampled ten times over `total` assessments, cycling cases and years."""
    print(f"\n== memory over {total} assessments (RSS now, MiB) ==")
    samples, done = [], 0
    step = max(1, total // 10)
    while done < total:
        for year in years:
            for case_id in case_ids:
                assessor.assess(case_id, year)
                done += 1
                if done % step == 0:
                    samples.append(rss_mib())
                if done >= total:
                    break
            if done >= total:
                break
    print("samples " + ", ".join(f"{s:.0f}" for s in samples)
          + f"; last/first {samples[-1] / samples[0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=500)
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--seed", type=int, default=20240)
    p.add_argument("--cold-runs", type=int, default=7)
    p.add_argument("--sample", type=int, default=1000, help="assessments in the ratio runs")
    p.add_argument("--memory", type=int, default=20000, help="assessments in the memory run")
    p.add_argument("--load-cases", type=int, default=2000,
                   help="cases of the knowledge base timed for loading")
    args = p.parse_args(argv)
    print(machine())
    cold_start(args.cold_runs)
    years = list(range(FIRST_YEAR, FIRST_YEAR + args.years))
    with tempfile.TemporaryDirectory(prefix="smaf-side-") as tmp:
        big = Path(tmp) / "big"
        generate_kb(big, n_states=60, n_cases=args.load_cases, seed=args.seed)
        files = sum(1 for _ in big.rglob("*.yaml"))
        start = time.perf_counter()
        load_knowledge(big)
        took = time.perf_counter() - start
        print(f"\n== load ==\n{args.load_cases}-case knowledge base, {files} files: {took:.2f} s "
              f"({1000 * took / files:.2f} s per 1,000 files)")
        root = Path(tmp) / "kb"
        generate_kb(root, n_states=60, n_cases=args.cases, seed=args.seed)
        assessor = Assessor(load_knowledge(root))
        case_ids = sorted(assessor.kb.alignments)
        for year in years:
            assessor.links(year)
        assessor.assess(case_ids[0], years[0])  # registers the rulesets
        batch(assessor, case_ids, years)
        items = [(c, y) for y in years for c in case_ids][:: max(1, len(case_ids) * len(years)
                                                                 // args.sample)]
        engine_floor(assessor, items)
        filter_ratio(assessor, items)
        clips_ratio(assessor, items)
        jobs_ratio(assessor, items)
        memory(assessor, case_ids, years, args.memory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
