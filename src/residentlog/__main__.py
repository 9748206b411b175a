"""``python -m residentlog``."""

from residentlog.cli.app import main

main()
