"""Commands that produce documents from the ledger: the chronology (more formats to come).

``register`` adds them to the main app; like cli.py, each command imports what it needs when
it runs, so other commands' start-up does not pay for rendering.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_options import SinceOption, UntilOption
from .errors import InputError


def register(app: typer.Typer, run: Callable[..., Any], open_store: Callable[[], Any]) -> None:
    @app.command()
    @run
    def chronology(
        case: Annotated[list[str] | None, typer.Option("--case", help="Only this case (repeatable).")] = None,
        kind: Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")] = None,
        since: SinceOption = None,
        until: UntilOption = None,
        output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")] = None,
    ) -> None:
        """A dated chronology in Markdown, ending with a checkpoint of the ledger."""
        from .chronology import render_chronology
        from .console import out
        from .ledger import utc_now
        from .models import check_kind

        for k in kind or ():
            check_kind(k)
        with open_store() as store:
            text = render_chronology(
                store, utc_now(), cases=case or (), kinds=kind or (), since=since, until=until
            )
        if output is None:
            sys.stdout.write(text)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
        out(f"Wrote {output}")
