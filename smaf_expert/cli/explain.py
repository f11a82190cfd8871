"""Commands that explain a verdict: explain (why, why-not, pivotal) and sensitivity."""

from __future__ import annotations

import click

from smaf_expert.cli.common import (
    YEAR,
    build_assessor,
    jobs_option,
    kb_option,
    rule_options,
    whatif_options,
)
from smaf_expert.rendering.render import render_template, to_json

TREE_MARKS = {"conclusion": "=>", "rule": "<-", "fact": "*", "absence": "~", "evidence": "#",
              "missing": "x", "blocked": "!", "note": "-"}


@click.command()
@click.argument("case")
@click.option("--year", type=YEAR, default=None, help="Year of assessment.")
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

    \b
        smaf explain us-india --why-not 5
        smaf explain china-russia --about bot
        smaf explain us-india --drop rusind-mtc-2 --why-not 4
    """
    from smaf_expert.explanation.whatif import parse_assumption, scenario
    from smaf_expert.explanation.whatif import pivotal as find_pivotal

    assessor = build_assessor(kb, rules, params, strict)
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
        from smaf_expert.rendering.report import why_title

        nodes = assessor.explainer(verdict).why(about)
        title = f"{why_title(verdict, about).rstrip('?')} ({verdict.name}, {verdict.year})?"
    if fmt == "json":
        click.echo(to_json({"case": verdict.case, "year": verdict.year, "title": title,
                            "tree": [n.as_dict() for n in nodes]}))
    elif fmt == "argdown":
        from smaf_expert.explanation.argdown import to_argdown

        click.echo(to_argdown(nodes, title).rstrip("\n"))
    else:
        click.echo(render_template("explain.txt.j2", title=title, nodes=nodes,
                                   marks=TREE_MARKS).rstrip("\n"))


@click.command()
@click.argument("case")
@click.option("--param", "spec", required=True, metavar="NAME=START:STOP:STEP",
              help="The parameter to vary and its range (or NAME=A,B,C).")
@click.option("--year", type=YEAR, default=None, help="Year of assessment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@jobs_option
@kb_option
def sensitivity(case: str, spec: str, year: int | None, fmt: str, jobs: int,
                kb: str | None) -> None:
    """How the verdict on CASE changes across a parameter's range.

    Example:

    \b
        smaf sensitivity us-india --param bop.permissive=1.5:2.0:0.25
    """
    from smaf_expert.explanation.sensitivity import parse_range
    from smaf_expert.explanation.sensitivity import sensitivity as vary
    from smaf_expert.packs.params import parse_assignments

    name, value = next(iter(parse_assignments([spec]).items()))
    from smaf_expert.parallel import parse_jobs

    rows = vary(build_assessor(kb), case, year, name, parse_range(value), parse_jobs(jobs))
    if fmt == "json":
        click.echo(to_json(rows))
        return
    header = [name, "degree", "bop", "r", "bot", "boi", "overall", "fit"]
    table = [[str(r["value"]), str(r["degree"]), r["bop"] or "-",
              r["r"][4:] if r["r"] and r["r"].startswith("r = ") else "-",
              r["bot"] or "-", r["boi"] or "-", r["overall"] or "-", r["fit"] or "-"]
             for r in rows]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                   .rstrip())


COMMANDS = [explain, sensitivity]
