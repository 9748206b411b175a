"""The command line: the root command and its ``--store`` option, the one error mapping
(:func:`run`), and :func:`main`, which loads only the module that defines the command it runs.

Each module below defines its commands at module level, on its own ``commands`` Typer:
:data:`COMMANDS` says which module holds which command, in the order ``--help`` lists them. It
is the one place commands are found. Start-up matters (``residentlog add`` is a fresh process each
time): ``main`` imports the one module of the command argv names, and gives Typer only that
command (Typer builds the parser of every command an app holds before it parses anything).
Anything else (help, no command, an unknown one) gets the app with every command, which is
also what ``residentlog.cli.app.app`` is. Commands import the core inside their bodies, so each
pays only for what it uses (``add`` never imports rich or sqlite-utils).
"""

# No `from __future__ import annotations` here: Typer reads these annotations at runtime.

import functools
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

# Pydantic plugins are found by scanning every installed package's entry points (~25 ms at
# start-up), and a plugin sees every value validated. residentlog uses none, and its data is
# private: never load them. Set before typer, which imports pydantic.
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"

import typer
from typer.models import CommandInfo, TyperInfo

from residentlog.errors import ResidentlogError

if TYPE_CHECKING:
    from residentlog.ledger.store import Store

#: Every command, in the order ``--help`` lists them, and the module ``residentlog.cli.NAME``
#: that defines it. Command groups (``policy``, ``case``, ``templates``) come last: Typer lists
#: them after the commands.
COMMANDS: dict[str, str] = {
    "init": "entries",
    "profile": "entries",
    "add": "entries",
    "amend": "entries",
    "list": "entries",
    "show": "entries",
    "verify": "integrity",
    "checkpoint": "integrity",
    "attachment": "entries",
    "status": "clocks",
    "deadlines": "clocks",
    "chronology": "documents",
    "bundle": "documents",
    "prove": "integrity",
    "consistency": "integrity",
    "check": "integrity",
    "letter": "documents",
    "export": "transfer",
    "import": "transfer",
    "import-evidence": "evidence",
    "import-landlord-records": "reconcile",
    "reconcile": "reconcile",
    "timestamp": "integrity",
    "policy": "clocks",
    "case": "clocks",
    "templates": "documents",
}


def new_app(help_text: str, name: str | None = None) -> typer.Typer:
    """A Typer app (or command group) configured as residentlog's are."""
    return typer.Typer(
        name=name,
        help=help_text,
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
    )


_HELP = (
    "A tamper-evident evidence log for social-housing residents: record what happened, "
    "when, and prove later that the record was never changed."
)
_root = new_app(_HELP, "residentlog")


class _State:
    store: str | None = None
    #: Set by :func:`program` (the ``residentlog`` program itself, not a test calling the app):
    #: a command that read the whole ledger ends the process at once (see ``reads_ledger``).
    exit_when_done: bool = False
    #: While such a command runs in the program: the stores it opened, kept (closed, not freed)
    #: with what was read from them until the process ends.
    kept: list[Any] | None = None


_state = _State()


@_root.callback()
def _main(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="PATH",
            help="The store directory (default: $RESIDENTLOG_STORE, else your user data directory).",
        ),
    ] = None,
) -> None:
    _state.store = store
    os.umask(0o077)  # a store is private: every folder and file residentlog makes is the user's alone


F = TypeVar("F", bound=Callable[..., Any])


def run(fn: F) -> F:
    """Run a command, turning every ResidentlogError into one line on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ResidentlogError as exc:
            from residentlog.cli.console import error

            error(exc.for_cli())
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted.\n")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # e.g. `residentlog list | head`: the reader stopped; stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(141) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if os.environ.get("RESIDENTLOG_DEBUG"):
                raise
            from residentlog.cli.console import error

            error(
                f"unexpected internal error ({type(exc).__name__}: {exc}). Nothing more was written. "
                "Please report this; set RESIDENTLOG_DEBUG=1 to see the details."
            )
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def reads_ledger(fn: F) -> F:
    """A command that reads the whole ledger, works it out and exits (status, a chronology, a
    letter): Python's cyclic garbage collector is off while it runs.

    Such a command holds every decoded record (millions of small objects at 100,000 entries)
    for its whole life, and the collector would scan them again and again as they and what is
    worked out from them are made: at 100,000 entries that was 40 % of ``status``'s time. Nothing
    it keeps is garbage, and reference counting still frees what it drops; the collector is back
    on when the command returns. Not for imports: parsing emails leaves reference cycles.

    In the program itself (:func:`program`), a command that returns normally then ends the
    process at once (:func:`_exit_now`), without freeing what it read."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import gc

        was = gc.isenabled()
        gc.disable()
        if _state.exit_when_done:
            _state.kept = []
        try:
            result = fn(*args, **kwargs)
            if _state.exit_when_done and _nothing_waits_for_exit():
                _exit_now()
            return result
        finally:
            _state.kept = None
            if was:
                gc.enable()

    return wrapper  # type: ignore[return-value]


def _nothing_waits_for_exit() -> bool:
    """True when nothing is set to run as the process ends: no ``atexit`` function and no tracer
    or profiler (coverage, pyinstrument, cProfile write their data then)."""
    import atexit

    callbacks = getattr(atexit, "_ncallbacks", None)  # CPython's count; elsewhere assume some
    return callbacks is not None and callbacks() == 0 and sys.gettrace() is None and sys.getprofile() is None


def _exit_now() -> None:
    """End the process now, with exit status 0, once what it printed is out.

    Freeing what a command that read the whole ledger holds (every decoded record: 0.3 s at
    100,000 entries) and tearing down the interpreter serve nothing when the process is about
    to end. Only after the command has returned normally, so every file it wrote is closed and
    every store it opened is closed (each ``open_store`` is a ``with``: SQLite has committed
    and checkpointed). A reader that has gone away (``| head``) raises ``BrokenPipeError`` here,
    for ``run`` to handle as it does any other.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def store_path() -> Path:
    """The store the command works on: ``--store``, else ``$RESIDENTLOG_STORE``, else the default."""
    from residentlog.ledger.location import resolve_store

    return resolve_store(_state.store)


def open_store() -> "Store":
    from residentlog.ledger.store import Store

    store = Store.open(store_path())
    if _state.kept is not None:
        _state.kept.append(store)  # and with it what was read from it (ledger.views): see _exit_now
    return store


# -- finding commands, and the entry point -----------------------------------------------------


def _defined(name: str) -> CommandInfo | TyperInfo:
    """The command (or command group) ``name``, from the module :data:`COMMANDS` names."""
    commands: typer.Typer = importlib.import_module(f"residentlog.cli.{COMMANDS[name]}").commands
    for info in commands.registered_commands:
        if (
            info.callback is not None
            and (info.name or typer.main.get_command_name(info.callback.__name__)) == name
        ):
            return info
    for group in commands.registered_groups:
        if group.name == name:
            return group
    raise LookupError(f"residentlog.cli.{COMMANDS[name]} defines no command {name!r}")


@functools.cache
def _app_with(names: tuple[str, ...]) -> typer.Typer:
    """The root command with only the commands ``names``."""
    app = new_app(_HELP, "residentlog")
    app.registered_callback = _root.registered_callback
    for name in names:
        info = _defined(name)
        if isinstance(info, TyperInfo):
            app.registered_groups.append(info)
        else:
            app.registered_commands.append(info)
    return app


def __getattr__(name: str) -> Any:
    """``residentlog.cli.app.app``: the Typer app with every command (PEP 562)."""
    if name == "app":
        return _app_with(tuple(COMMANDS))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command_name(args: list[str]) -> str | None:
    """COMMAND, if ``args`` are ``[--store PATH]... COMMAND ...`` and COMMAND is in :data:`COMMANDS`.

    ``--store`` is the only option before a command. Anything else (``--help``, another option,
    no command, an unknown one) is None: it needs the app with every command.
    """
    i = 0
    while i < len(args) and (args[i] == "--store" or args[i].startswith("--store=")):
        i += 2 if args[i] == "--store" else 1
    return args[i] if i < len(args) and args[i] in COMMANDS else None


def main() -> None:
    """Run the command ``sys.argv`` names. Typer parses ``sys.argv``, given only what it needs."""
    name = _command_name(sys.argv[1:])
    _app_with(tuple(COMMANDS) if name is None else (name,))(prog_name="residentlog")


def program() -> None:
    """The ``residentlog`` program (and ``python -m residentlog``): :func:`main`, in a process of
    its own, which a command that read the whole ledger may end at once when it is done."""
    _state.exit_when_done = True
    main()
