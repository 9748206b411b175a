"""``python -m residentlog``."""

from residentlog.cli import main

main()
