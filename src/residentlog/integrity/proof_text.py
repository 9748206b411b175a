"""The text formats of proofs someone else can check without the store.

Two small text formats, built from C2SP pieces, both documented in ``docs/format.md`` §9:

* a **disclosure** (``residentlog prove``): a header naming the ledger's public key, then one
  C2SP ``c2sp.org/tlog-proof@v1`` block per disclosed record — its ``extra`` line is the
  record's canonical bytes (base64, salt included), then the 0-based leaf index, the RFC 9162
  inclusion path and the signed checkpoint — and optionally one ``attachment`` line per
  disclosed file. The other records appear only as hashes in the inclusion paths.
* a **consistency proof** (``residentlog consistency``): the key, the old signed checkpoint,
  then ``old <size>``, the RFC 9162 consistency path and the new signed checkpoint (the body
  of a C2SP ``tlog-witness`` add-checkpoint request).

This module holds the formats and their parsers. Parsing is strict (exact lines, canonical
base64, no stray whitespace), so that changing any single byte of a file makes its check fail.
:mod:`residentlog.integrity.check` checks files with no store at all; the ``make_*`` functions
of :mod:`residentlog.integrity.proofs` build them from a store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from residentlog.integrity.signing import (
    SIG_PREFIX,
    NoteError,
    b64,
    b64decode_strict,
)
from residentlog.ledger.checkpoints import (
    MAX_SIZE,
)

if TYPE_CHECKING:
    pass

DISCLOSURE = "residentlog-disclosure@v2"  # what prove writes: v1 plus the records/attachments counts
DISCLOSURE_V1 = "residentlog-disclosure@v1"  # still read (no counts: a cut at a block boundary is unseen)
CONSISTENCY = "residentlog-consistency@v1"
TLOG_PROOF = "c2sp.org/tlog-proof@v1"
MAX_FILE = 64 << 20  # check refuses files over 64 MiB before reading them (docs/format.md §9.5)
MAX_SMALL_FILE = 1 << 20  # a checkpoint or key file given to prove, consistency or --key: 1 MiB
MAX_PATH = 64  # proof hashes: a tree of 2^64 leaves needs at most 64 (consistency: 65)


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
ORIGIN_LINE = re.compile(r"^residentlog/[0-9a-f]{32}\Z")


class Malformed(Exception):
    """A file that is not exactly in its format (internal: becomes a failed check)."""


# -- the text formats --------------------------------------------------------------------------


@dataclass(frozen=True)
class TlogProof:
    """One C2SP ``tlog-proof@v1`` block; ``extra`` holds the record's canonical bytes."""

    index: int
    path: tuple[bytes, ...]
    checkpoint: str  # the signed checkpoint note, verbatim
    extra: bytes | None = None

    def text(self) -> str:
        lines = [TLOG_PROOF]
        if self.extra is not None:
            lines.append(f"extra {b64(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [b64(h) for h in self.path]
        return "\n".join(lines) + "\n\n" + self.checkpoint


@dataclass(frozen=True)
class Disclosure:
    """``declared``: the (records, attachments) counts of the header; None for a v1 file."""

    vkey: str
    proofs: tuple[TlogProof, ...]
    attachments: tuple[tuple[str, bytes], ...] = ()  # (sha256 hex, file bytes)
    declared: tuple[int, int] | None = None

    def text(self) -> str:
        """The v2 text (with the counts of what it holds)."""
        sections = [p.text() for p in self.proofs]
        sections += [f"attachment {digest} {b64(data)}\n" for digest, data in self.attachments]
        counts = f"records {len(self.proofs)}\nattachments {len(self.attachments)}\n"
        return f"{DISCLOSURE}\nkey {self.vkey}\n{counts}\n" + "\n".join(sections)


@dataclass(frozen=True)
class ConsistencyProof:
    vkey: str
    old: str  # the old signed checkpoint note
    old_size: int
    path: tuple[bytes, ...]
    new: str  # the new signed checkpoint note

    def text(self) -> str:
        hashes = "".join(b64(h) + "\n" for h in self.path)
        return f"{CONSISTENCY}\nkey {self.vkey}\n\n{self.old}\nold {self.old_size}\n{hashes}\n{self.new}"


class _Lines:
    """A cursor over the lines of a file that must end in a newline."""

    def __init__(self, text: str) -> None:
        if not text.endswith("\n"):
            raise Malformed("the file does not end with a newline")
        if _CONTROL.search(text):
            raise Malformed("the file holds a control character")
        self.lines = text[:-1].split("\n")
        self.i = 0

    def at_end(self) -> bool:
        return self.i >= len(self.lines)

    def peek(self) -> str | None:
        return None if self.at_end() else self.lines[self.i]

    def take(self, what: str) -> str:
        if self.at_end():
            raise Malformed(f"the file ends where {what} should be")
        line = self.lines[self.i]
        self.i += 1
        return line

    def blank(self, what: str) -> None:
        if self.take(f"a blank line {what}") != "":
            raise Malformed(f"expected a blank line {what} (line {self.i})")

    def end(self) -> None:
        if not self.at_end():
            raise Malformed(f"unexpected text after the end (line {self.i + 1})")


def _number(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")) or len(text) > 19:
        raise Malformed(f"{what} is not a number without leading zeros: {text!r}")
    if int(text) > MAX_SIZE:
        raise Malformed(f"{what} is over 2^63 - 1: {text}")
    return int(text)


def _hash_lines(lines: _Lines, what: str) -> tuple[bytes, ...]:
    hashes = []
    while lines.peek() not in (None, ""):
        line = lines.take(what)
        try:
            h = b64decode_strict(line, f"a {what} hash")
        except NoteError as exc:
            raise Malformed(str(exc)) from None
        if len(h) != 32:
            raise Malformed(f"a {what} hash is not 32 bytes")
        hashes.append(h)
        if len(hashes) > MAX_PATH + 1:
            raise Malformed(f"the {what} is too long")
    return tuple(hashes)


def _note_lines(lines: _Lines) -> str:
    """A signed note as embedded in a file: body lines, a blank line, signature lines."""
    body = []
    while lines.peek() not in (None, ""):
        body.append(lines.take("the checkpoint"))
    if not body:
        raise Malformed("a checkpoint is missing")
    lines.blank("between a checkpoint and its signatures")
    sigs = []
    while (line := lines.peek()) is not None and line.startswith(SIG_PREFIX):
        sigs.append(lines.take("a signature"))
    if not sigs:
        raise Malformed("a checkpoint has no signature lines")
    return "\n".join(body) + "\n\n" + "\n".join(sigs) + "\n"


def _tlog_proof(lines: _Lines) -> TlogProof:
    if lines.take("a proof") != TLOG_PROOF:
        raise Malformed(f"expected {TLOG_PROOF} (line {lines.i})")
    extra = None
    line = lines.take("the index")
    if line.startswith("extra "):
        try:
            extra = b64decode_strict(line[6:], "the record (extra line)")
        except NoteError as exc:
            raise Malformed(str(exc)) from None
        line = lines.take("the index")
    if not line.startswith("index "):
        raise Malformed(f"expected 'index N' (line {lines.i})")
    index = _number(line[6:], "the index")
    path = _hash_lines(lines, "inclusion proof")
    lines.blank("after the inclusion proof")
    return TlogProof(index, path, _note_lines(lines), extra)


def _key_line(lines: _Lines) -> str:
    line = lines.take("the key")
    if not line.startswith("key "):
        raise Malformed("expected 'key <verifier key>' on the second line")
    return line[4:]


def parse_disclosure(text: str) -> Disclosure:
    lines = _Lines(text)
    header = lines.take("the header")
    if header not in (DISCLOSURE, DISCLOSURE_V1):
        raise Malformed(f"not a disclosure (the first line is not {DISCLOSURE})")
    vkey = _key_line(lines)
    declared = None
    if header == DISCLOSURE:
        declared = (_count_line(lines, "records"), _count_line(lines, "attachments"))
    proofs: list[TlogProof] = []
    attachments: list[tuple[str, bytes]] = []
    while True:
        lines.blank("between sections")
        line = lines.peek()
        if line == TLOG_PROOF:
            if attachments:
                raise Malformed("proofs must come before attachments")
            proofs.append(_tlog_proof(lines))
        elif line is not None and line.startswith("attachment "):
            digest, sep, data = lines.take("an attachment")[11:].partition(" ")
            if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise Malformed("an attachment line is not 'attachment <sha256 hex> <base64>'")
            try:
                attachments.append((digest, b64decode_strict(data, "an attachment")))
            except NoteError as exc:
                raise Malformed(str(exc)) from None
        else:
            raise Malformed(f"expected a proof or an attachment (line {lines.i + 1})")
        if lines.at_end():
            break
    if not proofs:
        raise Malformed("the disclosure holds no proofs")
    return Disclosure(vkey, tuple(proofs), tuple(attachments), declared)


def _count_line(lines: _Lines, word: str) -> int:
    line = lines.take(f"'{word} N'")
    if not line.startswith(word + " "):
        raise Malformed(f"expected '{word} N' (line {lines.i})")
    return _number(line[len(word) + 1 :], f"the number of {word}")


def parse_consistency(text: str) -> ConsistencyProof:
    lines = _Lines(text)
    if lines.take("the header") != CONSISTENCY:
        raise Malformed(f"not a consistency proof (the first line is not {CONSISTENCY})")
    vkey = _key_line(lines)
    lines.blank("after the key")
    old = _note_lines(lines)
    lines.blank("after the old checkpoint")
    line = lines.take("'old N'")
    if not line.startswith("old "):
        raise Malformed(f"expected 'old N' (line {lines.i})")
    size = _number(line[4:], "the old size")
    path = _hash_lines(lines, "consistency proof")
    lines.blank("after the consistency proof")
    new = _note_lines(lines)
    lines.end()
    return ConsistencyProof(vkey, old, size, path, new)


def parse_tlog_proof(text: str) -> TlogProof:
    lines = _Lines(text)
    proof = _tlog_proof(lines)
    lines.end()
    return proof
