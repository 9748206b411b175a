"""Commands about the entries themselves: ``init``, ``profile``, ``add``, ``amend``, ``list``,
``show`` and ``attachment``.

``add`` and ``amend`` take one option per kind-specific field.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from residentlog.cli.app import open_store, run, store_path
from residentlog.cli.options import KINDS_HELP, JsonOption, SinceOption, UntilOption
from residentlog.errors import InputError

commands = typer.Typer()

F = TypeVar("F", bound=Callable[..., Any])


# -- the options of add and amend ---------------------------------------------------------------


def _entry_option_template(
    when: Annotated[
        str | None,
        typer.Option(
            "--when",
            help="When it happened: '3 March 2020 14:00', '03/03/2020' (day first), "
            "'yesterday 6pm', '2 days ago'. Default: now.",
        ),
    ] = None,
    details: Annotated[str | None, typer.Option(help="Free-text details.")] = None,
    location: Annotated[str | None, typer.Option(help="Where (e.g. 'Lift 2, ground floor').")] = None,
    case: Annotated[
        str | None, typer.Option("--case", help="Short name grouping entries about one problem, e.g. lift-2.")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(
            "--ref",
            help="Someone else's reference, e.g. landlord:REP-123, police:CAD-4567, ombudsman:202115731 "
            "(repeatable).",
        ),
    ] = None,
    link: Annotated[
        list[int] | None, typer.Option("--link", help="Number of a related earlier entry.")
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option("--attach", help="A file to attach: photo, email, letter (repeatable)."),
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(
            help="What this entry records: observed (default), reported, acknowledged, attended, fixed, "
            "not-fixed, recurred, requested, provided, refused, chased.",
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(help="How: phone, email, letter, online, in-person, app, social-media, other."),
    ] = None,
    priority: Annotated[
        str | None, typer.Option(help="The landlord's priority: emergency, urgent, routine.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="A category, e.g. communal-door.")] = None,
    lift: Annotated[str | None, typer.Option(help="lift: which lift.")] = None,
    out_of_service: Annotated[
        bool | None, typer.Option("--out-of-service/--in-service", help="lift: out of service?")
    ] = None,
    trapped: Annotated[int | None, typer.Option(help="lift: number of people trapped.")] = None,
    trapped_minutes: Annotated[int | None, typer.Option(help="lift: how long they were trapped.")] = None,
    door: Annotated[str | None, typer.Option(help="door: which door.")] = None,
    witness: Annotated[str | None, typer.Option(help="asb: first-hand or reported.")] = None,
    camera: Annotated[str | None, typer.Option(help="cctv: which camera.")] = None,
    rooms: Annotated[str | None, typer.Option(help="damp: rooms affected.")] = None,
    hazard: Annotated[str | None, typer.Option(help="damp: emergency or significant.")] = None,
    amount: Annotated[str | None, typer.Option(help="service-charge: amount, e.g. 125.50.")] = None,
    charge_year: Annotated[str | None, typer.Option(help="service-charge: year, e.g. 2020/21.")] = None,
    service: Annotated[str | None, typer.Option(help="service-charge: which service.")] = None,
    direction: Annotated[str | None, typer.Option(help="contact: in or out (default out).")] = None,
    who: Annotated[str | None, typer.Option(help="contact: who you dealt with.")] = None,
    stage: Annotated[int | None, typer.Option(help="complaint: stage 1 or 2.")] = None,
    step: Annotated[
        str | None,
        typer.Option(help="complaint: raised, acknowledged, extended, responded, escalated, ombudsman."),
    ] = None,
) -> None:
    """Never called: its parameters are the entry options, added to ``add`` and ``amend``."""


_COMMON_ENTRY_OPTIONS = ("when", "details", "location", "case", "tag", "ref", "link", "attach")
_KIND_FIELD_NAMES = [
    name for name in inspect.signature(_entry_option_template).parameters if name not in _COMMON_ENTRY_OPTIONS
]


def _with_options(*options: list[inspect.Parameter], **replaced: Any) -> Callable[[F], F]:
    """Give a command these options too; it receives them in ``**options``. ``replaced`` gives
    some of them another annotation (e.g. their own help for this command)."""
    extra = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=replaced.get(p.name, p.annotation))
        for group in options
        for p in group
    ]

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        own = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        fn.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
        return fn

    return decorate


def _params(template: Callable[..., None]) -> list[inspect.Parameter]:
    return list(inspect.signature(template, eval_str=True).parameters.values())


_ENTRY_OPTIONS = [_params(_entry_option_template)]


def _content_from_options(options: dict[str, Any]) -> tuple[dict[str, Any], str | None, list[Path]]:
    """Split the options into entry content, the --when text and the attachment paths."""
    from residentlog.ledger.vocabulary import parse_money, parse_ref

    content: dict[str, Any] = {}
    for name in ("details", "location", "case"):
        if options.get(name) is not None:
            content[name] = options[name]
    if options.get("tag"):
        content["tags"] = options["tag"]
    if options.get("ref"):
        content["refs"] = [parse_ref(r) for r in options["ref"]]
    if options.get("link"):
        content["links"] = options["link"]
    fields = {name: options[name] for name in _KIND_FIELD_NAMES if options.get(name) is not None}
    if "amount" in fields:
        fields["amount_pence"] = parse_money(fields.pop("amount"))
    if fields:
        content["fields"] = fields
    return content, options.get("when"), list(options.get("attach") or [])


def _profile_options(
    name: Annotated[str | None, typer.Option(help="Your name.")] = None,
    address: Annotated[str | None, typer.Option(help="Your address.")] = None,
    email: Annotated[str | None, typer.Option(help="Your email address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Your phone number.")] = None,
    landlord: Annotated[str | None, typer.Option(help="Your landlord's name.")] = None,
    landlord_address: Annotated[str | None, typer.Option(help="Your landlord's address.")] = None,
    tenancy_ref: Annotated[str | None, typer.Option(help="Your tenancy or account reference.")] = None,
    nation: Annotated[
        str | None, typer.Option(help="england, wales, scotland or northern-ireland (for bank holidays).")
    ] = None,
) -> None:
    """Never called: its parameters are the profile options of ``init`` and ``profile``."""


_PROFILE_OPTIONS = _params(_profile_options)


# -- commands ----------------------------------------------------------------------------------


@commands.command()
@run
@_with_options(_PROFILE_OPTIONS)
def init(
    path: Annotated[Path | None, typer.Argument(help="Where to create the store.")] = None,
    **options: Any,
) -> None:
    """Create a new store (and fill in your profile, used by letters) and its signing key."""
    from residentlog.cli.console import out
    from residentlog.integrity.signing import load_or_create_signer
    from residentlog.ledger.profile import check_profile, update_profile
    from residentlog.ledger.store import Store

    root = path if path is not None else store_path()
    given = {k: v for k, v in options.items() if v is not None}
    if Store.exists(root):
        raise InputError(f"a store already exists at {root}")
    if not given and _interactive():
        given = _prompt_profile()
    check_profile(given)  # before anything is created
    with Store.create(root) as store:
        update_profile(root, given)
        signer, _ = load_or_create_signer(root, f"residentlog/{store.ledger_id}")
        out(f"Created a residentlog store at {root}")
        out(f"Ledger id: {store.ledger_id}")
        out(f"Checkpoint signing key: {signer.verifier.vkey}")
    if not given:
        out("Your profile is empty; fill it in later with: residentlog profile --name ... --landlord ...")


@commands.command()
@run
@_with_options(_PROFILE_OPTIONS)
def profile(json_out: JsonOption = False, **options: Any) -> None:
    """Show your profile, or change parts of it."""
    from residentlog.cli.console import out, print_json
    from residentlog.ledger.profile import load_profile, update_profile

    changes = {k: v for k, v in options.items() if v is not None}
    with open_store() as store:
        prof = update_profile(store.root, changes) if changes else load_profile(store.root)
    if json_out:
        print_json(prof.model_dump())
        return
    for key, value in prof.model_dump().items():
        out(f"{key.replace('_', ' ') + ':':<18}{value or '—'}")


@commands.command()
@run
@_with_options(*_ENTRY_OPTIONS)
def add(
    kind: Annotated[str, typer.Argument(help=f"What kind of entry: {KINDS_HELP}.", show_default=False)],
    summary: Annotated[str | None, typer.Argument(help="One line saying what happened.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the new entry as JSON.")] = False,
    **options: Any,
) -> None:
    """Record something that happened. Prints the new entry's number and hash."""
    from residentlog.ledger.add import add_entry
    from residentlog.ledger.vocabulary import check_kind

    check_kind(kind)
    if summary is None:
        if not _interactive():
            raise InputError("give a SUMMARY: one line saying what happened")
        summary, options = _prompt_entry(options)
    content, when_text, attach = _content_from_options(options)
    with open_store() as store:
        added = add_entry(
            store, {"kind": kind, "summary": summary, **content}, when_text=when_text, attach=attach
        )
    _report_added(added, json_out, "Recorded")


_AMEND_WHEN = Annotated[
    str | None,
    typer.Option(
        "--when",
        help="The corrected date and time it happened (same forms as add). Default: the entry keeps "
        "the date it has.",
    ),
]


@commands.command()
@run
@_with_options(*_ENTRY_OPTIONS, when=_AMEND_WHEN)
def amend(
    number: Annotated[int, typer.Argument(help="The entry to correct.", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is being corrected.", show_default=False)],
    summary: Annotated[str | None, typer.Option(help="Corrected summary.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the correction as JSON.")] = False,
    **options: Any,
) -> None:
    """Correct an entry. The original stays in the ledger; the correction is added after it."""
    from residentlog.ledger.add import amend_entry

    content, when_text, attach = _content_from_options(options)
    if summary is not None:
        content["summary"] = summary
    with open_store() as store:
        added = amend_entry(store, number, reason=reason, changes=content, when_text=when_text, attach=attach)
    _report_added(added, json_out, f"Corrected entry {number}:")


def _report_added(added: Any, json_out: bool, verb: str) -> None:
    from residentlog.cli.console import out, print_json
    from residentlog.ledger.when import format_local

    if json_out:
        print_json({"number": added.num, "record": added.seq, "hash": added.leaf_hash.hex()})
        return
    happened = format_local(added.when.instant, added.when.precision)
    if added.num == added.seq:
        out(f"{verb} entry {added.seq}  (happened {happened})")
    else:
        out(f"{verb} ledger record {added.seq}  (happened {happened})")
    out(f"hash {added.leaf_hash.hex()}")


@commands.command("list")
@run
def list_(
    kind: Annotated[str | None, typer.Option(help=f"Only this kind ({KINDS_HELP}).")] = None,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only entries with this tag.")] = None,
    search: Annotated[str | None, typer.Option(help="Only entries containing these words.")] = None,
    json_out: JsonOption = False,
) -> None:
    """List entries (corrected versions), oldest first, in UK local time."""
    from residentlog.cli.console import entries_table, print_json
    from residentlog.ledger.views import Filters, list_entries
    from residentlog.ledger.when import utc_now

    filters = Filters(kind=kind, case=case, since=since, until=until, tags=tuple(tag or ()), search=search)
    with open_store() as store:
        views = list_entries(store, filters, utc_now())
    if json_out:
        print_json([v.as_json() for v in views])
    else:
        entries_table(views)


@commands.command()
@run
def show(
    number: Annotated[int, typer.Argument(help="The entry number.", show_default=False)],
    history: Annotated[bool, typer.Option("--history", help="Show every version, oldest first.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Show one entry (its corrected version; --history for every version)."""
    from residentlog.cli import console
    from residentlog.ledger import views

    with open_store() as store:
        if history:
            versions = views.history(store, number)
            if json_out:
                console.print_json([{"record": rec, "hash": digest} for rec, digest in versions])
            else:
                console.entry_history(number, versions)
            return
        view = views.get_entry(store, number)
    if json_out:
        console.print_json(view.as_json())
    else:
        console.entry_detail(view)


@commands.command()
@run
def attachment(
    number: Annotated[int, typer.Argument(help="The entry number.", show_default=False)],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Directory to write the files into (none is ever overwritten).")
    ] = Path("."),
) -> None:
    """Write an entry's attachments out under their original names."""
    from residentlog.cli.console import out
    from residentlog.ledger.views import export_attachments

    with open_store() as store:
        written = export_attachments(store, number, out_dir)
    for path in written:
        out(str(path))


# -- prompting (only ever on a terminal) -------------------------------------------------------


def _interactive() -> bool:
    return sys.stdin.isatty()


def _prompt_profile() -> dict[str, str]:
    typer.echo("Your details are used in letters. Press Enter to skip any of them.")
    answers = {
        "name": typer.prompt("Your name", default="", show_default=False),
        "address": typer.prompt("Your address", default="", show_default=False),
        "landlord": typer.prompt("Your landlord", default="", show_default=False),
        "landlord_address": typer.prompt("Landlord's address", default="", show_default=False),
        "tenancy_ref": typer.prompt("Tenancy reference", default="", show_default=False),
        "nation": typer.prompt("Nation (england, wales, scotland, northern-ireland)", default="england"),
    }
    return {k: v for k, v in answers.items() if v}


def _prompt_entry(options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    summary = typer.prompt("What happened (one line)")
    options = dict(options)
    for name, question in (
        ("when", "When did it happen (e.g. 'yesterday 6pm'; Enter for now)"),
        ("location", "Where"),
        ("case", "Case name (e.g. lift-2; Enter for none)"),
        ("details", "Details"),
    ):
        if options.get(name) is None:
            answer = typer.prompt(question, default="", show_default=False)
            options[name] = answer or None
    return summary, options
