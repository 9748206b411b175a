"""``python -m residentlog``."""

from residentlog.cli.app import program

program()
