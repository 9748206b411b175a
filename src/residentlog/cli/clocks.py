"""Commands about deadlines: ``status``, ``deadlines``, ``case list|show``, ``policy list|show|add|new``."""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

from pathlib import Path
from typing import Annotated, Any

import typer

from residentlog.cli.app import new_app, open_store, reads_ledger, run
from residentlog.cli.options import ForceOption, JsonOption, NoPagerOption, write_new_file

commands = typer.Typer()
policy_app = new_app("Policy packs: the timeframes your landlord, the Ombudsman and the law set.")
case_app = new_app("Cases: the entries about one problem, with every report and clock.")
commands.add_typer(policy_app, name="policy")
commands.add_typer(case_app, name="case")


def _compute(case: str | None = None) -> Any:
    from residentlog.cli.console import Working
    from residentlog.deadlines.clocks import compute_for_store
    from residentlog.ledger.when import utc_now

    with Working("Reading the ledger, working out the clocks"), open_store() as store:
        return compute_for_store(store, utc_now(), case)


# -- status and deadlines ------------------------------------------------------------------


@commands.command()
@run
@reads_ledger
def status(json_out: JsonOption = False) -> None:
    """Open cases, timeframes missed, clocks overdue now, deadlines in the next 7 days."""
    from residentlog.cli.console import print_json
    from residentlog.cli.console_clocks import show_warnings, status_dashboard
    from residentlog.deadlines.clocks import status_to_dict

    sc = _compute()
    show_warnings(sc)
    if json_out:
        print_json(status_to_dict(sc))
    else:
        status_dashboard(sc)


@commands.command()
@run
@reads_ledger
def deadlines(
    case: Annotated[
        str | None,
        typer.Option("--case", metavar="NAME", help="Only this case (then every clock of it is listed)."),
    ] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Also list clocks that have stopped (met or breached)."),
    ] = False,
    json_out: JsonOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """Every clock still running or overdue: rule and source, start, due date and status."""
    from residentlog.cli.console import print_json
    from residentlog.cli.console_clocks import clocks_table, show_warnings
    from residentlog.deadlines.clocks import select_clocks

    sc = _compute(case)
    show_warnings(sc)
    clocks = select_clocks(sc, every=every or case is not None)
    if json_out:
        print_json([c.to_dict() for c in clocks])
    else:
        clocks_table(sc, clocks, show_case=case is None, no_pager=no_pager)


# -- case ----------------------------------------------------------------------------------


@case_app.command("list")
@run
@reads_ledger
def case_list(json_out: JsonOption = False) -> None:
    """Every case: first report, reports, recurrences, days open, clocks met and missed."""
    from residentlog.cli.console import print_json
    from residentlog.cli.console_clocks import case_list as show_cases
    from residentlog.cli.console_clocks import show_warnings
    from residentlog.deadlines.clocks import case_to_dict

    sc = _compute()
    show_warnings(sc)
    if json_out:
        print_json([case_to_dict(s, sc) for s in sc.cases if s.case is not None])
    else:
        show_cases(sc)


@case_app.command("show")
@run
@reads_ledger
def case_show(
    name: Annotated[str, typer.Argument(help="The case name, e.g. lift-2.", show_default=False)],
    json_out: JsonOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """One case: its reports, and every clock with its outcome and source."""
    from residentlog.cli.console import print_json
    from residentlog.cli.console_clocks import case_detail, show_warnings
    from residentlog.deadlines.clocks import case_to_dict

    sc = _compute(name)
    show_warnings(sc)
    summary = sc.case(name)
    if json_out:
        from residentlog.documents.figures import case_figures_to_dict

        print_json({**case_to_dict(summary, sc, clocks=True), **case_figures_to_dict(sc, name)})
    else:
        case_detail(sc, summary, no_pager=no_pager)


# -- policy --------------------------------------------------------------------------------


@policy_app.command("list")
@run
def policy_list(json_out: JsonOption = False) -> None:
    """The packs shipped with residentlog and those adopted into your store."""
    from residentlog.cli.console import print_json
    from residentlog.cli.console_clocks import policy_list as show_packs
    from residentlog.deadlines.clocks import pack_rows

    with open_store() as store:
        rows = pack_rows(store)
    if json_out:
        print_json([r.to_dict() for r in rows])
    else:
        show_packs(rows)


@policy_app.command("show")
@run
def policy_show(
    name: Annotated[
        str,
        typer.Argument(help="A pack id (see policy list), or the path of a pack file.", show_default=False),
    ],
    json_out: JsonOption = False,
) -> None:
    """A pack's rules: what each applies to, the time allowed, and the wording to quote."""
    from residentlog.cli.console import print_json
    from residentlog.cli.console_clocks import policy_detail
    from residentlog.deadlines.clocks import PackRow, find_pack
    from residentlog.deadlines.policy import load_pack
    from residentlog.deadlines.workdays import uk_date
    from residentlog.ledger.when import utc_now

    path = Path(name)
    others: list[PackRow] = []
    if name.endswith(".toml") or path.is_file():
        row = PackRow(load_pack(path), "file (not adopted)", None, False)
    else:
        with open_store() as store:
            row, others = find_pack(store, name, uk_date(utc_now()))
    if json_out:
        print_json(row.to_dict())
    else:
        policy_detail(row, others)


@policy_app.command("add")
@run
def policy_add(
    file: Annotated[Path, typer.Argument(help="The pack file (.toml) to adopt.", show_default=False)],
    json_out: JsonOption = False,
) -> None:
    """Adopt a pack: validate it, copy it into the store, and record it (attached) in the ledger."""
    from residentlog.cli.console import err, out, print_json
    from residentlog.deadlines.clocks import adopt_pack
    from residentlog.ledger.when import utc_now

    with open_store() as store:
        adoption = adopt_pack(store, file, utc_now())
    for warning in adoption.warnings:
        err(f"Warning: {warning}")
    pack = adoption.pack
    if json_out:
        print_json(
            {
                "id": pack.id,
                "version": pack.version,
                "entry": adoption.entry,
                "already_adopted": adoption.already,
                "file": str(adoption.path),
                "sha256": adoption.sha256,
                "hash": None if adoption.added is None else adoption.added.leaf_hash.hex(),
            }
        )
        return
    if adoption.added is None:
        out(f"Already adopted: {pack.title} (version {pack.version}), entry {adoption.entry}")
    else:
        out(f"Adopted {pack.title} (version {pack.version}) as entry {adoption.entry}")
    out(f"  file:   {adoption.path}")
    out(f"  sha256: {adoption.sha256}")
    if adoption.added is not None:
        out(f"  hash:   {adoption.added.leaf_hash.hex()}")


@policy_app.command("new")
@run
def policy_new(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the template to this file."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write a commented template for your landlord's own timeframes (to stdout, or -o FILE)."""
    import sys

    from residentlog.cli.console import err
    from residentlog.deadlines.policy import template_text

    text = template_text()
    if output is None:
        sys.stdout.write(text)
        return
    write_new_file(output, text, force)
    err(f"Wrote a policy pack template to {output}.")
    err(f"Fill in every 'FILL IN' value, check it with: residentlog policy show {output}")
    err(f"then adopt it with: residentlog policy add {output}")
