"""Checkpoints: the C2SP ``tlog-checkpoint`` text form of (origin, size, root).

A checkpoint is three lines, each ending in a newline::

    residentlog/<ledger id>
    <number of entries, decimal>
    <base64 of the RFC 9162 Merkle root over the first N leaf hashes>

It may be followed by a blank line and signature lines (C2SP signed-note); ``parse_checkpoint``
ignores them (``integrity.signing`` checks them). The form lives in the ledger layer because the
store's restored-backup guard reads the checkpoints it keeps, before every append; issuing,
signing and checking them is ``integrity``'s (``integrity.checkpoint``, ``integrity.issue``).
Every checkpoint residentlog issues is kept in the ``checkpoints`` table and as a file
``<store>/checkpoints/<size>-<first 8 hex digits of the root>.txt`` holding the signed note.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from residentlog.errors import InputError
from residentlog.ledger.layout import CheckpointFile, checkpoint_file_name
from residentlog.ledger.store import IssuedCheckpoint, Store

ORIGIN_PREFIX = "residentlog/"
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")
MAX_SIZE = (1 << 63) - 1  # sizes and indexes: decimal, no leading zeros, at most 2^63 - 1
BOM = "\ufeff"


@dataclass(frozen=True)
class Checkpoint:
    """(origin, size, root); ``note`` is the signed note when this one was signed (its text
    begins with ``text()``), ``vkey`` the signer's verifier key. Equality ignores both."""

    origin: str
    size: int
    root: bytes
    note: str | None = field(default=None, compare=False)
    vkey: str | None = field(default=None, compare=False)

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"

    def signed_text(self) -> str:
        """The signed note if there is one, else the bare checkpoint body."""
        return self.note or self.text()

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root).decode("ascii")

    @property
    def file_name(self) -> str:
        return checkpoint_file_name(self.size, self.root)


def origin_for(ledger_id: str) -> str:
    return ORIGIN_PREFIX + ledger_id


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse the body of a checkpoint note leniently (a leading byte-order mark, CRLF, spaces
    around a line); exactly three lines; InputError if malformed."""
    body = text.removeprefix(BOM).replace("\r\n", "\n").split("\n\n", 1)[0]
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if len(lines) < 3:
        raise InputError("not a checkpoint: expected three lines (origin, size, root)")
    if len(lines) > 3:
        raise InputError("not a checkpoint: a fourth line after origin, size and root")
    return _checkpoint(lines[0].strip(), lines[1].strip(), lines[2].strip(), exact_root=False)


def parse_checkpoint_strict(text: str) -> Checkpoint:
    """Parse a signed note's text exactly: origin, size and root lines, each ending in a
    newline, no stray whitespace, canonical base64, and nothing else (C2SP allows extension
    lines; residentlog writes none and accepts none, so one checkpoint has one text)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise InputError("not a checkpoint: expected origin, size and root lines")
    if len(lines) > 4:
        raise InputError("not a checkpoint: a fourth line after origin, size and root")
    if lines[0] != lines[0].strip():
        raise InputError(f"not a checkpoint: bad origin line {lines[0]!r}")
    return _checkpoint(lines[0], lines[1], lines[2], exact_root=True)


def _checkpoint(origin: str, size_text: str, root_text: str, *, exact_root: bool) -> Checkpoint:
    if not origin or "+" in origin or BOM in origin or any(c.isspace() for c in origin):
        raise InputError(f"not a checkpoint: bad origin line {origin!r}")
    if not _SIZE.match(size_text) or int(size_text) > MAX_SIZE:
        raise InputError(f"not a checkpoint: bad size line {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != 32 or (exact_root and base64.b64encode(root).decode("ascii") != root_text):
        raise InputError(f"not a checkpoint: bad root line {root_text!r} (want base64 of 32 bytes)")
    return Checkpoint(origin, int(size_text), root)


# -- the checkpoints a store keeps --------------------------------------------------------------


@dataclass(frozen=True)
class KeptCheckpoint:
    """A file in ``checkpoints/``, read: the checkpoint it holds, its exact text (the note as
    handed out) and, for want of a row saying when it was issued, the file's time."""

    file: CheckpointFile
    checkpoint: Checkpoint
    text: str
    issued_at: str

    def as_issued(self) -> IssuedCheckpoint:
        """The row the guard records for it (to nobody known, not known to follow a verify)."""
        cp = self.checkpoint
        note = self.text if "\n\n" in self.text else ""
        return IssuedCheckpoint(cp.size, cp.root, self.issued_at, cp.text(), "", note, None, False)


def read_kept(file: CheckpointFile) -> KeptCheckpoint:
    """Read and parse a kept checkpoint file. Raises OSError or UnicodeDecodeError if it cannot
    be read, InputError if it holds no checkpoint (its name is not checked against it)."""
    text = file.path.read_text(encoding="utf-8")
    cp = parse_checkpoint(text)
    mtime = file.path.stat().st_mtime
    return KeptCheckpoint(
        file, cp, text, datetime.fromtimestamp(mtime, UTC).replace(microsecond=0).isoformat()
    )


def all_issued(store: Store) -> list[IssuedCheckpoint]:
    """Every checkpoint the store issued, oldest first: the rows of ``checkpoints``, then each
    readable file in ``checkpoints/`` that no row lists (``verify`` checks them all; the guard
    records such files in the table on the next append)."""
    found = store.issued_checkpoints()
    for file in store.unlisted_checkpoint_files():
        try:
            found.append(read_kept(file).as_issued())
        except (OSError, UnicodeDecodeError):
            continue  # verify reports it
    return found
