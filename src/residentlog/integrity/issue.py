"""Issuing a checkpoint: verify the ledger, sign its root, keep the signed note."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from residentlog.integrity.checkpoint import write_checkpoint_file
from residentlog.integrity.signing import load_or_create_signer, load_signer, sign_note
from residentlog.integrity.verify import Report, verify_store
from residentlog.ledger import when as when_module  # utc_now is looked up at call time: tests replace it
from residentlog.ledger.checkpoints import Checkpoint, origin_for
from residentlog.ledger.store import Store
from residentlog.ledger.when import to_rfc3339


def issue_checkpoint(
    store: Store,
    now: datetime | None = None,
    recipient: str = "",
    *,
    keep: bool = True,
    report: Report | None = None,
) -> Checkpoint:
    """Verify the ledger, then issue, sign and keep a checkpoint of it as it stands.

    A checkpoint is a commitment handed to others, so it is refused for a ledger that does not
    verify: it would otherwise bless the damage (and C2SP forbids signing a checkpoint that is
    inconsistent with one signed before; verify checks every one issued). The checkpoint is
    signed with the store's Ed25519 key (made now if the store has none yet) and kept twice:
    a row of ``checkpoints`` (when, to whom, the signed note) and the file
    ``<store>/checkpoints/<size>-<root prefix>.txt`` outside the database. The returned
    Checkpoint carries the signed note in ``note`` and the key in ``vkey``. ``report``: the
    store verified just now (by ``verify_store``), if the caller has done so already.
    """
    recipient = " ".join(recipient.split())
    if report is None:
        report = verify_store(store)
    report.raise_if_failed("not issuing a checkpoint: the ledger does not verify")
    cp = Checkpoint(origin_for(store.ledger_id), report.size, report.root)
    if not keep:  # a draft's: signed if the store has a key, and no trace left in the store
        draft_signer = load_signer(store.root, cp.origin)
        if draft_signer is None:
            return cp
        return replace(cp, note=sign_note(cp.text(), [draft_signer]), vkey=draft_signer.verifier.vkey)
    signer, _ = load_or_create_signer(store.root, cp.origin)
    note = sign_note(cp.text(), [signer])
    store.add_checkpoint(
        cp.size,
        cp.root,
        to_rfc3339(now or when_module.utc_now()),
        cp.text(),
        recipient=recipient,
        note=note,
        verified=True,
    )
    write_checkpoint_file(store.root, cp, note)
    return replace(cp, note=note, vkey=signer.verifier.vkey)
