"""`python -m smaf_expert` runs the CLI."""

from .cli import main

main()
