"""Commands that produce documents from the ledger: the chronology and the evidence bundle.

``register`` adds them to the main app; like cli.py, each command imports what it needs when
it runs, so other commands' start-up does not pay for rendering.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from residentlog.cli.options import SinceOption, UntilOption
from residentlog.errors import InputError
from residentlog.fsutil import write_output

CaseOption = Annotated[list[str] | None, typer.Option("--case", help="Only this case (repeatable).")]
KindOption = Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")]
ByCaseOption = Annotated[
    bool, typer.Option("--by-case", help="Group the entries by case instead of one list in date order.")
]
_SUFFIXES = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".csv": "csv",
    ".json": "json",
}


def choose_format(fmt: str | None, output: Path | None) -> str:
    """``--format`` if given, else what ``-o``'s suffix says, else Markdown."""
    from residentlog.documents.chronology import FORMATS

    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
        return fmt
    if output is not None:
        return _SUFFIXES.get(output.suffix.lower(), "md")
    return "md"


def register(app: typer.Typer, run: Callable[..., Any], open_store: Callable[[], Any]) -> None:
    @app.command()
    @run
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
        by_case: ByCaseOption = False,
    ) -> None:
        """A dated chronology: summary, timeframes missed, chart, numbered entries, checkpoint."""
        from residentlog.cli.console import out
        from residentlog.documents.chronology import chronology_context, render_context
        from residentlog.ledger.vocabulary import check_kind
        from residentlog.ledger.when import utc_now

        chosen = choose_format(fmt, output)
        if chosen == "pdf" and output is None:
            raise InputError("--format pdf: give a file to write with -o FILE.pdf")
        for k in kind or ():
            check_kind(k)
        with open_store() as store:
            context = chronology_context(
                store,
                utc_now(),
                cases=case or (),
                kinds=kind or (),
                since=since,
                until=until,
                by_case=by_case,
            )
            result = render_context(context, chosen, store)
        data = result.encode("utf-8") if isinstance(result, str) else result
        if output is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        write_output(output, data)
        n, x = len(context["entries"]), len(context["exhibits"])
        entries = f"{n} entr{'y' if n == 1 else 'ies'}"
        out(f"Wrote {output} ({chosen}, {entries}, {x} exhibit{'' if x == 1 else 's'})")

    @app.command()
    @run
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
        from residentlog.cli.console import out
        from residentlog.documents.bundle import build_bundle
        from residentlog.ledger.when import utc_now

        with open_store() as store:
            result = build_bundle(
                store, utc_now(), output, cases=case or (), since=since, until=until, by_case=by_case
            )
        what = "zip file" if result.is_zip else "directory"
        out(
            f"Wrote {what} {result.path}: chronology (HTML and PDF) of {result.entries} entries, "
            f"{result.exhibits} exhibit{'' if result.exhibits == 1 else 's'} with SHA-256 digests, "
            f"checkpoint of {result.checkpoint_size} records. See VERIFY.txt inside."
        )
