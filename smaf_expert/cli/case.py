"""Commands on one case or a few: assess, timeline, compare, report, cases."""

from __future__ import annotations

from typing import Any

import click

from smaf_expert.cli.common import (
    YEAR,
    build_assessor,
    jobs_option,
    kb_option,
    rule_options,
    whatif_options,
)
from smaf_expert.cli.output import write_atomically
from smaf_expert.paths import default_knowledge
from smaf_expert.rendering.render import (
    TRACE_VIEWS,
    render_template,
    render_verdict,
    timeline_rows,
    to_json,
)


@click.command()
@click.argument("case")
@click.option("--year", type=YEAR, default=None,
              help="Year of assessment (default: the case's last coded year).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "prov"]), default="text",
              help="prov: the trace as W3C PROV-JSON.")
@click.option("--trace", "trace", type=click.Choice(TRACE_VIEWS), default="short",
              show_default=True,
              help="Reasoning shown in text: `short` gives identical firings once with their "
                   "count and leaves out negative bookkeeping (`lacks`); `full` every firing. "
                   "JSON always has every firing.")
@whatif_options
@rule_options
@kb_option
def assess(case: str, year: int | None, fmt: str, trace: str, assume: tuple[str, ...],
           drop: tuple[str, ...], strict: bool, params: tuple[str, ...],
           rules: tuple[str, ...], kb: str | None) -> None:
    """Assess the degree of alignment of CASE at a year, with the reasoning.

    With --assume or --drop, the verdict under that scenario and what changed (with --format
    prov, its provenance: the assumptions attributed to the analyst, the dropped items
    invalidated).

    Example:

    \b
        smaf assess us-india --year 2020 --param hedging.stages=3
        smaf assess us-india --assume integrated_command=present:low
        smaf assess us-india --format prov
    """
    assessor = build_assessor(kb, rules, params, strict)
    if not (assume or drop):
        verdict = assessor.assess(case, year)
        if fmt == "prov":
            from smaf_expert.rendering.prov import render_prov

            click.echo(render_prov(verdict, assessor.kb.root, assessor.packs))
            return
        click.echo(render_verdict(verdict, fmt, trace).rstrip("\n"))
        return
    from smaf_expert.explanation.whatif import diff, scenario_text, what_if

    before, after = what_if(assessor, case, year, list(assume), list(drop))
    if fmt == "prov":
        _echo_scenario_prov(assessor, after, assume, drop)
        return
    changes = diff(before, after)
    if fmt == "json":
        click.echo(to_json({"scenario": {"assume": list(assume), "drop": list(drop)},
                            "diff": changes, "verdict": after.as_dict()}))
        return
    click.echo(render_verdict(after, fmt, trace).rstrip("\n"))
    click.echo("")
    click.echo(render_template("whatif.txt.j2", before=before, d=changes,
                               scenario=scenario_text(assume, drop)).rstrip("\n"))


def _echo_scenario_prov(assessor: Any, verdict: Any, assume: tuple[str, ...],
                        drop: tuple[str, ...]) -> None:
    """The PROV-JSON of a verdict made under a what-if scenario: the assumptions attributed to
    the analyst, the dropped items invalidated."""
    from smaf_expert.explanation.whatif import assumed_id, parse_assumption
    from smaf_expert.rendering.prov import Scenario, render_prov

    records = assessor.records
    scenario = Scenario(list(assume), list(drop),
                        assumed=[assumed_id(parse_assumption(a)[0]) for a in assume],
                        dropped={eid: records[eid] for eid in drop})
    click.echo(render_prov(verdict, assessor.kb.root, assessor.packs, scenario))



@click.command()
@click.argument("case")
@click.option("--from", "start", type=YEAR, required=True, help="First year.")
@click.option("--to", "end", type=YEAR, required=True, help="Last year.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@jobs_option
@rule_options
@kb_option
def timeline(case: str, start: int, end: int, fmt: str, jobs: int, strict: bool,
             params: tuple[str, ...], rules: tuple[str, ...], kb: str | None) -> None:
    """The degree of CASE year by year, with drops (de-institutionalisation) marked.

    Example:

    \b
        smaf timeline us-philippines --from 2010 --to 2024
    """
    assessor = build_assessor(kb, rules, params, strict)
    from smaf_expert.parallel import parse_jobs

    verdicts = assessor.timeline(case, start, end, parse_jobs(jobs))
    rows = timeline_rows(verdicts)
    if fmt == "json":
        click.echo(to_json([{k: r[k] for k in ("year", "degree", "level", "depth", "ceiling",
                                                "findings", "changes")} for r in rows]))
        return
    c = assessor.case(case)
    click.echo(render_template("timeline.txt.j2", name=c.name, parties=c.parties, start=start,
                               end=end, rows=rows).rstrip("\n"))



@click.command()
@click.argument("case")
@click.option("--year", type=YEAR, default=None,
              help="Year of assessment of the case, and the last year drawn for every "
                   "comparator (default: the case's last coded year).")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html")
@click.option("--compare", "comparators", multiple=True, metavar="CASE",
              help="Another case for Figure 1 (repeatable; default: china-russia and us-india).")
@click.option("--from", "start", type=YEAR, default=None,
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

    \b
        smaf report us-india -o us-india.html
    """
    from smaf_expert.rendering.report import render_report

    text = render_report(build_assessor(kb, rules, params, strict), case, year, fmt,
                         list(comparators) or None, start)
    if output:
        write_atomically(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))


@click.command("compare")
@click.argument("cases", nargs=-1, required=True)
@click.option("--year", type=YEAR, default=None,
              help="One year for all cases (default: the earliest of their last coded "
                   "years).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@rule_options
@kb_option
def compare_cmd(cases: tuple[str, ...], year: int | None, fmt: str, strict: bool,
                params: tuple[str, ...], rules: tuple[str, ...], kb: str | None) -> None:
    """The cases side by side: profile, incentives, degree, ceiling, fit.

    Example:

    \b
        smaf compare china-russia us-india
    """
    from smaf_expert.explanation.compare import compare, render_compare

    click.echo(render_compare(compare(build_assessor(kb, rules, params, strict), list(cases), year),
                              fmt).rstrip("\n"))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@kb_option
def cases(fmt: str, kb: str | None) -> None:
    """List the cases of the knowledge base: parties, years covered (first year with evidence
    to the last coded year, the year `assess` uses without --year), evidence counts.

    Example:

    \b
        smaf cases --format json
    """
    from smaf_expert.knowledge.loader import load_knowledge
    from smaf_expert.knowledge.years import last_coded_year

    base = load_knowledge(kb or default_knowledge())
    rows = []
    for c in sorted(base.alignments.values(), key=lambda c: c.id):
        rows.append({"case": c.id, "name": c.name, "parties": list(c.parties),
                     "against": c.against, "from": c.years()[0], "to": last_coded_year(c),
                     "evidence": len(c.evidence)})
    if fmt == "json":
        click.echo(to_json(rows))
        return
    click.echo(f"{'case':<24} {'parties':<16} {'against':<8} {'years':<10} evidence")
    for r in rows:
        click.echo(f"{r['case']:<24} {'-'.join(r['parties']):<16} {r['against'] or '-':<8} "
                   f"{r['from'] or '-'}-{r['to'] or '-':<5} {r['evidence']}")


COMMANDS = [assess, timeline, report, compare_cmd, cases]
