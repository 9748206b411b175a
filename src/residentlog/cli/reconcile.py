"""``import-landlord-records`` and ``reconcile``: the landlord's own records against the log
(see docs/reconcile.md)."""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from pathlib import Path
from typing import Annotated

import typer

from residentlog.cli.app import open_store, reads_ledger, run
from residentlog.cli.options import JsonOption, SinceOption, UntilOption

commands = typer.Typer()


@commands.command("import-landlord-records")
@run
def import_landlord_records(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The landlord's repair, complaint or contact log (.csv or .xlsx).",
            show_default=False,
        ),
    ],
    map_spec: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="TARGET=COLUMN,...",
            help="Its columns: ref=Job No,reported=Logged (required), and kind, priority, status, closed, "
            "outcome, details. Saved for next time under --map-name.",
        ),
    ] = None,
    map_name: Annotated[
        str, typer.Option("--map-name", metavar="NAME", help="The saved mapping to use or save.")
    ] = "landlord",
    source: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            help='What the file is, e.g. "repairs log from my subject access request, 3 March 2021".',
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="The log's kind for rows with no kind column or an empty one (e.g. lift)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Import the landlord's own records as one entry, kept apart from your evidence: the file is
    attached and hashed, and its rows are read again through the mapping whenever they are used.
    Importing the same file again adds nothing. Exit 1 if any row could not be read (the file is
    recorded all the same)."""
    from residentlog.cli.console import err, out, print_json
    from residentlog.errors import InputError
    from residentlog.ledger.landlord_records import import_records, mapping_text, parse_mapping
    from residentlog.ledger.sheets import load_maps, save_map
    from residentlog.ledger.when import utc_now

    with open_store() as store:
        if map_spec is not None:
            mapping = parse_mapping(map_spec)
        else:
            saved = load_maps(store.root).get(map_name)
            if saved is None:
                raise InputError(
                    f"no saved mapping {map_name!r}: give one, e.g. "
                    "--map ref=Job No,reported=Logged,kind=Type"
                )
            mapping = parse_mapping(mapping_text(saved))
            if not json_out:
                err(f"Using the saved mapping {map_name!r}: {mapping_text(mapping)}")
        done = import_records(store, path, mapping, source=source or "", kind=kind, now=utc_now())
        if map_spec is not None:
            save_map(store.root, map_name, mapping)
    bad = [str(b) for b in done.sheet.bad]
    if json_out:
        print_json(
            {
                "entry": done.num,
                "added": done.added,
                "sha256": done.sha256,
                "rows": len(done.sheet.records),
                "bad_rows": bad,
            }
        )
    else:
        for line in bad:
            err(f"Row not read: {line}")
        rows = len(done.sheet.records)
        if done.added:
            out(
                f"Recorded the landlord's records as entry {done.num}: "
                f"{rows} row{'s' if rows != 1 else ''} read."
            )
        else:
            out(f"Already imported as entry {done.num}; nothing added.")
    if bad:
        raise typer.Exit(1)


@commands.command("reconcile")
@run
@reads_ledger
def reconcile(
    tolerance: Annotated[
        int,
        typer.Option(min=0, max=60, help="Days apart a landlord's row and a report of the same kind may be."),
    ] = 2,
    recur_days: Annotated[
        int,
        typer.Option(
            "--recur-days",
            min=1,
            max=365,
            help="A fault back within this many days of a job closed as fixed.",
        ),
    ] = 30,
    since: SinceOption = None,
    until: UntilOption = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")] = None,
    json_out: JsonOption = False,
) -> None:
    """Compare the landlord's imported records with the log: reports they have no record of, jobs
    closed as fixed that came back, 'no access' claims, priorities and dates. Each match says why."""
    from residentlog.cli.console import out, print_json, reconcile_report
    from residentlog.documents.reconcile import store_reconciliation, to_json
    from residentlog.errors import InputError
    from residentlog.ledger.when import LONDON, parse_bound, utc_now

    now = utc_now()
    first = parse_bound(since, now, end=False).astimezone(LONDON).date() if since else None
    last = parse_bound(until, now, end=True).astimezone(LONDON).date() if until else None
    with open_store() as store:
        found = store_reconciliation(
            store, now, tolerance_days=tolerance, recur_days=recur_days, since=first, until=last, kinds=kind
        )
    if found is None:
        raise InputError(
            "no landlord's records imported yet: "
            "residentlog import-landlord-records FILE --map ref=Job No,reported=Logged"
        )
    if json_out:
        print_json(to_json(found))
        return
    reconcile_report(found)
    if not found.findings:
        out("The landlord's records and the log agree.")
