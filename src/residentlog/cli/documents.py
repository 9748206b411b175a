"""Commands that make documents from the ledger: ``chronology``, ``bundle``, ``letter`` and
``templates list|copy``.

Rendering (Jinja, and PDF or Word output their own libraries) is imported only when one of
these runs. What format a file name means is :mod:`residentlog.documents.formats`.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import sys
from pathlib import Path
from typing import Annotated

import typer

from residentlog.cli.app import new_app, open_store, reads_ledger, run
from residentlog.cli.options import ForceOption, SinceOption, UntilOption, check_new_file, write_new_file
from residentlog.errors import InputError

commands = typer.Typer()
templates_app = new_app("The templates letters and documents are made from: list them, or copy one to edit.")
commands.add_typer(templates_app, name="templates")

# Kept in step with residentlog.documents.letters.LETTER_TYPES (a test checks), so that --help does not
# have to import the letters module.
LETTER_TYPE_NAMES: tuple[str, ...] = (
    "repair-report",
    "repair-chaser",
    "complaint-stage1",
    "complaint-stage2",
    "ombudsman-referral",
    "cctv-request",
    "subject-access",
    "service-charge-query",
    "hazard-report",
    "timeframes-request",
)

CaseOption = Annotated[list[str] | None, typer.Option("--case", help="Only this case (repeatable).")]
KindOption = Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")]
ByCaseOption = Annotated[
    bool, typer.Option("--by-case", help="Group the entries by case instead of one list in date order.")
]


@commands.command()
@run
@reads_ledger
def chronology(
    case: CaseOption = None,
    kind: KindOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="md, html, pdf, csv or json (default: from -o's extension, else md). pdf needs -o.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")] = None,
    force: ForceOption = False,
    by_case: ByCaseOption = False,
) -> None:
    """A dated chronology: summary, timeframes missed, chart, numbered entries, checkpoint."""
    from residentlog.cli.console import Working, out
    from residentlog.documents.chronology import FORMATS, chronology_context, render_context
    from residentlog.documents.formats import choose_format
    from residentlog.ledger.vocabulary import check_kind
    from residentlog.ledger.when import utc_now

    chosen = choose_format(fmt, output, FORMATS, "chronology")
    if chosen == "pdf" and output is None:
        raise InputError("--format pdf: give a file to write with -o FILE.pdf")
    for k in kind or ():
        check_kind(k)
    if output is not None:
        check_new_file(output, force)
    with Working("Reading and checking the ledger") as working, open_store() as store:
        context = chronology_context(
            store, utc_now(), cases=case or (), kinds=kind or (), since=since, until=until, by_case=by_case
        )
        working.step("Typesetting the PDF" if chosen == "pdf" else "Writing the chronology")
        result = render_context(context, chosen, store)
    data = result.encode("utf-8") if isinstance(result, str) else result
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_new_file(output, data, force)
    n, x = len(context["entries"]), len(context["exhibits"])
    entries = f"{n} entr{'y' if n == 1 else 'ies'}"
    out(f"Wrote {output} ({chosen}, {entries}, {x} exhibit{'' if x == 1 else 's'})")


@commands.command()
@run
@reads_ledger
def bundle(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="A new directory, or a new FILE.zip. Never overwritten."),
    ],
    case: CaseOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by_case: ByCaseOption = False,
) -> None:
    """An evidence bundle: chronology (HTML and PDF), exhibits, digests, checkpoint, how to verify."""
    from residentlog.cli.console import Working, out
    from residentlog.documents.bundle import build_bundle
    from residentlog.ledger.when import utc_now

    with Working("Making the bundle: reading the ledger, the chronology, its PDF"), open_store() as store:
        result = build_bundle(
            store, utc_now(), output, cases=case or (), since=since, until=until, by_case=by_case
        )
    what = "zip file" if result.is_zip else "directory"
    out(
        f"Wrote {what} {result.path}: chronology (HTML and PDF) of {result.entries} entries, "
        f"{result.exhibits} exhibit{'' if result.exhibits == 1 else 's'} with SHA-256 digests, "
        f"checkpoint of {result.checkpoint_size} records. See VERIFY.txt inside."
    )


@commands.command()
@run
@reads_ledger
def letter(
    type_name: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="The letter: " + ", ".join(LETTER_TYPE_NAMES) + ".",
            show_default=False,
        ),
    ],
    case: Annotated[
        list[str] | None,
        typer.Option(
            "--case",
            metavar="NAME",
            help="A case the letter is about (repeatable). Without it, the letter covers the cases "
            "that fit its type (for a complaint: those with missed timeframes).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="md, txt, html, pdf or docx (pdf and docx need -o). Default: from -o's extension, else md.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write the letter to this file."),
    ] = None,
    force: ForceOption = False,
    channel: Annotated[
        str,
        typer.Option("--channel", metavar="HOW", help="How you send it, for the record: letter or email."),
    ] = "letter",
    no_record: Annotated[
        bool,
        typer.Option(
            "--no-record",
            help="For drafts: do not record the letter in your log. By default it is recorded as sent "
            "(an outgoing contact entry with the letter attached), which starts the landlord's "
            "response time.",
        ),
    ] = False,
) -> None:
    """Write a letter from your log: dates, counts, your landlord's references and timeframes with
    their sources, ending with a checkpoint of the log."""
    from residentlog.cli.console import Working, err, out
    from residentlog.documents.formats import choose_format
    from residentlog.documents.letters import (
        BINARY_FORMATS,
        FORMATS,
        build_letter,
        letter_type,
        record_letter,
    )
    from residentlog.ledger.when import utc_now

    kind = letter_type(type_name.strip().lower()).name
    chosen = choose_format(fmt, output, FORMATS, "letter")
    if chosen in BINARY_FORMATS and output is None:
        raise InputError(f"--format {chosen} writes a file: give one with -o FILE")
    if channel not in ("letter", "email"):
        raise InputError(f"--channel: choose letter or email, not {channel!r}")
    if output is not None:
        check_new_file(output, force)
    with open_store() as store:
        now = utc_now()
        with Working("Reading and checking the ledger, working out the timeframes"):
            made = build_letter(store, kind, case or (), chosen, now, draft=no_record)
        if output is not None:
            write_new_file(output, made.data, force)
        added = None
        if not no_record:
            added = record_letter(store, made, channel=channel, attach=output, now=now)
    for warning in made.warnings:
        err(f"Warning: {warning}")
    if output is None:
        sys.stdout.write(made.data.decode("utf-8"))
        sys.stdout.flush()
    else:
        out(f"Wrote {output}")
    if added is None:
        err("Not recorded in your log (--no-record).")
        return
    err(f"Recorded as sent: entry {added.num}, with the letter attached (use --no-record for drafts).")
    from residentlog.deadlines.clocks import LETTER_FACTS

    if made.type in LETTER_FACTS or made.type in ("subject-access", "cctv-request"):
        err("This entry starts the landlord's response clock: see residentlog deadlines.")


@templates_app.command("list")
@run
def templates_list() -> None:
    """Every template, and whether your store has its own copy (used instead)."""
    from residentlog.cli.console import out
    from residentlog.documents.letters import template_rows
    from residentlog.errors import ResidentlogError

    try:
        with open_store() as store:
            root = store.root
    except ResidentlogError:  # no store yet: the shipped templates are all there is
        root = None
    rows = template_rows(root)
    width = max(len(name) for name, _ in rows)
    for name, where in rows:
        note = {"store": "your copy is used", "store only": "yours only"}.get(where, "")
        out(f"{name:<{width}}  {note}".rstrip())
    if root is not None:
        out(f"Your copies live in {root / 'templates'}; make one with: residentlog templates copy NAME")


@templates_app.command("copy")
@run
def templates_copy(
    name: Annotated[
        str,
        typer.Argument(
            help="A template (see templates list) or a letter type, e.g. complaint-stage1.",
            show_default=False,
        ),
    ],
) -> None:
    """Copy a shipped template into your store to edit; it is then used instead. Never overwrites."""
    from residentlog.cli.console import out
    from residentlog.documents.letters import copy_template

    with open_store() as store:
        target = copy_template(store.root, name)
    out(f"Copied to {target}")
    out("Edit it there: residentlog now uses your copy instead of the shipped one.")
