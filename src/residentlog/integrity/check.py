"""Checking disclosures, consistency proofs and checkpoints with no store: ``residentlog check``.

The caseworker's side: every file is read through a size cap, parsed strictly
(:mod:`residentlog.integrity.proof_text`), and each proof recomputed from the hashes it
carries; keys are pinned by the caller (``--key``) or taken from the files and reported as such.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.errors import InputError, ResidentlogError
from residentlog.integrity.signing import (
    Note,
    NoteError,
    Verifier,
    b64,
    parse_note,
    parse_vkey,
)
from residentlog.ledger import merkle
from residentlog.ledger.checkpoints import (
    BOM,
    ORIGIN_PREFIX,
    Checkpoint,
    parse_checkpoint_strict,
)

if TYPE_CHECKING:
    pass
from residentlog.integrity.proof_text import (
    CONSISTENCY,
    DISCLOSURE,
    DISCLOSURE_V1,
    MAX_FILE,
    MAX_SMALL_FILE,
    ORIGIN_LINE,
    TLOG_PROOF,
    ConsistencyProof,
    Disclosure,
    Malformed,
    TlogProof,
    parse_consistency,
    parse_disclosure,
    parse_tlog_proof,
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


def mib(n: int) -> str:
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
            raise _Unreadable(f"too large: {st.st_size:,} bytes, over the {mib(limit)} limit (not read)")
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size > limit:
                raise _Unreadable(f"too large: over the {mib(limit)} limit (not read)")
            data = f.read(limit + 1)
    except OSError as exc:
        raise _Unreadable(f"cannot read it ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise _Unreadable(f"too large: over the {mib(limit)} limit")
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
    if not ORIGIN_LINE.match(cp.origin):
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
