"""Commands over the whole network: quasi-alliances (Cha) and the graph export."""

from __future__ import annotations

import click

from smaf_expert.cli.common import YEAR, build_assessor, kb_option, rule_options
from smaf_expert.cli.output import write_atomically
from smaf_expert.rendering.render import render_template, to_json

SAME_RECORD = ("the fears and the observed outcome of each of the {n} scored periods come from "
               "the same coded record and sources, so a hit shows that the coding agrees with "
               "Cha's model rather than an independent test of it")


@click.command()
@click.option("--year", type=YEAR, default=None, help="Year (default: the current year).")
@click.option("--backtest", is_flag=True, help="Every coded period: prediction vs the record.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@rule_options
@kb_option
def quasi(year: int | None, backtest: bool, fmt: str, strict: bool, params: tuple[str, ...],
          rules: tuple[str, ...], kb: str | None) -> None:
    """Quasi-alliances (Cha) in the knowledge base at a year, or the model's record.

    Example:

    \b
        smaf quasi --year 1977
        smaf quasi --backtest
    """
    from datetime import date

    from smaf_expert.reasoning.network import NetworkAssessor

    network = NetworkAssessor(build_assessor(kb, rules, params, strict))
    if backtest:
        rows = network.backtest()
        scored = [r for r in rows if r["hit"] is not None]
        hits = sum(1 for r in scored if r["hit"])
        # A period's fears and its observed outcome are coded in one record with one source
        # list: a hit then shows consistent coding more than it tests the model.
        caveat = (SAME_RECORD.format(n=len(scored)) if scored else None)
        if fmt == "json":
            click.echo(to_json({"periods": rows, "hits": hits, "scored": len(scored),
                                "total": len(rows),
                                "hit_rate": round(hits / len(scored), 3) if scored else None,
                                "caveat": caveat}))
            return
        click.echo(render_template("backtest.txt.j2", rows=rows, hits=hits,
                                   scored=len(scored), caveat=caveat).rstrip("\n"))
        return
    year = year or date.today().year
    entries, _ = network.quasi(year)
    if fmt == "json":
        click.echo(to_json([e.as_dict() for e in entries]))
        return
    names = {sid: s.name for sid, s in network.assessor.kb.states.items()}
    click.echo(render_template("quasi.txt.j2", year=year, entries=entries,
                               state_names=names).rstrip("\n"))


@click.command()
@click.option("--year", type=YEAR, default=None, help="Year (default: the current year).")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json", "dot"]),
              default="graphml")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (default: standard output).")
@kb_option
def graph(year: int | None, fmt: str, output: str | None, kb: str | None) -> None:
    """Export the multilateral graph at a year (typed edges) for Gephi or networkx.

    Example:

    \b
        smaf graph --year 2020 --format graphml -o alignments-2020.graphml
    """
    from datetime import date

    from smaf_expert.rendering.graph_export import export_graph, render_graph

    text = render_graph(export_graph(build_assessor(kb), year or date.today().year), fmt)
    if output:
        write_atomically(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text.rstrip("\n"))




COMMANDS = [quasi, graph]
