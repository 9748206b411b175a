"""Commands that move a ledger or anchor it elsewhere: ``export``, ``import``, ``timestamp``.

:func:`register` adds them to the main app (``cli.py`` calls it at import). Each command
imports what it needs inside its body, so ``residentlog add`` never loads ``zipfile`` handling,
``rfc3161_client`` or ``urllib.request``. ``timestamp`` is the only command that uses the
network, and only when run. Errors are ResidentlogErrors, mapped to one line and an exit code
by ``run``.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def register(app: typer.Typer, run: Callable[[Any], Any], open_store: Callable[[], Any]) -> None:
    """Add ``export``, ``import`` and ``timestamp`` to ``app``."""

    @app.command("export")
    @run
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

    @app.command("import")
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
        from residentlog.transfer.importer import Limits, MiB, import_store

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

    @app.command()
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
        from residentlog.errors import InputError, VerificationFailed
        from residentlog.integrity.timestamps import stored_timestamps, timestamp_newest, verify_timestamps

        if check:
            if tsa or tsa_cert:
                raise InputError("--check re-checks stored timestamps; it takes no --tsa or --tsa-cert")
            with open_store() as store:
                rows = stored_timestamps(store)
                problems = verify_timestamps(store)
            if json_out:
                print_json(
                    {
                        "ok": not problems,
                        "timestamps": [_row_json(r) for r in rows],
                        "problems": problems,
                    }
                )
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
                    f"Timestamped the checkpoint of {row.checkpoint_size} entries: {row.gen_time} by "
                    f"{row.tsa_url}"
                )
                out(f"  kept in the store and in {row.file}")
        for url, why, _code in result.failures:
            err(f"Error: {url}: {why}")
        if result.failures:
            raise typer.Exit(max(code for _url, _why, code in result.failures))


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
