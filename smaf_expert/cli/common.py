"""What the commands share: error handling, option bundles, the assessor they build."""

from __future__ import annotations

import os
import sys
from functools import wraps
from typing import TYPE_CHECKING, Any

import click

from smaf_expert.cli.output import OutputError
from smaf_expert.errors import EngineError, SmafError

if TYPE_CHECKING:
    from smaf_expert.reasoning.assess import Assessor

#: Years a command accepts (DOMAIN.md section 7): what the knowledge format allows.
YEAR = click.IntRange(1800, 2100)


class ErrorsAsMessages(click.Group):
    """Turns our errors into a message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SmafError as err:
            click.echo(f"Error: {err.message}", err=True)
            # Bad input (files, ids, years) is the user's to fix: 2, as click does for usage.
            sys.exit(1 if isinstance(err, EngineError | OutputError) else 2)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click prints these itself, with its own exit codes
        except (Exception, RecursionError, MemoryError) as err:  # noqa: BLE001 - the CLI's edge
            # Not expected: still a message and an exit code, never a traceback (DOMAIN.md
            # section 7); SMAF_DEBUG=1 shows the traceback for a bug report.
            if os.environ.get("SMAF_DEBUG"):
                raise
            click.echo(f"Error: unexpected {type(err).__name__}: {err} (this is a bug in "
                       "smaf; run with SMAF_DEBUG=1 for the details)", err=True)
            sys.exit(1)


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


def jobs_option(func: Any) -> Any:
    """--jobs N: processes for commands that assess many case-years (default: every core)."""
    return click.option("--jobs", "-j", "jobs", type=int, default=0, show_default=False,
                        metavar="N", help="Processes to use (default 0: every core; 1: no "
                                          "pool). Output order does not depend on it.")(func)


def build_assessor(kb: str | None, rules: tuple[str, ...] = (), params: tuple[str, ...] = (),
                   strict: bool = False) -> Assessor:
    """The Assessor a command runs: knowledge, shipped plus extra packs, parameters."""
    # Imported here so that `smaf --help` and commands that assess nothing load no engine.
    from smaf_expert.packs.params import parse_assignments
    from smaf_expert.reasoning.assess import make_assessor

    return make_assessor(kb, list(rules), parse_assignments(params), strict)

