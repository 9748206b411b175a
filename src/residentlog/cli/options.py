"""What several command modules share: option annotations, and the one way a command writes a
file the user named (``-o FILE``).

The overwrite policy, for every command: a file that exists is never replaced unless ``--force``
is given; it is refused, before any work is done, with one line naming it (exit 2). A file is
written whole or not at all (:func:`residentlog.fsutil.write_output`).
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from pathlib import Path
from typing import Annotated

import typer

SinceOption = Annotated[str | None, typer.Option(help="Only things that happened on or after this date.")]
UntilOption = Annotated[str | None, typer.Option(help="Only things that happened on or before this date.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the -o file if it exists.")]
NoPagerOption = Annotated[
    bool, typer.Option("--no-pager", help="On a terminal, print straight out, not through $PAGER.")
]
RecipientOption = Annotated[
    str | None,
    typer.Option("--to", metavar="RECIPIENT", help="Who the new checkpoint is given to (kept with it)."),
]


def check_new_file(path: Path, force: bool) -> None:
    """Refuse ``path`` if a file is there and ``force`` is not given (call it before any work)."""
    from residentlog.errors import InputError

    if (path.exists() or path.is_symlink()) and not path.is_dir() and not force:
        raise InputError(
            f"{path} already exists (nothing was written); use --force to replace it, or give another name"
        )


def write_new_file(path: Path, data: bytes | str, force: bool) -> None:
    """Write the file the user named: refused as :func:`check_new_file` says, else atomically."""
    from residentlog.fsutil import write_output

    check_new_file(path, force)
    write_output(path, data, replace=force)  # refused even if the file appeared since the check
