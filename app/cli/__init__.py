"""The `copydesk` command line (`app.cli.entry` builds the parser and runs a command)."""
from app.cli.entry import main

__all__ = ["main"]
