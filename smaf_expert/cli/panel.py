"""`smaf panel`: the dyad-year panel for regression (DOMAIN.md section 9) and its codebook."""

from __future__ import annotations

import sys

import click

from smaf_expert.cli.common import YEAR, jobs_option, kb_option, rule_options
from smaf_expert.cli.output import write_atomically
from smaf_expert.errors import SmafError


def _assignments(params: tuple[str, ...]) -> dict:
    # Imported here: `smaf --help` loads no pack machinery.
    from smaf_expert.packs.params import parse_assignments

    return parse_assignments(params)


@click.command()
@click.option("--from", "start", type=YEAR, default=None, help="First year (default: each "
                                                               "case's first coded year).")
@click.option("--to", "end", type=YEAR, default=None, help="Last year (default: each case's "
                                                          "last coded year).")
@click.option("--cases", "cases", multiple=True, metavar="CASE",
              help="Only these cases (repeatable, or comma-separated; default: all).")
@jobs_option
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "dta"]), default="csv",
              show_default=True)
@click.option("--codebook", is_flag=True, help="Print (or write) the codebook in Markdown "
                                               "instead of the panel.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (needed for parquet and dta).")
@rule_options
@kb_option
def panel(start: int | None, end: int | None, cases: tuple[str, ...], jobs: int, fmt: str,
          codebook: bool, output: str | None, strict: bool, params: tuple[str, ...],
          rules: tuple[str, ...], kb: str | None) -> None:
    """Every case at every year it covers, one row per case-year, for R, Stata or pandas.

    Columns: the profile, balances, fit, a 0/1 flag per finding kind, the GNP ratio, the
    parameters and the knowledge base's content hash (see --codebook).

    Example:

    \b
        smaf panel --format dta -o smaf.dta --jobs 2
        smaf panel --codebook -o codebook.md
    """
    from smaf_expert.panel.codebook import labels, render_codebook
    from smaf_expert.panel.panel import PanelSpec, plan_panel, run_panel
    from smaf_expert.panel.write import to_csv, write_panel
    from smaf_expert.parallel import parse_jobs

    if start is not None and end is not None and start > end:
        raise SmafError(f"--from {start} is after --to {end}")
    spec = PanelSpec(kb=kb, rules=tuple(rules),
                     params=tuple(sorted(_assignments(params).items())), strict=strict,
                     cases=tuple(c for arg in cases for c in arg.split(",") if c),
                     start=start, end=end)
    if codebook:
        text = render_codebook(spec.assessor().packs)
        if output:
            write_atomically(output, text)
        else:
            click.echo(text.rstrip("\n"))
        return
    if fmt != "csv" and not output:
        raise SmafError(f"--format {fmt} is binary: give -o FILE")
    jobs = parse_jobs(jobs)
    plan = plan_panel(spec)
    if sys.stderr.isatty():
        # A bar on a terminal only: a pipe or a log file gets nothing.
        with click.progressbar(length=plan.total, label="Assessing case-years",
                               file=sys.stderr) as bar:
            rows = run_panel(plan, jobs, bar.update)
    else:
        rows = run_panel(plan, jobs)
    if output:
        write_panel(output, fmt, plan.columns, rows, labels(plan.assessor.packs))
        click.echo(f"Wrote {len(rows)} case-years of {len(plan.tasks)} cases to {output} "
                   f"(knowledge {plan.version[:19]}...).", err=True)
    else:
        click.echo(to_csv(plan.columns, rows), nl=False)


COMMANDS = [panel]
