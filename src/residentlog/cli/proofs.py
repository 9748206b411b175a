"""Commands for proofs others can check: ``prove``, ``consistency`` and ``check``.

:func:`register` adds them to the main app. ``check`` needs no store at all: it is the command
a caseworker runs on the files a resident gave them. Like cli.py, each command imports what it
needs when it runs (``cryptography`` only here and in signing), so ``add`` never pays for them.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

RecipientOption = Annotated[
    str | None,
    typer.Option("--to", metavar="RECIPIENT", help="Who the new checkpoint is given to (kept with it)."),
]


def register(app: typer.Typer, run: Callable[..., Any], open_store: Callable[[], Any]) -> None:
    """Add ``prove``, ``consistency`` and ``check`` to ``app``."""

    @app.command()
    @run
    def prove(
        numbers: Annotated[
            list[int], typer.Argument(metavar="N...", help="The entries to disclose.", show_default=False)
        ],
        output: Annotated[
            Path, typer.Option("-o", "--output", help="The disclosure file to write.", show_default=False)
        ],
        checkpoint: Annotated[
            Path | None,
            typer.Option(
                "--checkpoint",
                metavar="FILE",
                help="Prove against this older checkpoint, which the reader already holds "
                "(default: a new signed checkpoint).",
            ),
        ] = None,
        attachments: Annotated[
            bool, typer.Option("--attachments", help="Include the entries' attached files.")
        ] = False,
        to: RecipientOption = None,
    ) -> None:
        """Write a disclosure: chosen entries with proofs that they are in the ledger.

        Each entry (with every correction of it) is given in full, with an inclusion proof to a
        signed checkpoint; the other entries appear only as hashes. Anyone can check the file
        with `residentlog check FILE` (no store needed) or by hand (docs/verify-by-hand.md).
        """
        from residentlog.cli.console import err, out
        from residentlog.fsutil import write_output
        from residentlog.integrity.proofs import make_disclosure

        held = _read(checkpoint) if checkpoint is not None else None
        with open_store() as store:
            made = make_disclosure(store, numbers, held=held, attachments=attachments, recipient=to or "")
        write_output(output, made.text)
        for warning in made.warnings:
            err(f"Note: {warning}")
        cp = made.checkpoint
        nums = ", ".join(str(n) for n in dict.fromkeys(numbers))
        out(
            f"Wrote {output}: entr{'y' if len(set(numbers)) == 1 else 'ies'} {nums} "
            f"({made.records} record{'s' if made.records != 1 else ''}) proven against the checkpoint "
            f"of {cp.size} records (root {cp.root_b64})"
        )

    @app.command()
    @run
    def consistency(
        old_checkpoint: Annotated[
            Path, typer.Argument(metavar="OLD_CHECKPOINT", help="A checkpoint file given out earlier.")
        ],
        output: Annotated[Path | None, typer.Option("-o", "--output", help="Write it to this file.")] = None,
        to: RecipientOption = None,
    ) -> None:
        """Prove that the ledger today extends an older checkpoint: nothing in it was changed."""
        from residentlog.cli.console import out
        from residentlog.fsutil import write_output
        from residentlog.integrity.proofs import make_consistency

        old_text = _read(old_checkpoint)
        with open_store() as store:
            made = make_consistency(store, old_text, recipient=to or "")
        if output is None:
            sys.stdout.write(made.text)
            return
        write_output(output, made.text)
        out(f"Wrote {output}: the checkpoint of {made.checkpoint.size} records extends {old_checkpoint}")

    @app.command()
    @run
    def check(
        files: Annotated[
            list[Path],
            typer.Argument(
                metavar="FILE...",
                help="Disclosures, consistency proofs and checkpoints.",
                show_default=False,
            ),
        ],
        key: Annotated[
            list[str] | None,
            typer.Option(
                "--key",
                metavar="VKEY|FILE",
                help="Accept only signatures by this key (as printed on the resident's letter).",
            ),
        ] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Check proofs and checkpoints, with no store: exit 0 if all hold, 1 if any fails.

        Says plainly what each file proves and what it does not. Exit 2 if a file cannot be read.
        """
        from residentlog.cli.console import out, print_json
        from residentlog.integrity.proofs import check_paths, cross_check, report_text

        pinned = [_key(k) for k in key or ()]
        results = check_paths(files, pinned)
        notes, problems = cross_check(results)
        if json_out:
            print_json(
                {
                    "ok": all(r.ok for r in results) and not problems,
                    "files": [r.as_json() for r in results],
                    "notes": notes,
                    "problems": problems,
                }
            )
        else:
            for line in report_text(results, notes, problems):
                out(line)
        if problems or any(not r.ok and not r.unreadable for r in results):
            raise typer.Exit(1)
        if any(r.unreadable for r in results):
            raise typer.Exit(2)


def _read(path: Path) -> str:
    """A small file named on the command line (a checkpoint or a key), size-checked first."""
    from residentlog.integrity.proofs import read_small_text

    return str(read_small_text(path))


def _key(value: str) -> Any:
    """``--key``: a vkey line, or a file holding one."""
    from residentlog.errors import InputError
    from residentlog.integrity.signing import NoteError, parse_vkey

    text = _read(Path(value)) if value.count("+") < 2 or Path(value).is_file() else value
    try:
        return parse_vkey(text.strip())  # typed or saved by a person: surrounding spaces are fine
    except NoteError as exc:
        raise InputError(f"--key: {exc}") from None
