"""The `smaf` command: a thin shell over the library, one module per command group."""

from __future__ import annotations

import click

from smaf_expert._version import __version__
from smaf_expert.cli import case, explain, importers, kb, network, panel, rules
from smaf_expert.cli.common import ErrorsAsMessages
from smaf_expert.errors import InputError


@click.group(cls=ErrorsAsMessages)
@click.version_option(version=__version__, package_name="smaf-expert")
def cli() -> None:
    """smaf: how far states are aligned, why, and where the relationship is heading.

    Example:

    \b
        smaf assess china-russia --format json
    """

for _module in (case, explain, network, panel, importers):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
cli.add_command(kb.kb)
cli.add_command(rules.rules)


def main() -> None:
    """Entry point for `python -m smaf_expert`."""
    cli()


__all__ = ["cli", "main", "InputError"]
