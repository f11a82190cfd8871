"""`python -m smaf_expert` runs the CLI."""

from smaf_expert.cli import main

main()
