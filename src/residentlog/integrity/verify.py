"""Verification: recompute everything and report what does not check out, as data.

``verify_store`` works in two passes.

1. **Every record, every time**: its bytes are re-hashed and compared with the stored leaf
   hash, the sequence is checked for gaps, the Merkle root and the stored proof tree are
   recomputed from the re-hashed leaves, every checkpoint the store issued (table and
   ``<store>/checkpoints/`` files, so a database restored from an older copy is caught) must
   still give its root, every kept signed note must verify with the store's key, and every
   object in ``objects/`` is re-hashed (its bytes must give its name) and every attachment a
   record cites must be there (records before the anchor: those the index lists as having any).
2. **In full** (parsed; version, keys and canonical form; ledger id; number; the link to its
   predecessor; the list index row): the records after the *anchor*, the largest checkpoint
   this store issued right after a verify pass (``verified``) whose root the re-hashed leaves
   still give. Records up to the anchor are byte-for-byte those checked in full when it was
   issued (same leaf hashes, same root), and every check of this pass depends only on those
   bytes, so repeating it would find nothing new. ``full=True`` (``verify --full``) checks
   every record in full regardless, and the full-text search index, which can only be checked
   as a whole, is checked when every record is.

What ``list`` and ``show`` display is decoded from the hashed bytes themselves; the index only
chooses and orders the entries, and ``views`` checks each entry it shows against it. Findings
are returned, not raised; the caller decides the exit code. No findings means the ledger
verifies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from residentlog.errors import InputError, VerificationFailed
from residentlog.ledger import merkle
from residentlog.ledger.checkpoints import Checkpoint, origin_for, read_kept
from residentlog.ledger.objects import hash_object, stored_digests
from residentlog.ledger.record import FORMAT_VERSION, RECORD_KEYS, decode, is_canonical
from residentlog.ledger.store import TREE_HEIGHT, IssuedCheckpoint, Store


@dataclass(frozen=True)
class Finding:
    """One problem: which entry (0 for the ledger as a whole), and what is wrong."""

    seq: int
    problem: str

    def as_json(self) -> dict[str, Any]:
        return {"entry": self.seq or None, "problem": self.problem}

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}" if self.seq else self.problem


@dataclass
class Report:
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints_checked: int = 0
    #: records 1..anchor were checked in full when the checkpoint of that size was issued
    anchor: int = 0
    anchor_issued_at: str | None = None
    search_index_checked: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def raise_if_failed(self, refusal: str, advice: str = "") -> None:
        """VerificationFailed ``"<refusal> (<first finding>)<advice>"`` unless the ledger verifies."""
        if self.findings:
            raise VerificationFailed(f"{refusal} ({self.findings[0]}){advice}")

    def as_json(self) -> dict[str, Any]:
        import base64

        return {
            "ok": self.ok,
            "size": self.size,
            "root": base64.b64encode(self.root).decode("ascii"),
            "root_hex": self.root.hex(),
            "checkpoints_checked": self.checkpoints_checked,
            "parsed_from": self.anchor + 1,
            "parsed_before_by_checkpoint_of": self.anchor_issued_at,
            "search_index_checked": self.search_index_checked,
            "findings": [f.as_json() for f in self.findings],
        }


def verify_at(root: Path) -> Report:
    """:func:`verify_store` of the store at ``root``, opened for it alone (a letter verifies in a
    second process while it works out the case: see ``residentlog.background``)."""
    with Store.open(root) as store:
        return verify_store(store)


def verify_store(store: Store, against: Checkpoint | None = None, *, full: bool = False) -> Report:
    report = Report()
    findings = report.findings
    walk = _walk(store, report)
    tree = _Tree(walk.leaves)
    report.size = len(walk.leaves)
    report.root = tree.root(report.size)
    _check_tree(store, walk, tree, report)

    origin = origin_for(store.ledger_id)
    issued = store.issued_checkpoints()
    keys = _StoreKey(store)
    if not full:
        anchor = _anchor(issued, tree, report.size, origin, keys)
        if anchor is not None:
            report.anchor, report.anchor_issued_at = anchor.size, anchor.issued_at
    _check_records(store, report, walk)
    for seq, problem in store.index_mismatches(after=report.anchor, size=report.size):
        findings.append(Finding(seq, problem))
    if not report.anchor:
        report.search_index_checked = True
        if not store.search_index_ok():
            findings.append(Finding(0, "the search index does not match the entries"))

    _check_issued(store, issued, tree, origin, report, keys)
    if against is not None:
        report.checkpoints_checked += 1
        if against.origin != origin:
            findings.append(
                Finding(0, f"the checkpoint is for another ledger ({against.origin}, this is {origin})")
            )
        else:
            mismatch = _against(tree, against.size, against.root, "the given checkpoint")
            if mismatch:
                findings.append(Finding(0, mismatch))
    from residentlog.integrity.timestamps import (
        verify_timestamps,  # imports rfc3161_client only if tokens exist
    )

    findings.extend(Finding(0, problem) for problem in verify_timestamps(store))
    findings.sort(key=lambda f: (f.seq == 0, f.seq))
    return report


@dataclass
class _Walk:
    """What the first pass found: the re-hashed leaves in ledger order, and the stored leaf
    hashes that differ from them (by position)."""

    leaves: list[bytes] = field(default_factory=list)
    altered: dict[int, bytes] = field(default_factory=dict)
    #: records whose bytes cite at least one attachment (``"attachments":[{`` can stand in a
    #: canonical record only as its own top-level field: a quote inside a string is escaped)
    attached: list[int] = field(default_factory=list)


def _walk(store: Store, report: Report) -> _Walk:
    """Pass 1, over every record: re-hash it, compare with the stored hash, check the order."""
    walk = _Walk()
    leaves, altered = walk.leaves, walk.altered
    append, sha256 = leaves.append, hashlib.sha256
    expected = 1
    for seq, data, stored_leaf in store.iter_ledger():
        if b'"attachments":[{' in data:
            walk.attached.append(seq)
        leaf = sha256(b"\x00" + data).digest()
        if leaf != stored_leaf:
            altered[len(leaves)] = bytes(stored_leaf)
            report.findings.append(Finding(seq, "content changed: its bytes no longer match its stored hash"))
        append(leaf)
        if seq != expected:
            gap = f"entry {expected}" if seq == expected + 1 else f"entries {expected}–{seq - 1}"
            report.findings.append(
                Finding(expected, f"{gap} missing: the ledger skips from {expected - 1} to {seq}")
            )
        expected = seq + 1
    return walk


class _Tree:
    """The Merkle tree of the re-hashed leaves: its perfect subtrees (compared with the stored
    ``tree``), from which the root at any size takes O(log n) steps."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.nodes = list(merkle.perfect_subtrees(leaves, TREE_HEIGHT))
        self._by_position = {(h, i): digest for h, i, digest in self.nodes}

    def root(self, size: int) -> bytes:
        if size == 0:
            return merkle.EMPTY_ROOT
        return merkle.range_root(
            0,
            size,
            TREE_HEIGHT,
            lambda h, i: self._by_position.get((h, i)),
            lambda lo, hi: self.leaves[lo:hi],
        )


def _check_tree(store: Store, walk: _Walk, tree: _Tree, report: Report) -> None:
    """The ``tree`` table must hold exactly the perfect subtrees of the *stored* leaf hashes
    (an altered record is reported by itself, not again here). The first problem is named."""
    expected: Any = tree.nodes
    if walk.altered:
        stored = list(walk.leaves)
        for position, leaf in walk.altered.items():
            stored[position] = leaf
        expected = merkle.perfect_subtrees(stored, TREE_HEIGHT)
    held = {(height, idx): digest for height, idx, digest in store.tree_nodes()}
    problem, where = None, (0, 0)
    for height, idx, digest in expected:
        found = held.pop((height, idx), None)
        if found != digest:
            problem, where = ("is missing for" if found is None else "differs from"), (height, idx)
            break
    else:
        if held:
            problem, where = (
                "has an extra node for",
                min(held, key=lambda key: ((key[1] + 1) << key[0], key[0])),
            )
    if problem:
        height, idx = where
        first, last = idx * (1 << height) + 1, (idx + 1) * (1 << height)
        report.findings.append(
            Finding(0, f"the stored proof tree {problem} entries {first}–{last}; proofs would not verify")
        )


def _anchor(
    issued: list[IssuedCheckpoint], tree: _Tree, size: int, origin: str, keys: _StoreKey
) -> IssuedCheckpoint | None:
    """The largest checkpoint of this ledger (by its origin line, which names the ledger id the
    records were checked against) issued right after a verify pass, whose root the ledger
    still gives, *and whose signed note verifies with the store's key*. The ``verified`` column
    alone is never trusted: anyone who can edit the database can set it, but only the holder of
    the signing key can sign a root, and the store signs only after a verify pass."""
    from residentlog.integrity.signing import NoteError, parse_note

    key = None
    for row in sorted(issued, key=lambda r: r.size, reverse=True):
        if not (row.verified and row.note and 0 < row.size <= size and row.text.startswith(origin + "\n")):
            continue
        if tree.root(row.size) != row.root:
            continue
        key = key or keys.get()
        if key is None:
            return None
        try:
            note = parse_note(row.note)
            if note.text == row.text and note.verified_by([key]):
                return row
        except NoteError:
            continue
    return None


def _check_records(store: Store, report: Report, walk: _Walk) -> None:
    """Pass 2: every record after the anchor in full; the attachments of those before it (by
    the index), then every other object in the store (its bytes must still give its name)."""
    findings = report.findings
    anchor = report.anchor
    ledger_id = store.ledger_id
    objects = _Objects(store.objects_dir)
    for seq in walk.attached:
        if seq > anchor:
            break
        for att in decode(store.record_bytes(seq) or b"{}").get("attachments") or ():
            problem = objects.check(att)
            if problem:
                findings.append(Finding(seq, problem))
    sha256 = hashlib.sha256
    expected = anchor + 1
    # the previous record's (re-hashed, stored) leaf hash, hex
    prev: tuple[str, str] = ("", "")
    if anchor:
        prev = (walk.leaves[anchor - 1].hex(), (store.leaf_hash(anchor) or b"").hex())
    from residentlog.ledger.typed_record import canonical_check, reader

    read = reader()
    canonical = canonical_check()
    for seq, data, stored_leaf in store.iter_ledger(after=anchor):
        contiguous = seq == expected
        expected = seq + 1
        leaf = sha256(b"\x00" + data).digest()
        intact = leaf == stored_leaf
        previous, prev = prev, (leaf.hex(), bytes(stored_leaf).hex())
        typed = read(data)
        if typed is not None:  # every key there, each of its type: its version and form to check
            shape = typed.v == FORMAT_VERSION
            in_form = shape and canonical(data, typed)
            said: tuple[Any, ...] = (typed.ledger, typed.seq, typed.prev, typed.attachments)
        else:
            try:
                rec = decode(data)
            except Exception as exc:
                findings.append(Finding(seq, f"not a readable record ({exc})"))
                continue
            shape = rec.keys() == RECORD_KEYS and rec.get("v") == FORMAT_VERSION
            in_form = shape and is_canonical(data, rec)
            said = (rec.get("ledger"), rec.get("seq"), rec.get("prev"), rec.get("attachments"))
        ledger, its_seq, its_prev, attachments = said
        if not shape:
            findings.append(Finding(seq, "not a version-1 record (unexpected or missing fields)"))
        elif not in_form:
            findings.append(
                Finding(seq, "not in canonical form (RFC 8785): it was not written by residentlog")
            )
        if ledger != ledger_id:
            findings.append(Finding(seq, "belongs to another ledger: it was copied in from elsewhere"))
        if its_seq != seq:
            findings.append(Finding(seq, f"order changed: this record says it is entry {its_seq}"))
        elif seq == 1:
            if its_prev != "":
                findings.append(Finding(seq, "the first entry must not name a predecessor"))
        elif intact and contiguous and its_prev not in previous:
            findings.append(
                Finding(
                    seq - 1,
                    f"content changed or replaced: entry {seq} records a different hash for entry {seq - 1}",
                )
            )
        for att in attachments or ():
            problem = objects.check(att)
            if problem:
                findings.append(Finding(seq, problem))
    findings.extend(Finding(0, problem) for problem in objects.altered_elsewhere())


class _Objects:
    """The attachment store, each object hashed at most once per verify."""

    def __init__(self, objects_dir: Path) -> None:
        self.dir = objects_dir
        self.hashed: dict[str, tuple[str, int] | None] = {}

    def _hash(self, digest: str) -> tuple[str, int] | None:
        if digest not in self.hashed:
            self.hashed[digest] = hash_object(self.dir, digest)
        return self.hashed[digest]

    def check(self, att: Any) -> str | None:
        """What is wrong with the stored bytes of an attachment a record cites, if anything."""
        try:
            digest, size, name = att["sha256"], att["size"], att["name"]
        except (TypeError, KeyError):
            return "an attachment entry is malformed"
        found = self._hash(digest)
        if found is None:
            return f"attachment {name!r} is missing from objects/"
        if found != (digest, size):
            return f"attachment {name!r} was altered: its bytes no longer match its hash"
        return None

    def altered_elsewhere(self) -> list[str]:
        """Objects no checked record cited whose bytes no longer give their name."""
        return [
            f"objects/{digest[:2]}/{digest[2:]} was altered: its bytes no longer match its name "
            "(the hash of an attachment)"
            for digest in stored_digests(self.dir)
            if digest not in self.hashed and (self._hash(digest) or ("",))[0] != digest
        ]


def _check_issued(
    store: Store, issued: list[IssuedCheckpoint], tree: _Tree, origin: str, report: Report, keys: _StoreKey
) -> None:
    """Every checkpoint the store issued, from the table and from ``checkpoints/``: its root
    re-derived from the ledger, and its kept signed note checked against the store's key.
    A file that repeats a table row is checked but not counted again."""
    findings = report.findings
    # one finding per cause: the first checkpoint a truncation or rewrite breaks, and how many more
    broken: dict[str, list[str]] = {}
    seen: set[tuple[int, str]] = set()
    for row in issued:
        report.checkpoints_checked += 1
        what = f"the checkpoint issued {row.issued_at}"
        problem = _against(tree, row.size, row.root, what)
        if problem:
            broken.setdefault(problem.split(":", 1)[0], []).append(problem)
        if row.note:
            problem = _check_note(row.note, row.text, keys, f"the signed note of {what}")
            if problem:
                findings.append(Finding(0, problem))
        seen.add((row.size, row.root.hex()[:8]))
    for file in store.checkpoint_files():
        where = file.where
        try:
            kept = read_kept(file)
        except (OSError, UnicodeDecodeError):
            findings.append(Finding(0, f"{where} cannot be read"))
            continue
        except InputError as exc:
            findings.append(Finding(0, f"{where} is not a readable checkpoint ({exc})"))
            continue
        cp, text = kept.checkpoint, kept.text
        if (cp.size, cp.root.hex()[:8]) != (file.size, file.prefix):
            findings.append(Finding(0, f"{where} does not hold the checkpoint its name says"))
            continue
        if cp.origin != origin:
            findings.append(Finding(0, f"{where} is a checkpoint of another ledger ({cp.origin})"))
            continue
        if (file.size, file.prefix) not in seen:
            report.checkpoints_checked += 1
            problem = _against(tree, file.size, cp.root, f"the checkpoint in {where}")
            if problem:
                broken.setdefault(problem.split(":", 1)[0], []).append(problem)
        if "\n\n" in text:
            problem = _check_note(text, cp.text(), keys, f"the signed note in {where}")
            if problem:
                findings.append(Finding(0, problem))
    for problems in broken.values():
        more = len(problems) - 1
        also = f" (and {more} other issued checkpoint{'s' if more > 1 else ''})" if more else ""
        findings.append(Finding(0, problems[0] + also))


class _StoreKey:
    """The store's public note key, read once and only if a signed note needs checking."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._loaded = False
        self._key: Any = None

    def get(self) -> Any:
        if not self._loaded:
            from residentlog.integrity.signing import public_key

            self._loaded = True
            self._key = public_key(self.store.root)
        return self._key


def _check_note(note_text: str, body: str, keys: _StoreKey, what: str) -> str | None:
    from residentlog.integrity.signing import NoteError, parse_note

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


def _against(tree: _Tree, size: int, root: bytes, what: str) -> str | None:
    if size > len(tree.leaves):
        return f"ledger truncated: {what} covers {size} entries but the ledger now holds {len(tree.leaves)}"
    if tree.root(size) != root:
        return f"ledger rewritten: its first {size} entries no longer produce the root of {what}"
    return None
