"""Commands that move a ledger to another store: ``export`` and ``import``.

An export never overwrites: it is a new zip file, or a new (or empty) folder.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from pathlib import Path
from typing import Annotated, Any

import typer

from residentlog.cli.app import open_store, reads_ledger, run
from residentlog.cli.options import JsonOption

commands = typer.Typer()


@commands.command("export")
@run
@reads_ledger
def export(
    dest: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.zip|DIR",
            help="Where to write: a new .zip file, or a new (or empty) folder.",
            show_default=False,
        ),
    ],
    json_out: JsonOption = False,
) -> None:
    """Write the whole store to a zip file or folder, for a backup or a new computer (no private key)."""
    from residentlog.transfer.exporter import export_store

    with open_store() as store:
        result = export_store(store, dest)
    _report(
        result,
        json_out,
        f"Exported {result.size} ledger records to {result.path}",
        "It holds your profile (name, address, landlord): keep it as private as the store itself.",
    )


@commands.command("import")
@run
def import_(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.zip|DIR", help="An export made by `residentlog export`.", show_default=False
        ),
    ],
    new_store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="NEW",
            help="The new store to create (default: the global --store, $RESIDENTLOG_STORE, else your "
            "user data directory). It must not exist, or be an empty folder.",
        ),
    ] = None,
    max_total_mb: Annotated[
        int | None,
        typer.Option("--max-total-mb", metavar="MB", help="Refuse an export larger than this (4096)."),
    ] = None,
    max_file_mb: Annotated[
        int | None,
        typer.Option("--max-file-mb", metavar="MB", help="Refuse any file in it larger than this (512)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Create a NEW store from an export, after checking every entry, attachment and checkpoint."""
    import dataclasses

    from residentlog.errors import InputError
    from residentlog.ledger.location import resolve_store
    from residentlog.transfer.format import Limits, MiB
    from residentlog.transfer.importer import import_store

    # `import X --store NEW` (this command's option) or `--store NEW import X` (the global one).
    target = resolve_store(new_store or ctx.find_root().params.get("store"))
    limits = Limits()
    for name, value in (("max_total", max_total_mb), ("max_file", max_file_mb)):
        if value is not None:
            if value <= 0:
                raise InputError(f"--{name.replace('_', '-')}-mb must be a positive number")
            limits = dataclasses.replace(limits, **{name: value * MiB})
    result = import_store(source, target, limits=limits)
    _report(
        result,
        json_out,
        f"Imported {result.size} ledger records into a new store at {result.path}",
        "Every entry, attachment, checkpoint and timestamp was checked; the new store verifies.",
    )
    if not json_out:
        from residentlog.cli.console import out

        out(f"New signing key (a private key never travels in an export): {result.new_key}")
        if result.old_key:
            out(f"Checkpoints given out before were signed by the old key: {result.old_key}")


def _report(result: Any, json_out: bool, headline: str, closing: str) -> None:
    """What an export or import carried (a ``transfer._Carried``), as JSON or as lines."""
    from residentlog.cli.console import out, print_json

    if json_out:
        print_json(result.as_json())
        return
    out(headline)
    out(f"  ledger id:   {result.ledger_id}")
    out(f"  root:        {result.as_json()['root']}")
    out(
        f"  attachments: {result.objects}   checkpoints: {result.checkpoints}   "
        f"timestamps: {result.timestamps}"
    )
    out(closing)
