"""Checkpoints: the C2SP ``tlog-checkpoint`` text form of (origin, size, root).

A checkpoint is three lines, each ending in a newline::

    residentlog/<ledger id>
    <number of entries, decimal>
    <base64 of the RFC 9162 Merkle root over the first N leaf hashes>

It may be followed by a blank line and signature lines (C2SP signed-note); those are ignored
here. Handing a checkpoint to someone else (e.g. printing it in a letter) is what makes later
rewriting detectable: the ledger must still produce that root from its first N entries.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

ORIGIN_PREFIX = "residentlog/"
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root).decode("ascii")


def origin_for(ledger_id: str) -> str:
    return ORIGIN_PREFIX + ledger_id


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse the body of a checkpoint note; InputError says what is malformed."""
    body = text.replace("\r\n", "\n").split("\n\n", 1)[0]
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if len(lines) < 3:
        raise InputError("not a checkpoint: expected three lines (origin, size, root)")
    origin, size_text, root_text = lines[0].strip(), lines[1].strip(), lines[2].strip()
    if not origin or " " in origin or "+" in origin:
        raise InputError(f"not a checkpoint: bad origin line {origin!r}")
    if not _SIZE.match(size_text):
        raise InputError(f"not a checkpoint: bad size line {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != 32:
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
