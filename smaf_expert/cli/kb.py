"""`smaf kb`: check and describe a knowledge base."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import click

from smaf_expert.cli.common import ErrorsAsMessages, kb_option
from smaf_expert.errors import KnowledgeError
from smaf_expert.indicators import INDICATORS
from smaf_expert.paths import default_knowledge, default_rules


def _load(kb: str | None) -> Any:
    # Imported here: `smaf --help` need not load the YAML and JSON-schema machinery.
    from smaf_expert.knowledge.loader import load_knowledge

    return load_knowledge(kb or default_knowledge())


@click.group(cls=ErrorsAsMessages)
def kb() -> None:
    """Check and describe a knowledge base."""


@kb.command("validate")
@kb_option
@click.option("--rules", "rules", multiple=True, type=click.Path(exists=False),
              help="Rule pack file or folder whose `knowledge:` declarations the attributes "
                   "are checked against, beside the shipped packs (repeatable).")
def kb_validate(kb: str | None, rules: tuple[str, ...]) -> None:
    """Validate every file of the knowledge base; list every problem with file:line.

    Attributes (theory data for rule packs) are checked against the packs loaded: the shipped
    ones and those given with --rules.

    Warnings (e.g. an undated `rivals:` list) are printed to stderr and do not fail the check.

    Example:

    \b
        smaf kb validate --kb ./my-knowledge --rules ./my-packs
    """
    from smaf_expert.knowledge.attributes import check_attributes
    from smaf_expert.packs.format import load_packs

    base = _load(kb)
    packs = load_packs([default_rules(), *[Path(r) for r in rules]])
    problems, unchecked = check_attributes(base.attributes, packs)
    if problems:
        raise KnowledgeError(problems)
    if unchecked:
        click.echo(f"unchecked: attributes of packs not loaded ({', '.join(unchecked)}); "
                   "give them with --rules to check them")
    click.echo(f"ok: {len(base.states)} states, {len(base.relations)} relations, "
               f"{len(base.alignments)} cases ({len(base.evidence)} evidence items), "
               f"{len(base.quasi)} quasi-alliance triads in {base.root}")
    for w in base.warnings:
        click.echo(f"warning: {w.path}:{w.line}: {w.message}", err=True)


@kb.command("stats")
@kb_option
def kb_stats(kb: str | None) -> None:
    """Coverage: for each case, the evidence per indicator and which indicators are unknown.

    Example:

    \b
        smaf kb stats
    """
    base = _load(kb)
    head = " ".join(f"{i.stage:>3}" for i in INDICATORS)
    click.echo(f"{'case':<24} {head}  unknown")
    for c in sorted(base.alignments.values(), key=lambda c: c.id):
        counts = Counter(e.indicator for e in c.evidence)
        cells = " ".join(f"{counts.get(i.id, 0):>3}" for i in INDICATORS)
        unknown = [i.id for i in INDICATORS if not counts.get(i.id)]
        click.echo(f"{c.id:<24} {cells}  {', '.join(unknown) or '-'}")


@kb.command("show")
@kb_option
@click.argument("entry_ids", nargs=-1, required=True, metavar="ID...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def kb_show(kb: str | None, entry_ids: tuple[str, ...], fmt: str) -> None:
    """The knowledge entries behind ids that a trace or verdict cites: what each says, its
    years, its sources and its file:line.

    Every id in a trace resolves here (DOMAIN.md section 5); an unknown id is an error that
    names the closest ids.

    Example:

    \b
        smaf kb show chnrus-mtc-2
        smaf kb show 'IND#gnp@2020' 'relations#rivalry/CHN-VNM'
    """
    from smaf_expert.knowledge.entries import find_entry, knowledge_entries
    from smaf_expert.rendering.render import to_json

    known = knowledge_entries(_load(kb))
    entries = [find_entry(known, eid) for eid in entry_ids]
    if fmt == "json":
        click.echo(to_json({e.id: e.as_record() for e in entries}))
        return
    for n, e in enumerate(entries):
        # A GNP figure is a point in time; every other dated entry holds from its year on.
        span = ("" if e.year is None else f" ({e.year})" if e.kind == "gnp"
                else f" ({e.year}-{'' if e.until is None else e.until})")
        place = f"{e.file}:{e.line}" if e.line else e.file
        click.echo(("\n" if n else "") + f"{e.id} [{e.kind}]{span}\n  {e.text}\n  file: {place}")
        for source in e.sources:
            click.echo(f"  source: {source}")
        if not e.sources:
            click.echo("  source: none given")
