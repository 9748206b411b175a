"""Checkpoints: the C2SP ``tlog-checkpoint`` text form of (origin, size, root).

A checkpoint is three lines, each ending in a newline::

    residentlog/<ledger id>
    <number of entries, decimal>
    <base64 of the RFC 9162 Merkle root over the first N leaf hashes>

It may be followed by a blank line and signature lines (C2SP signed-note); ``parse_checkpoint``
ignores them (``signing`` checks them). Every checkpoint residentlog issues is signed with the
store's Ed25519 key and kept in the ``checkpoints`` table and as a file
``<store>/checkpoints/<size>-<first 8 hex digits of the root>.txt`` holding the signed note.
Handing a checkpoint to someone else (e.g. printing it in a letter) is what makes later
rewriting detectable: the ledger must still produce that root from its first N entries.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from residentlog.errors import InputError

ORIGIN_PREFIX = "residentlog/"
CHECKPOINTS_DIR = "checkpoints"
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")
MAX_SIZE = (1 << 63) - 1  # sizes and indexes: decimal, no leading zeros, at most 2^63 - 1
BOM = "\ufeff"
_FILE_NAME = re.compile(r"^(0|[1-9][0-9]{0,18})-([0-9a-f]{8})\.txt$")


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
        return file_name(self.size, self.root)


def file_name(size: int, root: bytes) -> str:
    """Name of the file an issued checkpoint is kept in: ``<size>-<first 8 hex of root>.txt``."""
    return f"{size}-{root.hex()[:8]}.txt"


def parse_file_name(name: str) -> tuple[int, str] | None:
    """(size, first 8 hex digits of the root) from a checkpoint file name, or None."""
    m = _FILE_NAME.match(name)
    return None if m is None else (int(m.group(1)), m.group(2))


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


def read_checkpoint_arg(value: str) -> Checkpoint:
    """``--checkpoint`` takes a file name or the checkpoint text itself."""
    if "\n" not in value and not value.startswith(ORIGIN_PREFIX):
        path = Path(value)
        if not path.is_file():
            raise InputError(f"checkpoint file {value!r} does not exist")
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read checkpoint file {value!r}: {exc}") from None
    elif "\n" not in value:
        raise InputError("checkpoint text must hold three lines; pass it in a file instead")
    return parse_checkpoint(value)


def write_checkpoint_file(store_root: Path, cp: Checkpoint, note: str) -> Path:
    """Keep an issued note as ``<store>/checkpoints/<size>-<root prefix>.txt`` (atomically).

    The same checkpoint issued again (to another recipient) has the same name; the first file
    is kept. Written after the database row, so a crash in between leaves a row without a file
    (harmless), never a file the database does not know.
    """
    from residentlog.errors import StoreError
    from residentlog.fsutil import write_atomically

    folder = store_root / CHECKPOINTS_DIR
    path = folder / cp.file_name
    if path.exists():
        return path
    try:
        folder.mkdir(exist_ok=True)
        write_atomically(path, note.encode("utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def read_checkpoint_files(store_root: Path) -> list[tuple[str, int, str, str | None]]:
    """(file name, size, root prefix, text or None if unreadable) of every kept checkpoint file,
    smallest size first."""
    folder = store_root / CHECKPOINTS_DIR
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for name in names:
        parsed = parse_file_name(name)
        if parsed is None:
            continue
        try:
            text: str | None = (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        found.append((name, parsed[0], parsed[1], text))
    found.sort(key=lambda item: (item[1], item[0]))
    return found
