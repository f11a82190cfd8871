"""The `smaf` command: a thin shell over the library."""

from __future__ import annotations

import sys
from collections import Counter
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .assess import Assessor, make_assessor
from .errors import AssessmentError, EngineError, InputError, SmafError
from .indicators import INDICATORS
from .knowledge import load_knowledge
from .params import declared_parameters, parse_assignments
from .paths import default_knowledge, default_rules
from .render import render_template, render_verdict, timeline_rows, to_json
from .rulepack import load_packs


class _Group(click.Group):
    """Turns our errors into a message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SmafError as err:
            click.echo(f"Error: {err.message}", err=True)
            # Bad input (files, ids, years) is the user's to fix: 2, as click does for usage.
            sys.exit(1 if isinstance(err, EngineError) else 2)


def kb_option(func: Any) -> Any:
    """--kb PATH: the knowledge folder."""
    return click.option("--kb", "kb", type=click.Path(file_okay=False), default=None,
                        help="Knowledge folder (default: the shipped knowledge base).")(func)


def rule_options(func: Any) -> Any:
    """--strict, --param and --rules: how the rules run for this command."""
    @click.option("--strict", is_flag=True, help="S-prereq: count stages only with all their "
                                                 "prerequisites.")
    @click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                  help="Override a rule-pack parameter for this run (repeatable).")
    @click.option("--rules", "rules", multiple=True, type=click.Path(exists=False),
                  help="Extra rule pack file or folder (repeatable).")
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def whatif_options(func: Any) -> Any:
    """--assume and --drop: a scenario for this run."""
    @click.option("--assume", "assume", multiple=True, metavar="INDICATOR=present[:DEPTH]",
                  help="Assume an indicator present (or absent) from the year on (repeatable).")
    @click.option("--drop", "drop", multiple=True, metavar="EVIDENCE_ID",
                  help="Leave an evidence item out (repeatable).")
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def _assessor(kb: str | None, rules: tuple[str, ...] = (), params: tuple[str, ...] = (),
              strict: bool = False) -> Assessor:
    return make_assessor(kb, list(rules), parse_assignments(params), strict)


@click.group(cls=_Group)
@click.version_option(package_name="smaf-expert")
def cli() -> None:
    """smaf: how far states are aligned, why, and where the relationship is heading.

    Example:

        smaf assess china-russia --format json
    """


@cli.command()
@click.argument("case")
@click.option("--year", type=int, default=None, help="Year of assessment (default: the latest "
                                                      "year with evidence).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@whatif_options
@rule_options
@kb_option
def assess(case: str, year: int | None, fmt: str, assume: tuple[str, ...],
           drop: tuple[str, ...], strict: bool, params: tuple[str, ...],
           rules: tuple[str, ...], kb: str | None) -> None:
    """Assess the degree of alignment of CASE at a year, with the reasoning.

    With --assume or --drop, the verdict under that scenario and what changed.

    Example:

        smaf assess us-india --year 2020 --param hedging.stages=3
        smaf assess us-india --assume integrated_command=present:low
    """
    assessor = _assessor(kb, rules, params, strict)
    if not (assume or drop):
        click.echo(render_verdict(assessor.assess(case, year), fmt).rstrip("\n"))
        return
    from .whatif import diff, what_if

    before, after = what_if(assessor, case, year, list(assume), list(drop))
    changes = diff(before, after)
    if fmt == "json":
        click.echo(to_json({"scenario": {"assume": list(assume), "drop": list(drop)},
                            "diff": changes, "verdict": after.as_dict()}))
        return
    click.echo(render_verdict(after, fmt).rstrip("\n"))
    click.echo("")
    click.echo(render_template("whatif.txt.j2", before=before, d=changes,
                               scenario=_scenario_text(assume, drop)).rstrip("\n"))


def _scenario_text(assume: tuple[str, ...], drop: tuple[str, ...]) -> str:
    parts = [f"assume {a}" for a in assume] + [f"drop {d}" for d in drop]
    return ", ".join(parts)


TREE_MARKS = {"conclusion": "=>", "rule": "<-", "fact": "*", "absence": "~", "evidence": "#",
              "missing": "x", "blocked": "!", "note": "-"}


@cli.command()
@click.argument("case")
@click.option("--year", type=int, default=None, help="Year of assessment.")
@click.option("--about", default="degree", show_default=True,
              help="degree, ceiling, bop, bot, boi, overall, fit, confidence, or a finding kind.")
@click.option("--why-not", "why_not", type=int, default=None, metavar="STAGE",
              help="What keeps the degree below STAGE.")
@click.option("--pivotal", is_flag=True,
              help="The evidence items whose removal alone changes the verdict.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "argdown"]),
              default="text")
@whatif_options
@rule_options
@kb_option
def explain(case: str, year: int | None, about: str, why_not: int | None, pivotal: bool,
            fmt: str, assume: tuple[str, ...], drop: tuple[str, ...], strict: bool,
            params: tuple[str, ...], rules: tuple[str, ...], kb: str | None) -> None:
    """Why a conclusion holds, as a tree down to the evidence; or why a stage is not reached.

    Example:

        smaf explain us-india --why-not 5
        smaf explain china-russia --about bot
        smaf explain us-india --drop rusind-mtc-2 --why-not 4
    """
    from .whatif import parse_assumption, scenario
    from .whatif import pivotal as find_pivotal

    assessor = _assessor(kb, rules, params, strict)
    if assume or drop:
        year = year or assessor.default_year(assessor.case(case))
        changed = scenario(assessor.kb, case, year, [parse_assumption(a) for a in assume],
                           list(drop))
        assessor = assessor.on(changed)
    if pivotal:
        rows = find_pivotal(assessor, case, year)
        if fmt == "json":
            click.echo(to_json(rows))
            return
        click.echo(f"Pivotal evidence for {case}: items whose removal alone changes the "
                   "degree, a balance or the fit")
        for row in rows or [{"evidence": "(none)", "claim": "", "changes": {}, "case": ""}]:
            changes = "; ".join(f"{k} {a} -> {b}" for k, (a, b) in row["changes"].items())
            click.echo(f"  {row['evidence']} ({row['case']}): {changes}\n    {row['claim']}"
                       if row["changes"] else f"  {row['evidence']}")
        return
    verdict = assessor.assess(case, year)
    if why_not is not None:
        nodes = assessor.why_not_of(verdict, why_not)
        title = f"Why {verdict.name} does not reach stage {why_not} in {verdict.year} " \
                f"(degree {verdict.degree})"
    else:
        nodes = assessor.explainer(verdict).why(about)
        title = f"Why {about} for {verdict.name} in {verdict.year}"
    if fmt == "json":
        click.echo(to_json({"case": verdict.case, "year": verdict.year, "title": title,
                            "tree": [n.as_dict() for n in nodes]}))
    elif fmt == "argdown":
        from .argdown import to_argdown

        click.echo(to_argdown(nodes, title).rstrip("\n"))
    else:
        click.echo(render_template("explain.txt.j2", title=title, nodes=nodes,
                                   marks=TREE_MARKS).rstrip("\n"))


@cli.command()
@click.argument("case")
@click.option("--from", "start", type=int, required=True, help="First year.")
@click.option("--to", "end", type=int, required=True, help="Last year.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@rule_options
@kb_option
def timeline(case: str, start: int, end: int, fmt: str, strict: bool, params: tuple[str, ...],
             rules: tuple[str, ...], kb: str | None) -> None:
    """The degree of CASE year by year, with drops (de-institutionalisation) marked.

    Example:

        smaf timeline us-philippines --from 2010 --to 2024
    """
    assessor = _assessor(kb, rules, params, strict)
    verdicts = assessor.timeline(case, start, end)
    rows = timeline_rows(verdicts)
    if fmt == "json":
        click.echo(to_json([{k: r[k] for k in ("year", "degree", "level", "depth", "ceiling",
                                                "findings")} for r in rows]))
        return
    c = assessor.case(case)
    click.echo(render_template("timeline.txt.j2", name=c.name, parties=c.parties, start=start,
                               end=end, rows=rows).rstrip("\n"))


@cli.command()
@click.argument("case")
@click.option("--param", "spec", required=True, metavar="NAME=START:STOP:STEP",
              help="The parameter to vary and its range (or NAME=A,B,C).")
@click.option("--year", type=int, default=None, help="Year of assessment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@kb_option
def sensitivity(case: str, spec: str, year: int | None, fmt: str, kb: str | None) -> None:
    """How the verdict on CASE changes across a parameter's range.

    Example:

        smaf sensitivity us-india --param bop.nonpermissive=0.3:0.7:0.05
    """
    from .sensitivity import parse_range
    from .sensitivity import sensitivity as vary

    name, value = next(iter(parse_assignments([spec]).items()))
    rows = vary(_assessor(kb), case, year, name, parse_range(value))
    if fmt == "json":
        click.echo(to_json(rows))
        return
    click.echo(f"{name:<20} degree  bop           bot       boi       overall   fit")
    for r in rows:
        click.echo(f"{r['value']:<20} {r['degree']:<7} {r['bop'] or '-':<9}"
                   f"{'(' + r['r'][4:] + ')' if r['r'] and r['r'].startswith('r = ') else '':<5}"
                   f"{r['bot'] or '-':<10}{r['boi'] or '-':<10}{r['overall'] or '-':<10}"
                   f"{r['fit'] or '-'}")


@cli.command()
@click.option("--year", type=int, default=None, help="Year (default: the current year).")
@click.option("--backtest", is_flag=True, help="Every coded period: prediction vs the record.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@rule_options
@kb_option
def quasi(year: int | None, backtest: bool, fmt: str, strict: bool, params: tuple[str, ...],
          rules: tuple[str, ...], kb: str | None) -> None:
    """Quasi-alliances (Cha) in the knowledge base at a year, or the model's record.

    Example:

        smaf quasi --year 1977
        smaf quasi --backtest
    """
    from datetime import date

    from .network import NetworkAssessor

    network = NetworkAssessor(_assessor(kb, rules, params, strict))
    if backtest:
        rows = network.backtest()
        scored = [r for r in rows if r["hit"] is not None]
        hits = sum(1 for r in scored if r["hit"])
        if fmt == "json":
            click.echo(to_json({"periods": rows, "hits": hits, "scored": len(scored),
                                "hit_rate": round(hits / len(scored), 3) if scored else None}))
            return
        click.echo(render_template("backtest.txt.j2", rows=rows, hits=hits,
                                   scored=len(scored)).rstrip("\n"))
        return
    year = year or date.today().year
    entries, _ = network.quasi(year)
    if fmt == "json":
        click.echo(to_json([e.as_dict() for e in entries]))
        return
    names = {sid: s.name for sid, s in network.assessor.kb.states.items()}
    click.echo(render_template("quasi.txt.j2", year=year, entries=entries,
                               state_names=names).rstrip("\n"))


@cli.command()
@click.option("--year", type=int, default=None, help="Year (default: the current year).")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json", "dot"]),
              default="graphml")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (default: standard output).")
@kb_option
def graph(year: int | None, fmt: str, output: str | None, kb: str | None) -> None:
    """Export the multilateral graph at a year (typed edges) for Gephi or networkx.

    Example:

        smaf graph --year 2020 --format graphml -o alignments-2020.graphml
    """
    from datetime import date

    from .graph_export import export_graph, render_graph

    text = render_graph(export_graph(_assessor(kb), year or date.today().year), fmt)
    if output:
        write_text_atomically(output, text)
    else:
        click.echo(text.rstrip("\n"))


def write_text_atomically(path: str, text: str) -> None:
    """Write a file whole or not at all: a failure half-way leaves what was there."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                               prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp makes the file private; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cli.command()
@click.argument("case")
@click.option("--year", type=int, default=None,
              help="Year of assessment (default: the latest year with evidence).")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html")
@click.option("--compare", "comparators", multiple=True, metavar="CASE",
              help="Another case for Figure 1 (repeatable; default: china-russia and us-india).")
@click.option("--from", "start", type=int, default=None,
              help="First year of the timeline (default: the case's first evidence).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (default: standard output).")
@rule_options
@kb_option
def report(case: str, year: int | None, fmt: str, comparators: tuple[str, ...],
           start: int | None, output: str | None, strict: bool, params: tuple[str, ...],
           rules: tuple[str, ...], kb: str | None) -> None:
    """A full report on CASE as one self-contained HTML page (opens offline) or Markdown.

    Example:

        smaf report us-india -o us-india.html
    """
    from .report import render_report

    text = render_report(_assessor(kb, rules, params, strict), case, year, fmt,
                         list(comparators) or None, start)
    if output:
        write_text_atomically(output, text)
    else:
        click.echo(text.rstrip("\n"))


@cli.command("compare")
@click.argument("cases", nargs=-1, required=True)
@click.option("--year", type=int, default=None,
              help="One year for all cases (default: each case's latest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@rule_options
@kb_option
def compare_cmd(cases: tuple[str, ...], year: int | None, fmt: str, strict: bool,
                params: tuple[str, ...], rules: tuple[str, ...], kb: str | None) -> None:
    """The cases side by side: profile, incentives, degree, ceiling, fit.

    Example:

        smaf compare china-russia us-india
    """
    from .compare import compare, render_compare

    click.echo(render_compare(compare(_assessor(kb, rules, params, strict), list(cases), year),
                              fmt).rstrip("\n"))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@kb_option
def cases(fmt: str, kb: str | None) -> None:
    """List the cases of the knowledge base: parties, years covered, evidence counts.

    Example:

        smaf cases --format json
    """
    base = load_knowledge(kb or default_knowledge())
    rows = []
    for c in sorted(base.alignments.values(), key=lambda c: c.id):
        first, last = c.years()
        rows.append({"case": c.id, "name": c.name, "parties": list(c.parties),
                     "against": c.against, "from": first, "to": last,
                     "evidence": len(c.evidence)})
    if fmt == "json":
        click.echo(to_json(rows))
        return
    click.echo(f"{'case':<24} {'parties':<16} {'against':<8} {'years':<10} evidence")
    for r in rows:
        click.echo(f"{r['case']:<24} {'-'.join(r['parties']):<16} {r['against'] or '-':<8} "
                   f"{r['from'] or '-'}-{r['to'] or '-':<5} {r['evidence']}")


@cli.group(cls=_Group)
def kb() -> None:
    """Check and describe a knowledge base."""


@kb.command("validate")
@kb_option
def kb_validate(kb: str | None) -> None:
    """Validate every file of the knowledge base; list every problem with file:line.

    Example:

        smaf kb validate --kb ./my-knowledge
    """
    base = load_knowledge(kb or default_knowledge())
    click.echo(f"ok: {len(base.states)} states, {len(base.relations)} relations, "
               f"{len(base.alignments)} cases ({len(base.evidence)} evidence items), "
               f"{len(base.quasi)} quasi-alliance triads in {base.root}")


@kb.command("stats")
@kb_option
def kb_stats(kb: str | None) -> None:
    """Coverage: for each case, the evidence per indicator and which indicators are unknown.

    Example:

        smaf kb stats
    """
    base = load_knowledge(kb or default_knowledge())
    head = " ".join(f"{i.stage:>3}" for i in INDICATORS)
    click.echo(f"{'case':<24} {head}  unknown")
    for c in sorted(base.alignments.values(), key=lambda c: c.id):
        counts = Counter(e.indicator for e in c.evidence)
        cells = " ".join(f"{counts.get(i.id, 0):>3}" for i in INDICATORS)
        unknown = [i.id for i in INDICATORS if not counts.get(i.id)]
        click.echo(f"{c.id:<24} {cells}  {', '.join(unknown) or '-'}")


@cli.group(cls=_Group)
def rules() -> None:
    """Inspect the rule packs."""


@rules.command("list")
@click.option("--rules", "extra", multiple=True, type=click.Path(exists=False),
              help="Extra rule pack file or folder (repeatable).")
def rules_list(extra: tuple[str, ...]) -> None:
    """List every rule: id, pack, statement.

    Example:

        smaf rules list
    """
    for pack in load_packs([default_rules(), *[Path(p) for p in extra]]):
        click.echo(f"{pack.name} ({pack.theory}): {pack.path}")
        for rule in pack.rules:
            click.echo(f"  {rule.id:<22} {rule.statement}")


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "extra", multiple=True, type=click.Path(exists=False),
              help="Extra rule pack file or folder (repeatable).")
def rules_show(rule_id: str, extra: tuple[str, ...]) -> None:
    """Show one rule: statement, citation, conditions, conclusions and its links.

    Example:

        smaf rules show S-hedging
    """
    import yaml

    from .rulegraph import rule_graph, rule_links

    packs = load_packs([default_rules(), *[Path(p) for p in extra]])
    rule = next((r for p in packs for r in p.rules if r.id == rule_id), None)
    if rule is None:
        import difflib

        ids = [r.id for p in packs for r in p.rules]
        close = difflib.get_close_matches(rule_id, ids, n=3)
        raise AssessmentError(f"no rule {rule_id!r}"
                              + (f"; did you mean {', '.join(close)}?" if close else ""))
    links = rule_links(rule_graph(packs), rule_id)
    body = {"when": [{n: c} for n, c in rule.when], "unless": list(rule.unless),
            "then": list(rule.then)}
    click.echo(f"{rule.id} ({rule.pack}, {rule.path}:{rule.line})\n"
               f"  {rule.statement}\n  cite: {rule.citation}\n")
    click.echo(yaml.safe_dump({k: v for k, v in body.items() if v}, sort_keys=False,
                              allow_unicode=True).rstrip("\n"))
    click.echo("")
    for key in ("stratum", "enabled", "reads", "negates", "asserts", "fed_by", "feeds"):
        if key in links:
            value = links[key]
            text = ", ".join(map(str, value)) if isinstance(value, list | tuple | set) \
                else str(value)
            click.echo(f"{key:>8}: {text or '-'}")


@rules.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_lint(paths: tuple[str, ...], fmt: str) -> None:
    """Check rule packs before they run; file:line messages; exit 1 on any error.

    With no PATHS, the shipped packs. Other packs are checked together with the shipped ones,
    so they may use the shipped fact types and parameters.

    Example:

        smaf rules lint ./my-packs
    """
    from .lint import errors, lint_packs

    problems = lint_packs([Path(p) for p in paths] or [default_rules()],
                          context=[default_rules()])
    if fmt == "json":
        click.echo(to_json([{"path": p.path, "line": p.line, "kind": p.kind,
                             "severity": p.severity, "subject": p.subject,
                             "message": p.message} for p in problems]))
    else:
        for p in problems:
            click.echo(str(p))
        bad = errors(problems)
        click.echo(f"{len(bad)} error(s), {len(problems) - len(bad)} warning(s)")
    if errors(problems):
        sys.exit(1)


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@click.option("--example", "only", default=None, help="Run only examples whose name "
                                                      "contains this text.")
def rules_test(paths: tuple[str, ...], only: str | None) -> None:
    """Run the examples that packs ship with; pass/fail per example; exit 1 on any failure.

    Example:

        smaf rules test
    """
    from .packtest import run_examples

    results = run_examples([Path(p) for p in paths] or [default_rules()], only=only)
    for r in results:
        click.echo(str(r))
    failed = [r for r in results if not r.passed]
    click.echo(f"{len(results) - len(failed)} examples passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


@rules.command("graph")
@click.option("--rules", "extra", multiple=True, type=click.Path(exists=False),
              help="Extra rule pack file or folder (repeatable).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE")
@click.option("--scope", type=click.Choice(["case", "network"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["dot", "svg"]), default="dot")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
def rules_graph(extra: tuple[str, ...], params: tuple[str, ...], scope: str | None, fmt: str,
                output: str | None) -> None:
    """Which rules feed which, through the fact types they assert and match (DOT or SVG).

    Example:

        smaf rules graph --format svg -o rules.svg
    """
    from .rulegraph import rule_graph, to_dot, to_svg

    g = rule_graph(load_packs([default_rules(), *[Path(p) for p in extra]]),
                   parse_assignments(params), scope)
    for problem in g.graph.get("errors") or []:
        click.echo(f"warning: {problem}", err=True)
    text = to_svg(g) if fmt == "svg" else to_dot(g)
    if output:
        write_text_atomically(output, text)
    else:
        click.echo(text.rstrip("\n"))


@rules.command("params")
def rules_params() -> None:
    """List the parameters of the shipped packs with their defaults.

    Example:

        smaf rules params
    """
    for name, p in sorted(declared_parameters(load_packs([default_rules()])).items()):
        click.echo(f"{name} = {p.default!r} ({p.type}, pack {p.pack})\n    {p.doc}")


def main() -> None:
    """Entry point for `python -m smaf_expert`."""
    cli()


__all__ = ["cli", "main", "InputError"]
