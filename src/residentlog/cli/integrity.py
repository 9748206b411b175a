"""Commands that show the ledger was never changed: ``verify``, ``checkpoint``, ``prove``,
``consistency``, ``check`` and ``timestamp``.

``check`` needs no store at all: it is the command a caseworker runs on the files a resident
gave them. ``timestamp`` is the only command that uses the network, and only when run.
``cryptography``, ``rfc3161_client`` and ``urllib.request`` are imported only by these commands.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from residentlog.cli.app import open_store, run
from residentlog.cli.options import ForceOption, JsonOption, RecipientOption, check_new_file, write_new_file
from residentlog.errors import InputError, VerificationFailed

commands = typer.Typer()

OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write it to this file.")
]


@commands.command()
@run
def verify(
    checkpoint: Annotated[
        str | None,
        typer.Option(
            "--checkpoint", metavar="TEXT|FILE", help="Also check the ledger against this checkpoint."
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Also re-read every record covered by a checkpoint issued earlier, and check the "
            "whole list and search index (slower on a large ledger).",
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check that nothing in the ledger was altered, removed or reordered. Exit 1 if it was."""
    from residentlog.cli.console import print_json, verify_report
    from residentlog.integrity.checkpoint import read_checkpoint_arg
    from residentlog.integrity.verify import verify_store

    against = read_checkpoint_arg(checkpoint) if checkpoint is not None else None
    with open_store() as store:
        report = verify_store(store, against, full=full)
    if json_out:
        print_json(report.as_json())
    else:
        verify_report(report)
    if not report.ok:
        raise typer.Exit(VerificationFailed.exit_code)


@commands.command()
@run
def checkpoint(
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="RECIPIENT", help="Who it is given to (kept with it in the store)."),
    ] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    json_out: JsonOption = False,
) -> None:
    """Print a signed checkpoint of the ledger as it stands (the store keeps a copy)."""
    from residentlog.cli.console import err, print_json
    from residentlog.integrity.issue import issue_checkpoint

    if output is not None:
        check_new_file(output, force)
    with open_store() as store:
        cp = issue_checkpoint(store, recipient=to or "")
        kept = store.checkpoint_path(cp.size, cp.root)
    note = cp.signed_text()
    if output is not None:
        write_new_file(output, note, force)
    if json_out:
        print_json(
            {
                "origin": cp.origin,
                "size": cp.size,
                "root": cp.root_b64,
                "root_hex": cp.root.hex(),
                "text": note,
                "key": cp.vkey,
                "recipient": to or None,
                "file": str(kept),
            }
        )
    elif output is None:
        sys.stdout.write(note)
    if output is not None and not json_out:
        err(f"Wrote {output} (checkpoint of {cp.size} records, signed by {cp.vkey})")


@commands.command()
@run
def prove(
    numbers: Annotated[
        list[int], typer.Argument(metavar="N...", help="The entries to disclose.", show_default=False)
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", metavar="FILE", help="The disclosure file to write.", show_default=False
        ),
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
    force: ForceOption = False,
) -> None:
    """Write a disclosure: chosen entries with proofs that they are in the ledger.

    Each entry (with every correction of it) is given in full, with an inclusion proof to a
    signed checkpoint; the other entries appear only as hashes. Anyone can check the file
    with `residentlog check FILE` (no store needed) or by hand (docs/verify-by-hand.md).
    """
    from residentlog.cli.console import err, out
    from residentlog.integrity.proofs import make_disclosure

    check_new_file(output, force)
    held = _read(checkpoint) if checkpoint is not None else None
    with open_store() as store:
        made = make_disclosure(store, numbers, held=held, attachments=attachments, recipient=to or "")
    write_new_file(output, made.text, force)
    for warning in made.warnings:
        err(f"Note: {warning}")
    cp = made.checkpoint
    nums = ", ".join(str(n) for n in dict.fromkeys(numbers))
    out(
        f"Wrote {output}: entr{'y' if len(set(numbers)) == 1 else 'ies'} {nums} "
        f"({made.records} record{'s' if made.records != 1 else ''}) proven against the checkpoint "
        f"of {cp.size} records (root {cp.root_b64})"
    )


@commands.command()
@run
def consistency(
    old_checkpoint: Annotated[
        Path, typer.Argument(metavar="OLD_CHECKPOINT", help="A checkpoint file given out earlier.")
    ],
    output: OutputOption = None,
    to: RecipientOption = None,
    force: ForceOption = False,
) -> None:
    """Prove that the ledger today extends an older checkpoint: nothing in it was changed."""
    from residentlog.cli.console import out
    from residentlog.integrity.proofs import make_consistency

    if output is not None:
        check_new_file(output, force)
    old_text = _read(old_checkpoint)
    with open_store() as store:
        made = make_consistency(store, old_text, recipient=to or "")
    if output is None:
        sys.stdout.write(made.text)
        return
    write_new_file(output, made.text, force)
    out(f"Wrote {output}: the checkpoint of {made.checkpoint.size} records extends {old_checkpoint}")


@commands.command()
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
    from residentlog.integrity.check import check_paths, cross_check, report_text

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
    from residentlog.integrity.check import read_small_text

    return str(read_small_text(path))


def _key(value: str) -> Any:
    """``--key``: a vkey line, or a file holding one."""
    from residentlog.integrity.signing import NoteError, parse_vkey

    text = _read(Path(value)) if value.count("+") < 2 or Path(value).is_file() else value
    try:
        return parse_vkey(text.strip())  # typed or saved by a person: surrounding spaces are fine
    except NoteError as exc:
        raise InputError(f"--key: {exc}") from None


@commands.command()
@run
def timestamp(
    tsa: Annotated[
        list[str] | None,
        typer.Option(
            "--tsa",
            metavar="URL",
            help="An RFC 3161 time-stamping authority (repeatable). Default: every one used before.",
        ),
    ] = None,
    tsa_cert: Annotated[
        list[Path] | None,
        typer.Option(
            "--tsa-cert",
            metavar="FILE",
            help="The TSA's certificate chain (PEM, with its root CA), one per --tsa in the same "
            "order; it is pinned for that TSA. Without it, a new TSA's own certificates are pinned "
            "on first use.",
        ),
    ] = None,
    hash_name: Annotated[
        str, typer.Option("--hash", metavar="ALG", help="Digest sent to the TSA: sha512 or sha256.")
    ] = "sha512",
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Give up on a TSA after this long.")
    ] = 20.0,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only re-check the stored timestamps, offline (nothing is sent)."),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Get trusted timestamps on the newest checkpoint (sends only its digest; needs the network)."""
    from residentlog.cli.console import err, out, print_json
    from residentlog.integrity.timestamps import stored_timestamps, timestamp_newest, verify_timestamps

    if check:
        if tsa or tsa_cert:
            raise InputError("--check re-checks stored timestamps; it takes no --tsa or --tsa-cert")
        with open_store() as store:
            rows = stored_timestamps(store)
            problems = verify_timestamps(store)
        if json_out:
            print_json({"ok": not problems, "timestamps": [_row_json(r) for r in rows], "problems": problems})
        else:
            for row in rows:
                out(
                    f"{row.gen_time}  checkpoint of {row.checkpoint_size} entries  {row.tsa_url}  "
                    f"({_trust_text(row.trust)})"
                )
            for problem in problems:
                err(f"Problem: {problem}")
            if not rows:
                out("No timestamps stored yet (get one with: residentlog timestamp --tsa URL).")
            elif not problems:
                out(f"All {len(rows)} timestamps verify.")
        if problems:
            raise typer.Exit(VerificationFailed.exit_code)
        return

    certs = []
    for path in tsa_cert or []:
        try:
            certs.append(path.read_bytes())
        except OSError as exc:
            raise InputError(f"--tsa-cert {str(path)!r}: {exc.strerror or exc}") from None
    with open_store() as store:
        result = timestamp_newest(
            store, tsa or [], tsa_certs=certs, hash_algorithm=hash_name, timeout=timeout
        )
    for url, fingerprints in result.first_use:
        err(f"Pinned on first use: {url} (root certificate SHA-256 {', '.join(fingerprints)}).")
        err("  Compare this fingerprint with the one the TSA publishes; later tokens must match it.")
    if json_out:
        print_json(
            {
                "checkpoint_size": result.checkpoint_size,
                "stored": [_row_json(r) for r in result.stored],
                "failed": [{"tsa_url": url, "problem": why} for url, why, _code in result.failures],
            }
        )
    else:
        for row in result.stored:
            out(
                f"Timestamped the checkpoint of {row.checkpoint_size} entries: {row.gen_time} "
                f"by {row.tsa_url}"
            )
            out(f"  kept in the store and in {row.file}")
    for url, why, _code in result.failures:
        err(f"Error: {url}: {why}")
    if result.failures:
        raise typer.Exit(max(code for _url, _why, code in result.failures))


def _trust_text(trust: str) -> str:
    return "TSA certificate given" if trust == "given" else "TSA certificate pinned on first use"


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "checkpoint_size": row.checkpoint_size,
        "checkpoint_sha256": row.checkpoint_sha256,
        "tsa_url": row.tsa_url,
        "hash_algorithm": row.hash_algorithm,
        "gen_time": row.gen_time,
        "serial": row.serial,
        "requested_at": row.requested_at,
        "trust": row.trust,
        "file": row.file,
    }
