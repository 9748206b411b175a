"""Making proofs from a store: disclosures (``residentlog prove``) and consistency proofs
(``residentlog consistency``), each checked by :mod:`residentlog.integrity.check` before it is
returned. Their formats are in :mod:`residentlog.integrity.proof_text` (docs/format.md §9).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from residentlog.errors import InputError, VerificationFailed
from residentlog.integrity.signing import (
    NoteError,
    parse_note,
)
from residentlog.ledger import merkle
from residentlog.ledger.checkpoints import (
    BOM,
    Checkpoint,
    origin_for,
    parse_checkpoint,
)

if TYPE_CHECKING:
    from residentlog.ledger.store import Store
from residentlog.integrity.check import (
    check_text,
    mib,
)
from residentlog.integrity.proof_text import (
    MAX_FILE,
    ConsistencyProof,
    Disclosure,
    TlogProof,
)

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
            f"that disclosure would be {size:,} bytes, over the {mib(MAX_FILE)} that check reads; "
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
