"""``import-evidence``: bring emails, photos, other files and a diary spreadsheet into the log
(see docs/import.md)."""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from pathlib import Path
from typing import Annotated

import typer

from residentlog.cli.app import open_store, run
from residentlog.cli.options import JsonOption

commands = typer.Typer()


@commands.command("import-evidence")
@run
def import_evidence(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="Emails (.eml, an mbox file, a Maildir folder), photos, other files, or folders of them; "
            "with --diary, CSV/XLSX diaries.",
            show_default=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be recorded; write nothing.")
    ] = False,
    diary: Annotated[
        bool,
        typer.Option(
            "--diary", help="Read CSV and XLSX files as a diary, one entry per row (needs a mapping)."
        ),
    ] = False,
    map_spec: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="TARGET=COLUMN,...",
            help="The diary's columns: when=Date,summary=What (required), and time, details, kind, location, "
            "case, tags, ref, event, channel. Saved for next time under --map-name.",
        ),
    ] = None,
    map_name: Annotated[
        str, typer.Option("--map-name", metavar="NAME", help="The saved mapping to use or save.")
    ] = "diary",
    kind: Annotated[
        str,
        typer.Option(help="The kind of entry for photos, files and diary rows (emails are contact or note)."),
    ] = "note",
    case: Annotated[str | None, typer.Option(help="Put every imported entry in this case.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Also tag every entry (repeatable).")] = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Also check each email's DKIM signature with the sender's public key from DNS (uses the "
            "network; without it only the body hash is checked, offline).",
        ),
    ] = False,
    show_gps: Annotated[
        bool,
        typer.Option("--show-gps", help="Show where each photo was taken (it can reveal your home)."),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Import earlier evidence: emails, photos, files, a diary. Each becomes a dated entry with the
    original attached; what is already in the log is left out. Exit 1 if any file could not be
    imported (the others were)."""
    from residentlog.cli.console import ProgressBar, err
    from residentlog.errors import InputError
    from residentlog.ledger.profile import load_profile
    from residentlog.ledger.sheets import load_maps, save_map
    from residentlog.transfer.evidence.diary import mapping_text, parse_mapping
    from residentlog.transfer.evidence.importing import Options
    from residentlog.transfer.evidence.importing import import_evidence as run_import

    with open_store() as store:
        mapping = None
        if diary:
            if map_spec is not None:
                mapping = parse_mapping(map_spec)
            else:
                mapping = load_maps(store.root).get(map_name)
                if mapping is None:
                    raise InputError(
                        f"no saved mapping {map_name!r}: give one, e.g. --map when=Date,summary=What"
                    )
                if not json_out:
                    err(f"Using the saved mapping {map_name!r}: {mapping_text(mapping)}")
        elif map_spec is not None:
            raise InputError("--map is for a diary: add --diary")
        options = Options(
            kind=kind, case=case, tags=tuple(tag or ()), diary=diary, mapping=mapping, online=online
        )
        if not load_profile(store.root).landlord_emails and not json_out:
            err(
                "Note: your profile has no landlord email addresses, so no email can be recognised as "
                "from or to your landlord (residentlog profile --landlord-email repairs@landlord.org)."
            )
        with ProgressBar("Importing", enabled=not json_out) as bar:
            report = run_import(
                store, paths, options, dry_run=dry_run, on_sources=bar.start, advance=bar.advance
            )
        if diary and map_spec is not None and mapping is not None and not dry_run:
            save_map(store.root, map_name, mapping)
    _show(report, json_out, show_gps)
    if report.count("bad"):
        raise typer.Exit(1)


def _show(report: "object", json_out: bool, show_gps: bool) -> None:
    from residentlog.cli.console import err, evidence_table, print_json
    from residentlog.ledger.when import format_local_short, from_rfc3339
    from residentlog.transfer.evidence.importing import Report

    assert isinstance(report, Report)
    if json_out:
        print_json(
            {
                "dry_run": report.dry_run,
                "items": [o.as_json(private=show_gps) for o in report.outcomes],
            }
        )
        return
    labels = {"added": "added", "would-add": "would add", "already": "already in", "bad": "NOT imported"}
    headings = ("Source", "Result", "Entry", "Happened (UK)", "Kind", "Summary") + (
        ("GPS",) if show_gps else ()
    )
    rows = []
    for o in report.outcomes:
        happened = (
            format_local_short(from_rfc3339(o.occurred_at), o.occurred_precision) if o.occurred_at else ""
        )
        summary = o.summary if o.status in ("added", "would-add") else o.reason
        row = (o.source, labels[o.status], str(o.number or ""), happened, o.kind, summary)
        rows.append(row + ((o.private.get("gps", ""),) if show_gps else ()))
    if rows:
        evidence_table(rows, headings)
    added = report.count("would-add" if report.dry_run else "added")
    verb = "Would add" if report.dry_run else "Added"
    err(
        f"{verb} {added} entr{'y' if added == 1 else 'ies'}; {report.count('already')} already in the log; "
        f"{report.count('bad')} could not be imported."
        + (" Dry run: nothing was written." if report.dry_run else "")
    )
