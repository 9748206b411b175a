"""The one exception hierarchy of residentlog.

Every error a user can cause or meet is a ``ResidentlogError`` carrying a one-line message and
the process exit code. The CLI maps them to output in one place (``residentlog.cli.app.run``);
core code only raises them, worded for anyone calling it (a Python caller has no ``--flags``): an
error about one input names it in ``field`` (``"trapped_minutes"``), and the message says
``trapped_minutes: ...``; the CLI shows the same error as ``--trapped-minutes: ...``.

Exit codes are part of the command-line contract:

* 0 — success
* 1 — verification failed (the ledger or a checkpoint does not check out)
* 2 — usage or input error, or a store that cannot be used
"""

from __future__ import annotations

from typing import ClassVar

#: The longest error message shown: a message quoting a huge input is cut in the middle, so
#: its start (what is wrong) and its end (what to do) both stay on the one line.
MAX_MESSAGE = 300


def cut(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` characters, else its start and end around a note of
    how much was left out."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    head = limit - tail
    return f"{text[:head]}… [{len(text) - head - tail:,} characters cut] …{text[-tail:]}"


class ResidentlogError(Exception):
    """Base of every error residentlog reports to the user."""

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.detail = message
        message = cut(f"{field}: {message}" if field else message, MAX_MESSAGE)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def for_cli(self) -> str:
        """The message as the command line shows it: the input named as its option."""
        if self.field is None:
            return self.message
        return cut(f"--{self.field.replace('_', '-')}: {self.detail}", MAX_MESSAGE)


class InputError(ResidentlogError):
    """Bad input from the user: unknown kind or field, bad date, empty summary, bad file."""


class NotFound(InputError):
    """A thing named by the user (entry number, checkpoint file, store) does not exist."""


class StoreError(ResidentlogError):
    """The store cannot be opened or written: missing, unwritable, corrupted or foreign."""


class MissingDependency(ResidentlogError):
    """A system library an output format needs is not installed; the message names the package."""


class FormatTooNew(StoreError):
    """The store was written by a newer version of residentlog than this one."""


class PolicyError(InputError):
    """A policy pack is malformed; the message names the file, rule and field."""


class VerificationFailed(ResidentlogError):
    """The ledger, an attachment or a checkpoint failed verification."""

    exit_code: ClassVar[int] = 1
