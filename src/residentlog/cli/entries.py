"""Commands about the entries themselves: ``init``, ``profile``, ``add``, ``amend``, ``list``,
``show`` and ``attachment``.

``add`` and ``amend`` take one option per kind-specific field, made from the kinds' field
models (:data:`residentlog.ledger.vocabulary.KINDS`): a field added there is an option here.
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import inspect
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from residentlog.cli.app import open_store, reads_ledger, run, store_path
from residentlog.cli.options import JsonOption, NoPagerOption, SinceOption, UntilOption
from residentlog.errors import InputError
from residentlog.ledger.vocabulary import KINDS

commands = typer.Typer()

F = TypeVar("F", bound=Callable[..., Any])
KINDS_HELP = ", ".join(KINDS)


# -- the options of add and amend ---------------------------------------------------------------


def _common_entry_options(
    when: Annotated[
        str | None,
        typer.Option(
            "--when",
            help="When it happened: '3 March 2020 14:00', '03/03/2020' (day first), "
            "'yesterday 6pm', 'last Tuesday evening', '2 days ago'. Default: now.",
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
) -> None:
    """Never called: its parameters are the options every entry has, added to ``add`` and ``amend``."""


#: Fields the command line spells its own way: (option name, declaration, type, help), or None
#: for a field no option sets (a contact's ``letter`` is set by the ``letter`` command).
_SPELLED: dict[str, tuple[str, str, type, str] | None] = {
    "amount_pence": ("amount", "--amount", str, "service-charge: the amount in pounds, e.g. 125.50."),
    "out_of_service": ("out_of_service", "--out-of-service/--in-service", bool, "lift: Out of service?"),
    "cost_pence": ("cost", "--cost", str, "What it cost you, in pounds, e.g. 45.00."),
    "letter": None,
}


def _plain(annotation: Any) -> tuple[type, tuple[Any, ...]]:
    """A field's type as an option takes it, and its choices if it has a fixed set."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is Literal:
        choices = typing.get_args(annotation)
        return type(choices[0]), choices
    return annotation, ()


def _kind_options() -> dict[str, tuple[str, inspect.Parameter]]:
    """Each kind-specific field's option, by option name: (field name, parameter). Its help is
    the field's description, headed by its kind if only one kind has it, with its choices."""
    owners: dict[str, list[str]] = {}
    first: dict[str, Any] = {}
    for kind in KINDS.values():
        for name, info in kind.fields.model_fields.items():
            owners.setdefault(name, []).append(kind.name)
            first.setdefault(name, info)
    options = {}
    for name, kinds in owners.items():
        tp, choices = _plain(first[name].annotation)
        said = (first[name].description or "").rstrip(".")
        text = (f"{kinds[0]}: {said[:1].lower()}{said[1:]}" if len(kinds) == 1 else said) + "."
        if choices:
            text += " One of: " + ", ".join(str(c) for c in choices) + "."
        option, decl = name, "--" + name.replace("_", "-")
        if name in _SPELLED:
            spelled = _SPELLED[name]
            if spelled is None:
                continue
            option, decl, tp, text = spelled
        annotation = Annotated[tp | None, typer.Option(decl, help=text)]  # type: ignore[valid-type]
        param = inspect.Parameter(option, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
        options[option] = (name, param)
    return options


_KIND_OPTIONS = _kind_options()


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


_ENTRY_OPTIONS = [_params(_common_entry_options), [p for _, p in _KIND_OPTIONS.values()]]


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
    fields = {
        field: options[name] for name, (field, _) in _KIND_OPTIONS.items() if options.get(name) is not None
    }
    for money in ("amount_pence", "cost_pence"):
        if money in fields:
            fields[money] = parse_money(fields[money])
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
    from residentlog.api import init_store, refuse_existing_store
    from residentlog.cli.console import out
    from residentlog.integrity.signing import load_signer
    from residentlog.ledger.checkpoints import origin_for

    root = path if path is not None else store_path()
    given = {k: v for k, v in options.items() if v is not None}
    refuse_existing_store(root)  # before asking for anything
    if not given and _interactive():
        given = _prompt_profile()
    with init_store(root, given) as store:
        signer = load_signer(root, origin_for(store.ledger_id))
        assert signer is not None  # init_store made it
        out(f"Created a residentlog store at {root}")
        out(f"Ledger id: {store.ledger_id}")
        out(f"Checkpoint signing key: {signer.verifier.vkey}")
    if not given:
        out("Your profile is empty; fill it in later with: residentlog profile --name ... --landlord ...")


@commands.command()
@run
@_with_options(_PROFILE_OPTIONS)
def profile(
    json_out: JsonOption = False,
    landlord_email: Annotated[
        list[str] | None,
        typer.Option(
            "--landlord-email",
            help="Your landlord's email address, or a whole domain (@landlord.org), for import-evidence "
            "(repeatable; replaces the list; --landlord-email '' clears it).",
        ),
    ] = None,
    **options: Any,
) -> None:
    """Show your profile, or change parts of it."""
    from residentlog.cli.console import out, print_json
    from residentlog.ledger.profile import load_profile, update_profile

    changes: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    if landlord_email is not None:
        changes["landlord_emails"] = [e for e in landlord_email if e.strip()]
    with open_store() as store:
        prof = update_profile(store.root, changes) if changes else load_profile(store.root)
    if json_out:
        print_json(prof.model_dump())
        return
    for key, value in prof.model_dump().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        out(f"{key.replace('_', ' ') + ':':<18}{shown or '—'}")


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
    note = None
    with open_store() as store:
        added = add_entry(
            store, {"kind": kind, "summary": summary, **content}, when_text=when_text, attach=attach
        )
        if not json_out:
            from residentlog.ledger.incidents import placement

            note = placement(store, added.num)
    _report_added(added, json_out, "Recorded")
    if note:
        from residentlog.cli.console import out

        out(note)


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
@reads_ledger
def list_(
    kind: Annotated[str | None, typer.Option(help=f"Only this kind ({KINDS_HELP}).")] = None,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only entries with this tag.")] = None,
    search: Annotated[str | None, typer.Option(help="Only entries containing these words.")] = None,
    json_out: JsonOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """List entries (corrected versions), oldest first, in UK local time (on a terminal, through
    a pager: $PAGER, default less)."""
    from residentlog.cli.console import Working, entries_table, print_json
    from residentlog.ledger.views import Filters, list_entries
    from residentlog.ledger.when import utc_now

    filters = Filters(kind=kind, case=case, since=since, until=until, tags=tuple(tag or ()), search=search)
    with Working("Reading the ledger"), open_store() as store:
        views = list_entries(store, filters, utc_now())
    if json_out:
        print_json([v.as_json() for v in views])
    else:
        entries_table(views, no_pager=no_pager)


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
