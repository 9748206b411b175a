"""Use-cases that write to the ledger: create or open a store, add and amend entries.

Each function validates everything first (Pydantic models, dates, attachment files), stores
any attachments, and only then appends one record. If anything is wrong, nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.errors import InputError
from residentlog.ledger.models import validate_content
from residentlog.ledger.objects import check_readable, store_object
from residentlog.ledger.record import build_record, decode, encode
from residentlog.ledger.store import Store, Tip
from residentlog.ledger.when import When, from_rfc3339, parse_when, to_rfc3339

if TYPE_CHECKING:
    from residentlog.integrity.checkpoint import Checkpoint


@dataclass(frozen=True)
class Added:
    """What ``add``/``amend`` report back: the new entry number, its hash and when it happened."""

    seq: int
    leaf_hash: bytes
    num: int
    when: When


def utc_now() -> datetime:
    return datetime.now(UTC)


def add_entry(
    store: Store,
    data: dict[str, Any],
    *,
    when_text: str | None,
    attach: Sequence[Path] = (),
    now: datetime | None = None,
) -> Added:
    """Validate and append a new entry. ``data`` holds EntryContent fields (kind, summary, ...)."""
    now = now or utc_now()
    content = validate_content(data)
    when = _when(when_text, now)
    _check_links(store, content.links)
    return _append(store, content.model_dump(mode="json"), when, attach, now, amends=None, reason="")


def amend_entry(
    store: Store,
    num: int,
    *,
    reason: str,
    changes: dict[str, Any],
    when_text: str | None,
    attach: Sequence[Path] = (),
    now: datetime | None = None,
) -> Added:
    """Append a correction of entry ``num``: a full new version, with the reason for it.

    Given options replace the corresponding values (kind-specific fields are merged one by
    one); attachments are added to the ones already there. The original stays in the ledger.
    """
    now = now or utc_now()
    from residentlog.ledger.models import check_line

    reason = check_line(" ".join(reason.split()), "--reason")
    if not reason:
        raise InputError("--reason: say why the entry is being corrected")
    from residentlog.ledger.views import entry_versions

    latest = decode(entry_versions(store, num)[-1][1])
    base = {key: latest[key] for key in ("kind", "summary", "details", "location", "tags", "links", "refs")}
    base["case"] = latest["case"] or None
    base["fields"] = latest["fields"]
    fields = {**latest["fields"], **changes.pop("fields", {})}
    content = validate_content({**base, **changes, "fields": fields})
    unchanged = content.model_dump(mode="json") == validate_content(base).model_dump(mode="json")
    if unchanged and not (when_text or attach):
        raise InputError("nothing to correct: give at least one field to change")
    _check_links(store, content.links)
    if when_text:
        when = _when(when_text, now)
    else:
        when = When(
            from_rfc3339(latest["occurred_at"]), latest["occurred_precision"], latest["occurred_text"]
        )
    return _append(
        store,
        content.model_dump(mode="json"),
        when,
        attach,
        now,
        amends=num,
        reason=reason,
        keep=list(latest["attachments"]),
    )


def _append(
    store: Store,
    content: dict[str, Any],
    when: When,
    attach: Sequence[Path],
    now: datetime,
    *,
    amends: int | None,
    reason: str,
    keep: list[dict[str, Any]] | None = None,
) -> Added:
    for path in attach:
        check_readable(path)
    attachments = list(keep or [])
    for path in attach:  # objects are durable on disk before the record that cites them
        meta = store_object(store.objects_dir, path)
        if meta not in attachments:
            attachments.append(meta)

    def build(tip: Tip) -> tuple[bytes, bytes]:
        record = build_record(
            ledger_id=store.ledger_id,
            seq=tip.seq + 1,
            prev=tip.leaf_hash,
            recorded_at=now,
            content=content,
            occurred_at=when.instant,
            occurred_precision=when.precision,
            occurred_text=when.text,
            attachments=attachments,
            amends=amends,
            reason=reason,
        )
        return encode(record)

    seq, leaf = store.append(build)
    return Added(seq=seq, leaf_hash=leaf, num=amends or seq, when=when)


def _when(text: str | None, now: datetime) -> When:
    if text is None or not text.strip():
        return When(now.replace(second=0, microsecond=0), "minute", "")
    return parse_when(text, now)


def _check_links(store: Store, links: Sequence[int]) -> None:
    size = store.size()
    for link in links:
        if link > size:
            raise InputError(f"--link {link}: there is no entry {link} yet")


def issue_checkpoint(
    store: Store, now: datetime | None = None, recipient: str = "", *, keep: bool = True
) -> Checkpoint:
    """Verify the ledger, then issue, sign and keep a checkpoint of it as it stands.

    A checkpoint is a commitment handed to others, so it is refused for a ledger that does not
    verify: it would otherwise bless the damage (and C2SP forbids signing a checkpoint that is
    inconsistent with one signed before; verify checks every one issued). The checkpoint is
    signed with the store's Ed25519 key (made now if the store has none yet) and kept twice:
    a row of ``checkpoints`` (when, to whom, the signed note) and the file
    ``<store>/checkpoints/<size>-<root prefix>.txt`` outside the database. The returned
    Checkpoint carries the signed note in ``note`` and the key in ``vkey``.
    """
    from dataclasses import replace

    from residentlog.integrity.checkpoint import Checkpoint, origin_for, write_checkpoint_file
    from residentlog.integrity.signing import load_or_create_signer, load_signer, sign_note
    from residentlog.integrity.verify import verify_store

    recipient = " ".join(recipient.split())
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
        to_rfc3339(now or utc_now()),
        cp.text(),
        recipient=recipient,
        note=note,
        verified=True,
    )
    write_checkpoint_file(store.root, cp, note)
    return replace(cp, note=note, vkey=signer.verifier.vkey)
