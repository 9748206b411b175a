"""Use-cases that write to the ledger: add and amend entries.

Each function validates everything first (Pydantic models, dates, attachment files), stores
any attachments, and only then appends one record. If anything is wrong, nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from residentlog.errors import InputError
from residentlog.ledger import when as when_module  # utc_now is looked up at call time: tests replace it
from residentlog.ledger.objects import check_readable, store_object
from residentlog.ledger.record import build_record, decode, encode
from residentlog.ledger.store import Store, Tip
from residentlog.ledger.vocabulary import validate_content
from residentlog.ledger.when import When, from_rfc3339, parse_when


@dataclass(frozen=True)
class Added:
    """What ``add``/``amend`` report back: the new entry number, its hash and when it happened."""

    seq: int
    leaf_hash: bytes
    num: int
    when: When


def add_entry(
    store: Store,
    data: dict[str, Any],
    *,
    when_text: str | None,
    attach: Sequence[Path] = (),
    now: datetime | None = None,
    when: When | None = None,
    stored: Sequence[dict[str, Any]] = (),
) -> Added:
    """Validate and append a new entry. ``data`` holds EntryContent fields (kind, summary, ...).

    ``when`` gives the moment exactly, read from a source (an email's ``Date:``, a photo's EXIF)
    rather than typed; it replaces ``when_text`` and, like it, may not be in the future.
    ``stored`` are attachments already in the store: what :func:`store_object` returned (an
    import stores the next entries' files while it appends this one)."""
    now = now or when_module.utc_now()
    content = validate_content(data)
    if when is None:
        when = _when(when_text, now)
    elif when.instant > now:
        said = repr(when.text) if when.text else "the date"
        raise InputError(f"{said} is in the future; an entry records something that already happened")
    _check_links(store, content.links)
    return _append(
        store, content.model_dump(mode="json"), when, attach, now, amends=None, reason="", keep=list(stored)
    )


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
    now = now or when_module.utc_now()
    from residentlog.ledger.vocabulary import check_line

    reason = check_line(" ".join(reason.split()), "reason")
    if not reason:
        raise InputError("say why the entry is being corrected", field="reason")
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
            raise InputError(f"there is no entry {link} yet", field="link")
