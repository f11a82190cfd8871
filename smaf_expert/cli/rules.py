"""`smaf rules`: inspect, lint, test and draw the rule packs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from smaf_expert.cli.common import ErrorsAsMessages, jobs_option
from smaf_expert.cli.output import write_atomically
from smaf_expert.errors import AssessmentError, did_you_mean
from smaf_expert.paths import default_rules
from smaf_expert.rendering.render import to_json

if TYPE_CHECKING:
    from smaf_expert.packs.format import Pack


def load_packs(paths: list[Path]) -> list[Pack]:
    """The packs at `paths` (imported here: `smaf --help` loads no pack machinery)."""
    from smaf_expert.packs.format import load_packs as load

    return load(paths)


@click.group(cls=ErrorsAsMessages)
def rules() -> None:
    """Inspect the rule packs."""


@rules.command("list")
@click.option("--rules", "extra", multiple=True, type=click.Path(exists=False),
              help="Extra rule pack file or folder (repeatable).")
def rules_list(extra: tuple[str, ...]) -> None:
    """List every rule: id, pack, statement.

    Example:

    \b
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

    \b
        smaf rules show S-hedging
    """
    import yaml

    from smaf_expert.packs.rulegraph import rule_graph, rule_links

    packs = load_packs([default_rules(), *[Path(p) for p in extra]])
    rule = next((r for p in packs for r in p.rules if r.id == rule_id), None)
    if rule is None:
        ids = [r.id for p in packs for r in p.rules]
        raise AssessmentError(f"no rule {rule_id!r}{did_you_mean(rule_id, ids)}")
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

    \b
        smaf rules lint ./my-packs
    """
    from smaf_expert.packs.lint import errors, lint_packs

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
@jobs_option
def rules_test(paths: tuple[str, ...], only: str | None, jobs: int) -> None:
    """Run the examples that packs ship with; pass/fail per example; exit 1 on any failure.

    Example:

    \b
        smaf rules test
    """
    from smaf_expert.packs.examples import run_examples
    from smaf_expert.parallel import parse_jobs

    results = run_examples([Path(p) for p in paths] or [default_rules()], only=only,
                           jobs=parse_jobs(jobs))
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

    \b
        smaf rules graph --format svg -o rules.svg
    """
    from smaf_expert.packs.params import parse_assignments
    from smaf_expert.packs.rulegraph import rule_graph, to_dot, to_svg

    g = rule_graph(load_packs([default_rules(), *[Path(p) for p in extra]]),
                   parse_assignments(params), scope)
    for problem in g.graph.get("errors") or []:
        click.echo(f"warning: {problem}", err=True)
    text = to_svg(g) if fmt == "svg" else to_dot(g)
    if output:
        write_atomically(output, text)
    else:
        click.echo(text.rstrip("\n"))


@rules.command("params")
def rules_params() -> None:
    """List the parameters of the shipped packs with their defaults.

    Example:

    \b
        smaf rules params
    """
    from smaf_expert.packs.params import bounds, declared_parameters

    for name, p in sorted(declared_parameters(load_packs([default_rules()])).items()):
        click.echo(f"{name} = {p.default!r} ({p.type}{bounds(p)}, pack {p.pack})\n    {p.doc}")

