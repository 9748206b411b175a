"""Letter commands: ``letter TYPE`` and ``templates list|copy``.

:func:`register` adds them to the main app. Like the other command modules, each command
imports what it needs when it runs (the letters module pulls in Jinja, and PDF or Word output
their own libraries), so other commands do not pay for them.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

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


def register(app: typer.Typer, run: Callable[..., Any], open_store: Callable[[], Any]) -> None:
    """Add ``letter`` and the ``templates`` command group to ``app``."""
    templates_app = typer.Typer(
        help="The templates letters and documents are made from: list them, or copy one to edit.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )
    app.add_typer(templates_app, name="templates")

    @app.command()
    @run
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
                help="md, txt, html, pdf or docx (pdf and docx need -o). Default: from -o's extension, "
                "else md.",
                show_default=False,
            ),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "-o", "--output", metavar="FILE", help="Write the letter to this file (never overwritten)."
            ),
        ] = None,
        channel: Annotated[
            str,
            typer.Option(
                "--channel", metavar="HOW", help="How you send it, for the record: letter or email."
            ),
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
        import sys

        from residentlog.cli.console import err, out
        from residentlog.documents.letters import (
            BINARY_FORMATS,
            FORMATS,
            build_letter,
            letter_type,
            record_letter,
        )
        from residentlog.errors import InputError
        from residentlog.ledger.when import utc_now

        kind = letter_type(type_name.strip().lower()).name
        if fmt is None:
            suffix = output.suffix.lower().lstrip(".") if output is not None else ""
            fmt = suffix if suffix in FORMATS else "md"
        if fmt not in FORMATS:
            raise InputError(f"--format: choose one of {', '.join(FORMATS)}, not {fmt!r}")
        if fmt in BINARY_FORMATS and output is None:
            raise InputError(f"--format {fmt} writes a file: give one with -o FILE")
        if channel not in ("letter", "email"):
            raise InputError(f"--channel: choose letter or email, not {channel!r}")
        if output is not None and (output.exists() or output.is_symlink()):
            raise InputError(f"{output} already exists; choose another file name (nothing was written)")
        with open_store() as store:
            now = utc_now()
            made = build_letter(store, kind, case or (), fmt, now, draft=no_record)
            if output is not None:
                _write_new(output, made.data)
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

    def _write_new(path: Path, data: bytes) -> None:
        from residentlog.errors import InputError

        try:
            with open(path, "xb") as fh:
                fh.write(data)
        except FileExistsError:
            raise InputError(
                f"{path} already exists; choose another file name (nothing was written)"
            ) from None
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None

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
