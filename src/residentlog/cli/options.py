"""Command-line options shared by several command modules (Typer annotations only)."""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from typing import Annotated

import typer

KINDS_HELP = "lift, door, asb, cctv, repair, damp, contact, complaint, service-charge, note"
SinceOption = Annotated[str | None, typer.Option(help="Only things that happened on or after this date.")]
UntilOption = Annotated[str | None, typer.Option(help="Only things that happened on or before this date.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
