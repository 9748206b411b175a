"""Proofs someone else can check without the store: disclosures and consistency proofs.

Two small text formats, built from C2SP pieces, both documented in ``docs/format.md`` §9:

* a **disclosure** (``residentlog prove``): a header naming the ledger's public key, then one
  C2SP ``c2sp.org/tlog-proof@v1`` block per disclosed record — its ``extra`` line is the
  record's canonical bytes (base64, salt included), then the 0-based leaf index, the RFC 9162
  inclusion path and the signed checkpoint — and optionally one ``attachment`` line per
  disclosed file. The other records appear only as hashes in the inclusion paths.
* a **consistency proof** (``residentlog consistency``): the key, the old signed checkpoint,
  then ``old <size>``, the RFC 9162 consistency path and the new signed checkpoint (the body
  of a C2SP ``tlog-witness`` add-checkpoint request).

Parsing is strict (exact lines, canonical base64, no stray whitespace), so that changing any
single byte of a file makes its check fail. :func:`check_paths` checks files with no store at
all; the ``make_*`` functions build them from a store and check their own output before
returning it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.errors import InputError, ResidentlogError, VerificationFailed
from residentlog.integrity.signing import (
    SIG_PREFIX,
    Note,
    NoteError,
    Verifier,
    b64,
    b64decode_strict,
    parse_note,
    parse_vkey,
)
from residentlog.ledger import merkle
from residentlog.ledger.checkpoints import (
    BOM,
    MAX_SIZE,
    ORIGIN_PREFIX,
    Checkpoint,
    origin_for,
    parse_checkpoint,
    parse_checkpoint_strict,
)

if TYPE_CHECKING:
    from residentlog.ledger.store import Store

DISCLOSURE = "residentlog-disclosure@v2"  # what prove writes: v1 plus the records/attachments counts
DISCLOSURE_V1 = "residentlog-disclosure@v1"  # still read (no counts: a cut at a block boundary is unseen)
CONSISTENCY = "residentlog-consistency@v1"
TLOG_PROOF = "c2sp.org/tlog-proof@v1"
MAX_FILE = 64 << 20  # check refuses files over 64 MiB before reading them (docs/format.md §9.5)
MAX_SMALL_FILE = 1 << 20  # a checkpoint or key file given to prove, consistency or --key: 1 MiB
MAX_PATH = 64  # proof hashes: a tree of 2^64 leaves needs at most 64 (consistency: 65)


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_ORIGIN = re.compile(r"^residentlog/[0-9a-f]{32}\Z")


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


# -- making proofs from a store ----------------------------------------------------------------


def held_checkpoint(
    store: Store, text: str, *, recipient: str = "", now: datetime | None = None
) -> Checkpoint:
    """A checkpoint the reader already holds (a file's text): it must be this ledger's and the
    ledger must still extend it. Returns it with its signed note (``note``, ``vkey``; signed
    now with the store's key if the file carries no valid signature by it). Raises
    VerificationFailed if the ledger is shorter or was rewritten."""
    from dataclasses import replace

    text = text.removeprefix(BOM).replace("\r\n", "\n").rstrip("\n") + "\n"
    cp = parse_checkpoint(text)
    origin = origin_for(store.ledger_id)
    if cp.origin != origin:
        raise InputError(f"that checkpoint is of another ledger ({cp.origin}); this store's is {origin}")
    size = store.size()
    if cp.size > size:
        raise VerificationFailed(
            f"the ledger is shorter than that checkpoint: it covers {cp.size} entries but the ledger "
            f"holds {size} (truncated, or an older copy of the store)"
        )
    if store.merkle_root(cp.size) != cp.root:
        raise VerificationFailed(
            f"the ledger no longer matches that checkpoint: its first {cp.size} entries give a "
            "different root (it was rewritten)"
        )
    note, vkey = _signed(store, cp, text, recipient, now)
    return replace(cp, note=note, vkey=vkey)


def _signed(store: Store, cp: Checkpoint, text: str, recipient: str, now: datetime | None) -> tuple[str, str]:
    """The signed note for a checkpoint consistent with the ledger, kept like an issued one."""
    from residentlog.integrity.checkpoint import write_checkpoint_file
    from residentlog.integrity.signing import load_or_create_signer, sign_note
    from residentlog.ledger.when import to_rfc3339, utc_now

    signer, _ = load_or_create_signer(store.root, cp.origin)
    key = signer.verifier
    note = None
    if "\n\n" in text:
        try:
            parsed = parse_note(text)
        except NoteError as exc:
            raise InputError(f"that checkpoint's signature lines are malformed ({exc})") from None
        if parsed.text == cp.text():
            try:
                ours = key in parsed.verified_by([key])
            except NoteError:
                raise VerificationFailed(
                    "that checkpoint carries a signature by this store's key that does not verify: "
                    "the file was altered"
                ) from None
            note = text if ours else sign_note(cp.text(), [signer], keep=parsed.signatures)
    if note is None:
        note = sign_note(cp.text(), [signer])
    if not any(row.size == cp.size and row.root == cp.root for row in store.issued_checkpoints()):
        store.add_checkpoint(
            cp.size, cp.root, to_rfc3339(now or utc_now()), cp.text(), recipient=recipient, note=note
        )
        write_checkpoint_file(store.root, cp, note)
    return note, key.vkey


def _current(store: Store, recipient: str, now: datetime | None) -> Checkpoint:
    from residentlog.integrity.issue import issue_checkpoint

    cp = issue_checkpoint(store, now, recipient)
    if store.merkle_root(cp.size) != cp.root:  # only if the store changed under us
        raise VerificationFailed("the ledger changed while the proof was being made; try again")
    return cp


@dataclass
class Made:
    """A proof file's text, the checkpoint it ends at, and warnings for the user."""

    text: str
    checkpoint: Checkpoint
    warnings: list[str] = field(default_factory=list)
    records: int = 0


def make_disclosure(
    store: Store,
    nums: Sequence[int],
    *,
    held: str | None = None,
    attachments: bool = False,
    recipient: str = "",
    now: datetime | None = None,
) -> Made:
    """A disclosure of entries ``nums`` (every version of each: the original and corrections)
    against a fresh checkpoint, or against ``held`` (the text of a checkpoint the reader has)."""
    from residentlog.ledger.objects import object_path
    from residentlog.ledger.views import entry_versions

    if not nums:
        raise InputError("name at least one entry to prove")
    versions = {num: entry_versions(store, num) for num in dict.fromkeys(nums)}  # NotFound first
    cp = (
        held_checkpoint(store, held, recipient=recipient, now=now)
        if held
        else _current(store, recipient, now)
    )
    made = Made("", cp)
    records: list[tuple[int, bytes]] = []
    for num, found in versions.items():
        inside = [(seq, data) for seq, data in found if seq <= cp.size]
        if not inside:
            raise InputError(
                f"entry {num} was added after that checkpoint (of {cp.size} records); "
                "prove it against a newer one, or leave the checkpoint out",
                field="checkpoint",
            )
        later = [str(seq) for seq, _ in found if seq > cp.size]
        if later:
            made.warnings.append(
                f"entry {num} has corrections made after that checkpoint (record {', '.join(later)}); "
                "they are not in this disclosure"
            )
        records += inside
    proofs = []
    for seq, data in records:
        if merkle.leaf_hash(data) != store.leaf_hash(seq):
            raise VerificationFailed(
                f"record {seq} no longer matches its stored hash (run: residentlog verify)"
            )
        path = merkle.inclusion_path(cp.size, seq - 1, store.subtree_root)
        proofs.append(TlogProof(seq - 1, tuple(path), cp.note or "", data))
    files: dict[str, bytes] = {}
    if attachments:
        from residentlog.ledger.record import decode

        for _, data in records:
            for att in decode(data)["attachments"]:
                digest = att["sha256"]
                if digest in files:
                    continue
                try:
                    content = object_path(store.objects_dir, digest).read_bytes()
                except OSError:
                    raise VerificationFailed(
                        f"attachment {att['name']!r} is missing from the store"
                    ) from None
                if hashlib.sha256(content).hexdigest() != digest or len(content) != att["size"]:
                    raise VerificationFailed(f"attachment {att['name']!r} was altered in the store")
                files[digest] = content
    made.text = Disclosure(cp.vkey or "", tuple(proofs), tuple(files.items())).text()
    made.records = len(proofs)
    size = len(made.text.encode("utf-8"))
    if size > MAX_FILE:
        raise InputError(
            f"that disclosure would be {size:,} bytes, over the {_mib(MAX_FILE)} that check reads; "
            "prove fewer entries per file, or leave the attachments out and hand the files over separately",
            field="attachments",
        )
    _self_check(made.text)
    return made


def make_consistency(
    store: Store, old_text: str, *, recipient: str = "", now: datetime | None = None
) -> Made:
    """A consistency proof from the checkpoint in ``old_text`` to a fresh signed checkpoint."""
    old = held_checkpoint(store, old_text, recipient=recipient, now=now)
    if old.size == 0:
        raise InputError("that checkpoint is of the empty ledger: there is nothing to prove about it")
    new = _current(store, recipient, now)
    path = merkle.consistency_path(new.size, old.size, store.subtree_root)
    text = ConsistencyProof(new.vkey or "", old.note or "", old.size, tuple(path), new.note or "").text()
    _self_check(text)
    return Made(text, new)


def _self_check(text: str) -> None:
    result = check_text(text, "the new file")
    if not result.ok:
        raise VerificationFailed(
            f"the proof made does not check ({'; '.join(result.problems)}); nothing written"
        )


# -- checking (no store) -----------------------------------------------------------------------


@dataclass
class CheckedEntry:
    index: int
    record: dict[str, Any]
    leaf_hash: bytes


@dataclass
class CheckResult:
    """What checking one file found. ``unreadable``: not a file ``check`` understands."""

    name: str
    kind: str = "unknown"
    ok: bool = False
    unreadable: bool = False
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what was checked, for people
    proven: list[str] = field(default_factory=list)
    not_proven: list[str] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)  # verified ones (vkey set)
    entries: list[CheckedEntry] = field(default_factory=list)
    key: str | None = None
    unchecked: str | None = None  # why the signature was not checked (the file is well-formed)
    links: list[tuple[Checkpoint, Checkpoint]] = field(default_factory=list)  # (old, new) proven

    def fail(self, problem: str) -> CheckResult:
        self.ok = False
        self.problems.append(problem)
        return self

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "kind": self.kind,
            "ok": self.ok,
            "unreadable": self.unreadable,
            "problems": self.problems,
            "key": self.key,
            "signature_checked": self.ok and self.unchecked is None,
            "unchecked": self.unchecked,
            "checkpoints": [
                {"origin": c.origin, "size": c.size, "root": c.root_b64, "key": c.vkey}
                for c in self.checkpoints
            ],
            "entries": [
                {
                    "record": e.index + 1,
                    "index": e.index,
                    "entry": e.record.get("amends") or e.record.get("seq"),
                    "kind": e.record.get("kind"),
                    "occurred_at": e.record.get("occurred_at"),
                    "summary": e.record.get("summary"),
                    "hash": e.leaf_hash.hex(),
                    "record_json": e.record,
                }
                for e in self.entries
            ],
            "checked": self.lines,
            "proven": self.proven,
            "not_proven": self.not_proven,
        }


def _kind(text: str) -> str:
    first = text.split("\n", 1)[0]
    if first in (DISCLOSURE, DISCLOSURE_V1):
        return "disclosure"
    if first == CONSISTENCY:
        return "consistency"
    if first == TLOG_PROOF:
        return "tlog-proof"
    if first.startswith(ORIGIN_PREFIX):
        return "checkpoint"
    return "unknown"


def embedded_key(text: str) -> str | None:
    """The ``key`` line of a disclosure or consistency proof, if it has one."""
    parts = text.split("\n", 2)
    if len(parts) >= 2 and _kind(text) in ("disclosure", "consistency") and parts[1].startswith("key "):
        return parts[1][4:]
    return None


class _Unreadable(Exception):
    """A file that is not read at all: missing, not a regular file, or over the size limit."""


def _mib(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n:,} bytes"


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. The size is checked (``stat``,
    then ``fstat`` of the open file) before anything is read, and no more than ``limit + 1``
    bytes are ever read, so a huge file or a device costs no memory. _Unreadable otherwise."""
    import os
    import stat

    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise _Unreadable("not a regular file")
        if st.st_size > limit:
            raise _Unreadable(f"too large: {st.st_size:,} bytes, over the {_mib(limit)} limit (not read)")
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size > limit:
                raise _Unreadable(f"too large: over the {_mib(limit)} limit (not read)")
            data = f.read(limit + 1)
    except OSError as exc:
        raise _Unreadable(f"cannot read it ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise _Unreadable(f"too large: over the {_mib(limit)} limit")
    return data


def read_small_text(path: Path, what: str = "") -> str:
    """A small UTF-8 file given on the command line (a checkpoint or key): InputError if it is
    missing, over :data:`MAX_SMALL_FILE`, or not UTF-8."""
    if not path.exists():
        raise InputError(f"{path} does not exist")
    try:
        data = read_limited(path, MAX_SMALL_FILE)
    except _Unreadable as exc:
        raise InputError(f"{what or path}: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what or path}: not UTF-8 text") from None


def check_paths(paths: Sequence[Path], pinned: Sequence[Verifier] = ()) -> list[CheckResult]:
    """Check each file; then compare the checkpoints found across them."""
    texts: list[tuple[str, str | None, CheckResult | None]] = []
    for path in paths:
        name = str(path)
        try:
            data = read_limited(path, MAX_FILE)
        except _Unreadable as exc:
            texts.append((name, None, CheckResult(name, unreadable=True, problems=[str(exc)])))
            continue
        try:
            texts.append((name, data.decode("utf-8"), None))
        except UnicodeDecodeError:
            heads = (DISCLOSURE, DISCLOSURE_V1, CONSISTENCY, TLOG_PROOF, ORIGIN_PREFIX)
            known = any(data.startswith(h.encode()) for h in heads)
            result = CheckResult(name, unreadable=not known)
            texts.append((name, None, result.fail("the file is not valid UTF-8 text")))
    others: list[Verifier] = []
    for _, text, _r in texts:
        vkey = embedded_key(text) if text is not None else None
        if vkey:
            try:
                others.append(parse_vkey(vkey))
            except NoteError:
                pass
    results = []
    for name, text, done in texts:
        if done is not None:
            if done.unreadable and not done.problems:
                done.problems.append("not a residentlog file")
            results.append(done)
        else:
            assert text is not None
            results.append(check_text(text, name, pinned, others))
    return results


def check_text(
    text: str, name: str = "-", pinned: Sequence[Verifier] = (), others: Sequence[Verifier] = ()
) -> CheckResult:
    """Check one file's text. ``pinned``: keys the reader trusts (``--key``); ``others``: keys
    named in the other files checked alongside (used for bare checkpoints and proofs)."""
    if "\r" in text and text.count("\r") == text.count("\r\n") == text.count("\n"):
        text = text.replace("\r\n", "\n")  # saved with CR LF throughout (e.g. by a mail program)
    if text.startswith(BOM):  # no residentlog file has one; say so rather than "unknown"
        result = CheckResult(name, _kind(text[1:]))
        result.unreadable = result.kind == "unknown"
        return result.fail(
            "the file starts with a byte-order mark (U+FEFF), which residentlog files never hold: "
            "it was re-saved by another program; ask for the file as it was written"
        )
    kind = _kind(text)
    result = CheckResult(name, kind)
    if kind == "unknown":
        result.unreadable = True
        return result.fail(
            "not a residentlog disclosure, consistency proof, tlog-proof or checkpoint "
            "(unrecognised first line)"
        )
    try:
        if kind == "disclosure":
            _check_disclosure(parse_disclosure(text), result, pinned)
        elif kind == "consistency":
            _check_consistency(parse_consistency(text), result, pinned)
        elif kind == "tlog-proof":
            proof = parse_tlog_proof(text)
            keys = list(pinned) or list(others)
            _check_proofs([proof], (), result, keys)
        else:
            _check_bare_checkpoint(text, result, list(pinned) or list(others), bool(pinned))
    except Malformed as exc:
        result.checkpoints.clear()
        return result.fail(f"malformed: {exc}")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
        result.checkpoints.clear()  # content no residentlog writes: fail, never crash
        return result.fail(f"malformed content ({type(exc).__name__})")
    result.ok = not result.problems
    if not result.ok:
        result.checkpoints.clear()
    return result


def _file_key(vkey: str, result: CheckResult, pinned: Sequence[Verifier]) -> Verifier:
    try:
        key = parse_vkey(vkey)
    except NoteError as exc:
        raise Malformed(f"the key line: {exc}") from None
    result.key = key.vkey
    if pinned and key not in pinned:
        raise Malformed(f"the file names key {key.name}+{key.key_id_hex}, not the key you gave (--key)")
    return key


def _signed_checkpoint(note_text: str, what: str) -> tuple[Note, Checkpoint]:
    """A signed note and the residentlog checkpoint it holds, parsed strictly (not yet verified)."""
    try:
        note = parse_note(note_text)
        cp = parse_checkpoint_strict(note.text)
    except (NoteError, InputError) as exc:
        raise Malformed(f"{what}: {exc}") from None
    if not _ORIGIN.match(cp.origin):
        raise Malformed(f"{what}: {cp.origin!r} is not a residentlog ledger (residentlog/<32 hex digits>)")
    return note, cp


def _checkpoint_of(note_text: str, keys: Sequence[Verifier], what: str) -> Checkpoint:
    """Verify a signed checkpoint: signed by a known key whose name is the checkpoint's origin."""
    note, cp = _signed_checkpoint(note_text, what)
    candidates = [k for k in keys if k.name == cp.origin]
    if not candidates:
        named = ", ".join(sorted({f"{s.name}+{s.key_id:08x}" for s in note.signatures}))
        raise Malformed(f"{what}: no key to check its signature ({named}); give the ledger's key with --key")
    try:
        good = note.verified_by(candidates)
    except NoteError as exc:
        raise Malformed(f"{what}: {exc}") from None
    if not good:
        raise Malformed(f"{what} is not signed by the key {candidates[0].name}+{candidates[0].key_id_hex}")
    from dataclasses import replace

    return replace(cp, note=note_text, vkey=good[0].vkey)


def _describe(rec: dict[str, Any]) -> str:
    from residentlog.ledger.when import format_local, from_rfc3339

    try:
        when = format_local(from_rfc3339(rec["occurred_at"]), rec.get("occurred_precision", "minute"))
    except (KeyError, TypeError, ValueError):
        when = "unknown date"
    kind = rec.get("kind", "?")
    summary = rec.get("summary", "")
    if rec.get("amends"):
        reason = rec.get("reason") or ""
        return (
            f"Correction of entry {rec['amends']} (record {rec['seq']}, {kind}, {when}): {summary!r} "
            f"— because {reason!r}"
        )
    return f"Entry {rec['seq']} ({kind}, {when}): {summary!r}"


def _check_record(data: bytes | None, index: int, origin: str) -> tuple[dict[str, Any], bytes]:
    from residentlog.ledger.record import FORMAT_VERSION, RECORD_KEYS, decode, is_canonical

    if data is None:
        raise Malformed(f"the proof of leaf {index} has no 'extra' line holding the record")
    try:
        rec = decode(data)
    except ResidentlogError as exc:
        raise Malformed(f"record {index + 1}: {exc}") from None
    if rec.keys() != RECORD_KEYS or rec.get("v") != FORMAT_VERSION or not is_canonical(data, rec):
        raise Malformed(f"record {index + 1} is not a canonical version-1 residentlog record")
    if type(rec["seq"]) is not int or rec["seq"] != index + 1:
        raise Malformed(f"record {index + 1} says it is record {rec['seq']!r}: wrong index")
    if not isinstance(rec["ledger"], str) or ORIGIN_PREFIX + rec["ledger"] != origin:
        raise Malformed(f"record {index + 1} belongs to another ledger ({rec['ledger']!r})")
    atts = rec["attachments"]
    if not isinstance(atts, list) or not all(
        isinstance(a, dict)
        and isinstance(a.get("sha256"), str)
        and type(a.get("size")) is int
        and isinstance(a.get("name"), str)
        for a in atts
    ):
        raise Malformed(f"record {index + 1} has malformed attachments")
    return rec, merkle.leaf_hash(data)


def _check_proofs(
    proofs: Sequence[TlogProof],
    attachments: Iterable[tuple[str, bytes]],
    result: CheckResult,
    keys: Sequence[Verifier],
) -> None:
    cps: dict[str, Checkpoint] = {}
    cited: dict[str, tuple[int, str]] = {}  # sha256 -> (size, name)
    seen: set[int] = set()
    for proof in proofs:
        cp = cps.get(proof.checkpoint)
        if cp is None:
            cp = cps[proof.checkpoint] = _checkpoint_of(proof.checkpoint, keys, "the checkpoint")
        rec, leaf = _check_record(proof.extra, proof.index, cp.origin)
        if proof.index in seen:
            raise Malformed(f"record {proof.index + 1} is disclosed twice")
        seen.add(proof.index)
        if not merkle.verify_inclusion(leaf, proof.index, cp.size, list(proof.path), cp.root):
            result.fail(
                f"record {proof.index + 1}: the inclusion proof does not lead to the root of the "
                f"checkpoint of {cp.size} records: it is not in that ledger as shown"
            )
            continue
        result.entries.append(CheckedEntry(proof.index, rec, leaf))
        result.lines.append(f"{_describe(rec)} — record {proof.index + 1}, hash {leaf.hex()}")
        for att in rec["attachments"]:
            cited[att["sha256"]] = (att["size"], att["name"])
    included = set()
    for digest, data in attachments:
        if digest in included:
            raise Malformed(f"attachment {digest} is included twice")
        included.add(digest)
        if hashlib.sha256(data).hexdigest() != digest:
            result.fail(f"attachment {digest[:12]}…: its bytes do not have the SHA-256 it is given under")
        elif digest not in cited:
            result.fail(f"attachment {digest[:12]}… is not cited by any disclosed record")
        elif cited[digest][0] != len(data):
            result.fail(f"attachment {cited[digest][1]!r}: its size differs from the record's")
        else:
            result.lines.append(
                f"Attachment {cited[digest][1]!r} ({len(data):,} bytes): included, matches its record"
            )
    missing = [name for digest, (_, name) in cited.items() if digest not in included]
    result.checkpoints.extend(cps.values())
    if result.problems:
        return
    for cp in cps.values():
        result.lines.append(
            f"Checkpoint: {cp.size} records of ledger {cp.origin}, root {cp.root_b64}, "
            f"signed by key {cp.vkey}"
        )
    n = len(result.entries)
    sizes = sorted({cp.size for cp in cps.values()})
    others = max(sizes) - n if sizes else 0
    what = "this record is" if n == 1 else f"these {n} records are"
    result.proven.append(
        f"{what[0].upper()}{what[1:]} in ledger {next(iter(cps.values())).origin} exactly as shown, byte for "
        f"byte, at the positions shown, as of its checkpoint of {' and '.join(map(str, sizes))} records; "
        "so each existed, unchanged, when that checkpoint was made"
    )
    result.proven.append("the checkpoint was signed by the holder of the key named above")
    result.not_proven.append(
        "when the events happened, or that they happened as described: dates and words are the "
        "resident's own statements (recorded_at is their computer's clock)"
    )
    result.not_proven.append(
        "when the checkpoint was made: only a checkpoint you received earlier (e.g. in a dated letter), "
        "or a trusted timestamp, fixes that"
    )
    result.not_proven.append(
        f"anything about the ledger's other {others} records, which appear only as hashes, or that "
        "there are no other records about the same matters"
    )
    if missing:
        result.not_proven.append(
            "the content of the attached files not included here ("
            + ", ".join(repr(m) for m in missing)
            + "): the records hold only their SHA-256 hashes and sizes"
        )
    result.not_proven.append(
        "whose key it is: compare the key above with the one the resident gave you (e.g. printed on a "
        "letter), and check with --key"
    )


def _check_disclosure(disc: Disclosure, result: CheckResult, pinned: Sequence[Verifier]) -> None:
    key = _file_key(disc.vkey, result, pinned)
    if disc.declared is not None:
        records, files = disc.declared
        held = (len(disc.proofs), len(disc.attachments))
        if held != disc.declared:
            result.fail(
                f"the file says it holds {_n(records, 'record')} and {_n(files, 'attachment')}, but it "
                f"holds {_n(held[0], 'record')} and {_n(held[1], 'attachment')}: it was cut short, or "
                "parts of it were removed"
            )
            return
    _check_proofs(disc.proofs, disc.attachments, result, [key])
    if disc.declared is None and not result.problems:
        result.not_proven.append(
            f"that the file is complete: it is an older ({DISCLOSURE_V1}) disclosure, which does not say "
            "how many records it holds, so records cut from its end would not be noticed"
        )


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check_consistency(proof: ConsistencyProof, result: CheckResult, pinned: Sequence[Verifier]) -> None:
    key = _file_key(proof.vkey, result, pinned)
    old = _checkpoint_of(proof.old, [key], "the old checkpoint")
    new = _checkpoint_of(proof.new, [key], "the new checkpoint")
    if old.origin != new.origin:
        raise Malformed("the two checkpoints are of different ledgers")
    if proof.old_size != old.size:
        raise Malformed(f"'old {proof.old_size}' does not match the old checkpoint's size {old.size}")
    if new.size < old.size:
        result.fail(
            f"the new checkpoint ({new.size} records) is smaller than the old one ({old.size}): truncated"
        )
        return
    if not merkle.verify_consistency(old.size, new.size, old.root, new.root, list(proof.path)):
        result.fail(
            f"the consistency proof does not show that the checkpoint of {new.size} records extends the one "
            f"of {old.size}: the ledger was rewritten, or the file was altered"
        )
        return
    result.checkpoints += [old, new]
    result.links.append((old, new))
    result.lines.append(f"Old checkpoint: {old.size} records of ledger {old.origin}, root {old.root_b64}")
    result.lines.append(f"New checkpoint: {new.size} records, root {new.root_b64}")
    result.lines.append(f"Both signed by key {key.vkey}")
    result.proven.append(
        f"the ledger {old.origin} as of its checkpoint of {new.size} records starts with exactly the "
        f"{old.size} records of the old checkpoint: none of them was changed, removed or reordered; "
        f"{new.size - old.size} {'was' if new.size - old.size == 1 else 'were'} added after them"
    )
    result.not_proven.append(
        "what any record says (ask for a disclosure of the entries you need), or when records were added"
    )
    result.not_proven.append(
        "that the old checkpoint is the one you were given: compare it (size and root) with your copy, "
        "or check your copy together with this file"
    )
    result.not_proven.append("whose key it is: compare it with the key the resident gave you, and use --key")


def _check_bare_checkpoint(text: str, result: CheckResult, keys: Sequence[Verifier], pinned: bool) -> None:
    if "\n\n" not in text:
        try:
            cp = parse_checkpoint_strict(text)
        except InputError as exc:
            raise Malformed(str(exc)) from None
        result.fail(
            f"a checkpoint of {cp.size} records of {cp.origin} with no signature: it cannot be checked "
            "on its own (compare its size and root with a proof's)"
        )
        return
    if not any(k.name == _origin_line(text) for k in keys):
        if not pinned:
            _unchecked_checkpoint(text, result)
            return
        _unchecked_checkpoint(text, CheckResult(result.name))  # malformed first, if it is
        given = ", ".join(f"{k.name}+{k.key_id_hex}" for k in keys)
        result.fail(
            f"the checkpoint is of ledger {_origin_line(text)}: "
            f"the key you gave (--key {given}) is not its key"
        )
        return
    cp = _checkpoint_of(text, keys, "the checkpoint")
    result.key = cp.vkey
    result.checkpoints.append(cp)
    result.lines.append(
        f"Checkpoint: {cp.size} records of ledger {cp.origin}, root {cp.root_b64}, signed by key {cp.vkey}"
        + ("" if pinned else " (a key named in another file given)")
    )
    result.proven.append("the holder of that key committed to this state of the ledger (its size and root)")
    result.not_proven.append(
        "anything a record says, or when the checkpoint was made; keep it: later proofs can be "
        "checked against it"
    )


NO_KEY = "signature not checked: no key given (pass --key or a file that names it)"


def _origin_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _unchecked_checkpoint(text: str, result: CheckResult) -> None:
    """A signed checkpoint with no key to check it by: well-formed is all that can be said."""
    note, cp = _signed_checkpoint(text, "the checkpoint")
    named = ", ".join(sorted({f"{s.name}+{s.key_id:08x}" for s in note.signatures}))
    result.unchecked = NO_KEY
    result.lines.append(
        f"Checkpoint: {cp.size} records of ledger {cp.origin}, root {cp.root_b64}; "
        f"signature lines by {named}, not checked"
    )
    result.proven.append("nothing yet: without the key, anyone could have written this checkpoint")
    result.not_proven.append(
        "that the ledger's key holder signed it: check it again with --key and the key the resident "
        "gave you (e.g. printed on a letter), or together with a disclosure or consistency proof "
        "that names it"
    )


def cross_check(results: Sequence[CheckResult]) -> tuple[list[str], list[str]]:
    """Compare the verified checkpoints across files: (notes, problems). Two different
    checkpoints of the same size of one ledger, both validly signed, prove a fork."""
    notes: list[str] = []
    problems: list[str] = []
    by_state: dict[tuple[str, int, bytes], list[str]] = {}
    for r in results:
        for cp in r.checkpoints:
            files = by_state.setdefault((cp.origin, cp.size, cp.root), [])
            if r.name not in files:
                files.append(r.name)
    sizes: dict[tuple[str, int], list[bytes]] = {}
    for origin, size, root in by_state:
        sizes.setdefault((origin, size), []).append(root)
    for (origin, size), roots in sorted(sizes.items()):
        if len(roots) > 1:
            problems.append(
                f"two different checkpoints of {size} records of {origin}, both validly signed: the ledger "
                "was forked or rewritten (its owner signed both)"
            )
    for (origin, size, root), files in sorted(by_state.items()):
        if len(files) > 1 and len(sizes[(origin, size)]) == 1:
            notes.append(
                f"The checkpoint of {size} records (root {b64(root)}) is the same in: {', '.join(files)}"
            )
    notes += _unlinked(results, by_state, sizes)
    return notes, problems


def _unlinked(
    results: Sequence[CheckResult],
    by_state: dict[tuple[str, int, bytes], list[str]],
    sizes: dict[tuple[str, int], list[bytes]],
) -> list[str]:
    """Notes for checkpoints of one ledger at different sizes that no consistency proof among
    the files links (directly or through a chain): nothing shows the larger extends the smaller."""
    parent = {state: state for state in by_state}

    def find(state: tuple[str, int, bytes]) -> tuple[str, int, bytes]:
        while parent[state] != state:
            parent[state] = parent[parent[state]]
            state = parent[state]
        return state

    for r in results:
        for old, new in r.links:
            a, b = (old.origin, old.size, old.root), (new.origin, new.size, new.root)
            if a in parent and b in parent:
                parent[find(a)] = find(b)
    notes = []
    states = sorted(s for s in by_state if s[1] > 0 and len(sizes[(s[0], s[1])]) == 1)
    for i, (origin, small, small_root) in enumerate(states):
        for other in states[i + 1 :]:
            if other[0] == origin and other[1] > small and find(other) != find((origin, small, small_root)):
                notes.append(
                    f"Not shown: that the checkpoint of {other[1]} records of {origin} extends the one of "
                    f"{small} records (no consistency proof among these files links them; ask for "
                    "`residentlog consistency` from the older one)"
                )
    return notes


def report_text(results: Sequence[CheckResult], notes: Sequence[str], problems: Sequence[str]) -> list[str]:
    """The plain-language report ``check`` prints."""
    out: list[str] = []
    titles = {
        "disclosure": "disclosure",
        "consistency": "consistency proof",
        "tlog-proof": "tlog-proof",
        "checkpoint": "checkpoint",
        "unknown": "file",
    }
    for r in results:
        if r.ok and r.unchecked:
            out.append(f"OK (format only): {r.name} ({titles[r.kind]}): {r.unchecked}")
            out += [f"  {line}" for line in r.lines]
            out += [f"  Proven: {p}." for p in r.proven]
            out += [f"  Not proven: {p}." for p in r.not_proven]
        elif r.ok:
            out.append(f"OK: {r.name} ({titles[r.kind]})")
            out += [f"  {line}" for line in r.lines]
            out += [f"  Proven: {p}." for p in r.proven]
            out += [f"  Not proven: {p}." for p in r.not_proven]
        else:
            label = "UNREADABLE" if r.unreadable else "FAILED"
            out.append(f"{label}: {r.name} ({titles[r.kind]}): {r.problems[0]}")
            out += [f"  also: {p}" for p in r.problems[1:]]
        out.append("")
    out += list(notes)
    out += [f"FAILED: {p}" for p in problems]
    while out and out[-1] == "":
        out.pop()
    return out
