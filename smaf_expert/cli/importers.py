"""`smaf import DATASET FILE`: knowledge from the field's datasets, with provenance."""

from __future__ import annotations

import click

from smaf_expert.cli.common import kb_option
from smaf_expert.errors import SmafError
from smaf_expert.paths import default_knowledge

#: The importers' names and SIPRI's depth thresholds, spelt here so that `smaf --help` imports
#: no importer (and so no YAML machinery); tests/importers checks they match the importers.
DATASETS = ("cow-states", "rivalries", "sipri-trade", "wdi-gdp")
TIV_HIGH = 500.0
TIV_DEVELOPING = 50.0


@click.command("import")
@click.argument("dataset", type=click.Choice(DATASETS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show the diff and the summary; write nothing.")
@click.option("--tiv-high", type=float, default=TIV_HIGH, show_default=True,
              help="sipri-trade: TIV from which a deal is high-depth MTC.")
@click.option("--tiv-developing", type=float, default=TIV_DEVELOPING, show_default=True,
              help="sipri-trade: TIV from which a deal is developing-depth MTC.")
@kb_option
def import_cmd(dataset: str, file: str, dry_run: bool, tiv_high: float, tiv_developing: float,
               kb: str | None) -> None:
    """Import FILE, downloaded from DATASET, into the knowledge base, with provenance.

    Hand-coded entries are never changed (a disagreement is listed as a conflict); imported
    entries are marked `imported: DATASET`; a second run of the same file changes nothing.

    Example:

    \b
        smaf import rivalries strategic_rivalries.csv --kb my-knowledge --dry-run
    """
    target = kb or default_knowledge()
    if kb is None and default_knowledge().parent.name == "data":
        # Installed, the shipped knowledge lives inside the package: an import there would be
        # lost on the next upgrade, so it must be asked for by path.
        raise SmafError("give --kb PATH: the shipped knowledge base is installed inside the "
                        "package, where an import would be lost on upgrade")
    options = {"tiv_high": tiv_high, "tiv_developing": tiv_developing} if (
        dataset == "sipri-trade") else {}
    from smaf_expert.importers import run_import

    edits, report = run_import(dataset, target, file, dry_run, **options)
    if dry_run:
        diff = edits.diff()
        click.echo(diff.rstrip("\n") if diff else "No change.")
    click.echo(report.summary())
    for rel in edits.lossy():
        click.echo(f"Note: {rel} was rewritten whole (a flow-style list); its comments are "
                   "lost.", err=True)
    changed = list(edits.changed())
    verb = "would change" if dry_run else "changed"
    click.echo(f"{len(changed)} file(s) {verb}" + (f": {', '.join(changed)}" if changed else "."))


COMMANDS = [import_cmd]
