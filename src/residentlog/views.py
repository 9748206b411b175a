"""Reading the ledger as a resident sees it: the corrected view of each entry, and its history.

Everything shown is decoded from the hashed record bytes themselves, never from copies, so
what ``list`` and ``show`` display is what ``verify`` checks. The index (``entries``) only
chooses and orders records; each record shown is checked against what the index said of it
(its entry number, and the kind or case asked for), so an edited index row is refused here
even where ``verify`` trusts an earlier full check (see ``verify``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import InputError, NotFound, StoreError
from .merkle import leaf_hash
from .objects import object_path
from .record import decode
from .store import Store
from .when import parse_bound, to_rfc3339


@dataclass(frozen=True)
class EntryView:
    """Entry ``num`` as it stands now: its latest version, and how many versions it has."""

    num: int
    record: dict[str, Any]
    versions: int
    hash: str

    @property
    def amended(self) -> bool:
        return self.versions > 1

    def as_json(self) -> dict[str, Any]:
        rec = self.record
        return {
            "number": self.num,
            "kind": rec["kind"],
            "occurred_at": rec["occurred_at"],
            "occurred_precision": rec["occurred_precision"],
            "occurred_text": rec["occurred_text"],
            "recorded_at": rec["recorded_at"],
            "summary": rec["summary"],
            "details": rec["details"],
            "location": rec["location"],
            "case": rec["case"] or None,
            "tags": rec["tags"],
            "links": rec["links"],
            "refs": rec["refs"],
            "fields": rec["fields"],
            "attachments": rec["attachments"],
            "amended": self.amended,
            "versions": self.versions,
            "latest_seq": rec["seq"],
            "correction_reason": rec["reason"] or None,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    case: str | None = None
    since: str | None = None
    until: str | None = None
    tags: tuple[str, ...] = ()
    search: str | None = None


def list_entries(store: Store, filters: Filters, now: datetime) -> list[EntryView]:
    """The corrected view of every entry matching the filters, oldest event first."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.kind:
        from .models import check_kind

        params["kind"] = check_kind(filters.kind)
        where.append("e.kind = :kind")
    if filters.case:
        params["case"] = filters.case
        where.append("e.case_name = :case")
    if filters.since:
        params["since"] = to_rfc3339(parse_bound(filters.since, now, end=False))
        where.append("e.occurred_at >= :since")
    if filters.until:
        params["until"] = to_rfc3339(parse_bound(filters.until, now, end=True))
        where.append("e.occurred_at < :until")
    for i, tag in enumerate(filters.tags):
        params[f"tag{i}"] = tag
        where.append(f"EXISTS (SELECT 1 FROM json_each(e.tags) WHERE value = :tag{i})")
    if filters.search is not None:
        if not filters.search.strip():
            raise InputError("--search: give some words to search for")
        nums = sorted(store.search_nums(filters.search))
        where.append(f"e.num IN ({','.join(str(n) for n in nums) or 'NULL'})")
    rows = store.current(" AND ".join(where), params)
    views = [_view(num, versions, data) for num, versions, data in rows]
    for view in views:
        if (filters.kind and view.record["kind"] != filters.kind) or (
            filters.case and view.record["case"] != filters.case
        ):
            raise _damaged(view.record["seq"], view.num)
    return views


def entry_versions(store: Store, num: int) -> list[tuple[int, bytes]]:
    """Every version (ledger seq, canonical bytes) of entry ``num``; NotFound if it isn't one."""
    versions = store.versions(num)
    for seq, data in versions:
        if _owner(decode(data)) != num:
            raise _damaged(seq, num)
    if versions:
        return versions
    data = store.record_bytes(num)
    if data is not None:
        owner = _owner(decode(data))
        if owner == num:  # an entry of its own that the index does not list
            raise _damaged(num, num)
        raise NotFound(f"entry {num} is a correction of entry {owner}; use entry {owner}")
    raise NotFound(f"there is no entry {num}")


def get_entry(store: Store, num: int) -> EntryView:
    versions = entry_versions(store, num)
    return _view(num, len(versions), versions[-1][1])


def history(store: Store, num: int) -> list[tuple[dict[str, Any], str]]:
    """Every version of entry ``num`` with its hash, oldest first."""
    return [(decode(data), leaf_hash(data).hex()) for _, data in entry_versions(store, num)]


def export_attachments(store: Store, num: int, out_dir: Path) -> list[Path]:
    """Write entry ``num``'s attachments into ``out_dir`` under their original names.

    Never overwrites: an existing file of the same name is an error, before anything is written.
    """
    entry = get_entry(store, num)
    attachments = entry.record["attachments"]
    if not attachments:
        raise NotFound(f"entry {num} has no attachments")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out: {out_dir} is not a directory")
    targets = []
    for att in attachments:
        name = os.path.basename(att["name"]) or att["sha256"]
        target = out_dir / name
        if target.exists():
            raise InputError(f"{target} already exists; choose another --out directory")
        source = object_path(store.objects_dir, att["sha256"])
        if not source.is_file():
            raise StoreError(f"attachment {att['name']!r} of entry {num} is missing from the store")
        targets.append((source, target))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for source, target in targets:
            with open(source, "rb") as src, open(target, "xb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    except OSError as exc:
        raise StoreError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return [target for _, target in targets]


def _view(num: int, versions: int, data: bytes) -> EntryView:
    record = decode(data)
    if _owner(record) != num:
        raise _damaged(record["seq"], num)
    return EntryView(num=num, record=record, versions=versions, hash=leaf_hash(data).hex())


def _owner(record: dict[str, Any]) -> int:
    """The entry a record belongs to: the one it corrects, else itself."""
    return record["amends"] or record["seq"]


def _damaged(seq: int, num: int) -> StoreError:
    return StoreError(
        f"the list index is damaged: it does not describe record {seq} (shown as entry {num}) as the "
        "record says; run: residentlog verify --full"
    )
