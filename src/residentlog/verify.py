"""Verification: recompute everything and report what does not check out, as data.

``verify_store`` re-hashes every stored record and attachment, checks each record's sequence
number, ledger id and link to its predecessor, checks that the list index shows exactly what
the records hold and that the stored subtree hashes (used for proofs) match the stored leaf
hashes, and recomputes the Merkle root at the size of every checkpoint the store
has issued (and of one given by the user). Issued checkpoints are read both from the
``checkpoints`` table and from the files in ``<store>/checkpoints/`` (so a database restored
from an older copy is caught by the files it no longer matches), and every kept signed note
made with the store's key must carry a valid signature. Findings are returned, not raised; the
caller decides the exit code. An empty list of findings means the ledger verifies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from . import merkle
from .checkpoint import CHECKPOINTS_DIR, Checkpoint, origin_for, parse_checkpoint, read_checkpoint_files
from .errors import InputError
from .objects import hash_object
from .record import FORMAT_VERSION, RECORD_KEYS, decode, is_canonical
from .store import TREE_HEIGHT, Store


@dataclass(frozen=True)
class Finding:
    """One problem: which entry (0 for the ledger as a whole), and what is wrong."""

    seq: int
    problem: str

    def as_json(self) -> dict[str, Any]:
        return {"entry": self.seq or None, "problem": self.problem}


@dataclass
class Report:
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    first_occurred: str | None = None
    last_occurred: str | None = None
    checkpoints_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        import base64

        return {
            "ok": self.ok,
            "size": self.size,
            "root": base64.b64encode(self.root).decode("ascii"),
            "root_hex": self.root.hex(),
            "first_occurred": self.first_occurred,
            "last_occurred": self.last_occurred,
            "checkpoints_checked": self.checkpoints_checked,
            "findings": [f.as_json() for f in self.findings],
        }


def verify_store(store: Store, against: Checkpoint | None = None) -> Report:
    report = Report()
    findings = report.findings
    leaves, stored = _check_records(store, report)
    report.size = len(leaves)
    report.root = merkle.root(leaves)
    _check_tree(store, stored, report)

    for seq, problem in store.index_mismatches():
        findings.append(Finding(seq, problem))
    if not store.search_index_ok():
        findings.append(Finding(0, "the search index does not match the entries"))

    origin = origin_for(store.ledger_id)
    _check_issued(store, leaves, origin, report)
    if against is not None:
        report.checkpoints_checked += 1
        if against.origin != origin:
            findings.append(
                Finding(0, f"the checkpoint is for another ledger ({against.origin}, this is {origin})")
            )
        else:
            problem = _against(leaves, against.size, against.root, "the given checkpoint")
            if problem:
                findings.append(Finding(0, problem))
    from .timestamps import verify_timestamps  # imports rfc3161_client only if tokens exist

    findings.extend(Finding(0, problem) for problem in verify_timestamps(store))
    findings.sort(key=lambda f: (f.seq == 0, f.seq))
    return report


def _check_records(store: Store, report: Report) -> tuple[list[bytes], list[bytes]]:
    """Walk the ledger in order; returns the recomputed and the stored leaf hashes (missing
    records skipped)."""
    findings = report.findings
    ledger_id = store.ledger_id
    objects_dir = store.objects_dir
    sha256 = hashlib.sha256
    leaves: list[bytes] = []
    stored: list[bytes] = []
    expected = 1
    prev: tuple[str, str] = ("", "")  # previous record's (recomputed, stored) leaf hash, hex
    occurred: dict[int, str] = {}  # entry number -> when it happened, as corrected
    for seq, data, stored_leaf in store.iter_ledger():
        data = bytes(data)
        contiguous = seq == expected
        if not contiguous:
            gap = f"entry {expected}" if seq == expected + 1 else f"entries {expected}–{seq - 1}"
            findings.append(
                Finding(expected, f"{gap} missing: the ledger skips from {expected - 1} to {seq}")
            )
        expected = seq + 1
        leaf = sha256(b"\x00" + data).digest()
        leaves.append(leaf)
        intact = leaf == stored_leaf
        stored.append(leaf if intact else bytes(stored_leaf))
        if not intact:
            findings.append(Finding(seq, "content changed: its bytes no longer match its stored hash"))
        previous, prev = prev, (leaf.hex(), bytes(stored_leaf).hex())
        try:
            rec = decode(data)
        except Exception as exc:
            findings.append(Finding(seq, f"not a readable record ({exc})"))
            continue
        if rec.keys() != RECORD_KEYS or rec.get("v") != FORMAT_VERSION:
            findings.append(Finding(seq, "not a version-1 record (unexpected or missing fields)"))
        elif not is_canonical(data, rec):
            findings.append(
                Finding(seq, "not in canonical form (RFC 8785): it was not written by residentlog")
            )
        if rec.get("ledger") != ledger_id:
            findings.append(Finding(seq, "belongs to another ledger: it was copied in from elsewhere"))
        if rec.get("seq") != seq:
            findings.append(Finding(seq, f"order changed: this record says it is entry {rec.get('seq')}"))
        elif seq == 1:
            if rec.get("prev") != "":
                findings.append(Finding(seq, "the first entry must not name a predecessor"))
        elif intact and contiguous and rec.get("prev") not in previous:
            findings.append(
                Finding(
                    seq - 1,
                    f"content changed or replaced: entry {seq} records a different hash for entry {seq - 1}",
                )
            )
        when = rec.get("occurred_at")
        if isinstance(when, str):  # a correction replaces its entry's time
            occurred[rec.get("amends") or seq] = when
        for att in rec.get("attachments") or ():
            problem = _check_attachment(objects_dir, att)
            if problem:
                findings.append(Finding(seq, problem))
    if occurred:
        report.first_occurred, report.last_occurred = min(occurred.values()), max(occurred.values())
    return leaves, stored


def _check_tree(store: Store, stored: list[bytes], report: Report) -> None:
    """The ``tree`` table must hold exactly the perfect subtrees of the stored leaf hashes."""
    expected = merkle.perfect_subtrees(stored, TREE_HEIGHT)
    for want, got in zip_longest(expected, store.tree_nodes()):
        if want == got:
            continue
        height, idx, _ = want or got
        first, last = idx * (1 << height) + 1, (idx + 1) * (1 << height)
        problem = "differs from" if want and got else "is missing for" if want else "has an extra node for"
        report.findings.append(
            Finding(0, f"the stored proof tree {problem} entries {first}–{last}; proofs would not verify")
        )
        return


def _check_attachment(objects_dir: Any, att: Any) -> str | None:
    try:
        digest, size, name = att["sha256"], att["size"], att["name"]
    except (TypeError, KeyError):
        return "an attachment entry is malformed"
    found = hash_object(objects_dir, digest)
    if found is None:
        return f"attachment {name!r} is missing from objects/"
    if found != (digest, size):
        return f"attachment {name!r} was altered: its bytes no longer match its hash"
    return None


def _check_issued(store: Store, leaves: list[bytes], origin: str, report: Report) -> None:
    """Every checkpoint the store issued, from the table and from ``checkpoints/``: its root
    re-derived from the ledger, and its kept signed note checked against the store's key.
    A file that repeats a table row is checked but not counted again."""
    findings = report.findings
    roots: dict[int, bytes] = {}
    keys = _StoreKey(store)
    seen: set[tuple[int, str]] = set()
    for row in store.issued_checkpoints():
        report.checkpoints_checked += 1
        what = f"the checkpoint issued {row.issued_at}"
        problem = _against(leaves, row.size, row.root, what, roots)
        if problem:
            findings.append(Finding(0, problem))
        if row.note:
            problem = _check_note(row.note, row.text, keys, f"the signed note of {what}")
            if problem:
                findings.append(Finding(0, problem))
        seen.add((row.size, row.root.hex()[:8]))
    for name, size, prefix, text in read_checkpoint_files(store.root):
        where = f"{CHECKPOINTS_DIR}/{name}"
        if text is None:
            findings.append(Finding(0, f"{where} cannot be read"))
            continue
        try:
            cp = parse_checkpoint(text)
        except InputError as exc:
            findings.append(Finding(0, f"{where} is not a readable checkpoint ({exc})"))
            continue
        if (cp.size, cp.root.hex()[:8]) != (size, prefix):
            findings.append(Finding(0, f"{where} does not hold the checkpoint its name says"))
            continue
        if cp.origin != origin:
            findings.append(Finding(0, f"{where} is a checkpoint of another ledger ({cp.origin})"))
            continue
        if (size, prefix) not in seen:
            report.checkpoints_checked += 1
            problem = _against(leaves, size, cp.root, f"the checkpoint in {where}", roots)
            if problem:
                findings.append(Finding(0, problem))
        if "\n\n" in text:
            problem = _check_note(text, cp.text(), keys, f"the signed note in {where}")
            if problem:
                findings.append(Finding(0, problem))


class _StoreKey:
    """The store's public note key, read once and only if a signed note needs checking."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._loaded = False
        self._key: Any = None

    def get(self) -> Any:
        if not self._loaded:
            from .signing import public_key

            self._loaded = True
            self._key = public_key(self.store.root)
        return self._key


def _check_note(note_text: str, body: str, keys: _StoreKey, what: str) -> str | None:
    from .signing import NoteError, parse_note

    try:
        note = parse_note(note_text)
    except NoteError as exc:
        return f"{what} is not a well-formed signed note ({exc})"
    if note.text != body:
        return f"{what} does not sign the checkpoint it is kept with"
    key = keys.get()
    if key is None:
        return None
    try:
        note.verified_by([key])
    except NoteError:
        return f"{what} carries a signature by this store's key that does not verify"
    return None


def _against(
    leaves: list[bytes], size: int, root: bytes, what: str, roots: dict[int, bytes] | None = None
) -> str | None:
    if size > len(leaves):
        return f"ledger truncated: {what} covers {size} entries but the ledger now holds {len(leaves)}"
    if roots is None:
        roots = {}
    if size not in roots:
        roots[size] = merkle.root(leaves[:size])
    if roots[size] != root:
        return f"ledger rewritten: its first {size} entries no longer produce the root of {what}"
    return None
