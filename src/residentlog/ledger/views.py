"""Reading the ledger as a resident sees it: the corrected view of each entry, and its history.

Everything shown, and everything ``list`` filters and orders by, is decoded from the hashed
record bytes themselves (what ``verify`` re-hashes every time), never from the derived index
(``entries``, ``entries_fts``), so an edited index row can neither change what is shown nor
hide an entry from a filter.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.errors import InputError, NotFound, StoreError
from residentlog.ledger.entry import Entry
from residentlog.ledger.merkle import leaf_hash
from residentlog.ledger.objects import object_path
from residentlog.ledger.record import decode
from residentlog.ledger.store import Store
from residentlog.ledger.when import parse_bound, to_rfc3339

if TYPE_CHECKING:
    from residentlog.ledger.typed_record import Record


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    case: str | None = None
    since: str | None = None
    until: str | None = None
    tags: tuple[str, ...] = ()
    search: str | None = None


def list_entries(store: Store, filters: Filters, now: datetime) -> list[Entry]:
    """The corrected view of every entry matching the filters, oldest event first (then by
    entry number). Its records are read-only: they are shared with the other calls on ``store``
    (see ``_READ``)."""
    kind = None
    if filters.kind:
        from residentlog.ledger.vocabulary import check_kind

        kind = check_kind(filters.kind)
    match = _matcher(filters, now)
    views = _all_views(store)
    if kind is not None:  # first, by the entry's kind as read: the other tests see fewer (0.06 s at 100k)
        views = [view for view in views if view.kind == kind]
    return list(views) if match is None else [view for view in views if match(view.rec)]


# The ledger as read by the last list_entries of each open Store. One command often lists the
# entries several times (status: the adopted packs' notes, then every entry for the clocks; a
# chronology: the clocks, the entries, the selection), and decoding every record is most of the
# cost, so each Store decodes its records once while nothing has changed: the key is SQLite's
# data_version (changes when another connection commits) and the ledger's size (the ledger only
# grows, by appends, through this connection: triggers refuse any update or delete; a
# checkpoint or an index row written meanwhile changes nothing read here). What is cached (the
# entries in order, and by number) is decoded from the hashed bytes, as before. The records are
# shared between the callers of one process: treat them as read-only (no caller changes one;
# copying 100,000 records for each call would cost a quarter of reading).
_READ: weakref.WeakKeyDictionary[Store, tuple[tuple[int, int], list[Entry], dict[int, Entry]]] = (
    weakref.WeakKeyDictionary()
)


_OCCURRED_AT = attrgetter("occurred_at")


def entries_by_number(store: Store) -> Mapping[int, Entry]:
    """Every entry as :func:`list_entries` reads it, by entry number (read-only, shared)."""
    return _read(store)[1]


def _all_views(store: Store) -> list[Entry]:
    return _read(store)[0]


def _read(store: Store) -> tuple[list[Entry], dict[int, Entry]]:
    """Every entry in order, and by number: decoded once while nothing changes (``_READ``)."""
    key = (store.conn.execute("PRAGMA data_version").fetchone()[0], store.size())
    cached = _READ.get(store)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    from residentlog.ledger.typed_record import reader  # msgspec: not for add, which reads one entry

    latest: dict[int, Entry] = {}  # entry number -> its latest version so far
    read = reader()
    typed = Entry.typed
    for seq, data in store.records():
        rec = read(data)
        if rec is None:  # not exactly a version-1 record: read as decode reads it, or say why not
            record = decode(data)
            said, amends = record.get("seq"), record.get("amends")
        else:
            said, amends = rec.seq, rec.amends
        if said != seq:
            raise _damaged(seq)
        num = int(amends) if amends else seq  # _owner: the entry it corrects, else itself
        prior = latest.get(num)
        if prior is None and num != seq:
            raise _damaged(seq)  # a correction of an entry that is not in the ledger
        versions = 1 if prior is None else prior.versions + 1
        if rec is not None:
            latest[num] = typed(num, rec, versions, data)
        else:
            latest[num] = Entry(num, record, versions, leaf_hash(data).hex())
    # In entry-number order (each number was added by its own record, its corrections come
    # later), so a stable sort by the time alone is IN_ORDER's (time, then number) without a
    # tuple made for each of 100,000 entries.
    views = list(latest.values())
    views.sort(key=_OCCURRED_AT)
    _READ[store] = (key, views, latest)
    return views, latest


def _matcher(filters: Filters, now: datetime) -> Callable[[Record], bool] | None:
    """A test of one decoded record against the filters (each input checked first); ``None``
    when there are no filters."""
    tests: list[Callable[[Record], bool]] = []  # (the kind: list_entries tests it first)
    if filters.case:
        case = filters.case
        tests.append(lambda r: r.case == case)
    if filters.since:
        since = to_rfc3339(parse_bound(filters.since, now, end=False))
        tests.append(lambda r: r.occurred_at >= since)
    if filters.until:
        until = to_rfc3339(parse_bound(filters.until, now, end=True))
        tests.append(lambda r: r.occurred_at < until)
    if filters.tags:
        wanted = set(filters.tags)
        tests.append(lambda r: wanted <= set(r.tags))
    if filters.search is not None:
        terms = _search_terms(filters.search)
        if not terms:
            raise InputError("give some words to search for", field="search")
        tests.append(lambda r: _found(terms, _searchable(r)))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]

    def match(record: Record) -> bool:
        for test in tests:
            if not test(record):
                return False
        return True

    return match


def _search_terms(query: str) -> list[tuple[str, ...]]:
    """``--search`` words (a "quoted phrase" is one term), each with the forms it also matches:
    ``magnets`` matches ``magnet``, ``reported`` matches ``report``."""
    import re

    terms = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query.casefold()):
        term = " ".join((phrase or word).split())
        if not term:
            continue
        forms = [term]
        for suffix in ("ing", "es", "ed", "s"):
            if term.endswith(suffix) and len(term) - len(suffix) >= 3:
                forms.append(term[: -len(suffix)])
                break
        terms.append(tuple(forms))
    return terms


def _found(terms: list[tuple[str, ...]], text: str) -> bool:
    text = " ".join(text.split())
    return all(any(form in text for form in forms) for forms in terms)


def _searchable(record: Record) -> str:
    """The text ``--search`` looks in: summary, details, location, case, tags and references."""
    parts = [record.summary, record.details, record.location, record.case or ""]
    parts += record.tags
    parts += [f"{ref['by']}:{ref['ref']}" for ref in record.refs]
    return "\n".join(parts).casefold()


def entry_versions(store: Store, num: int) -> list[tuple[int, bytes]]:
    """Every version (ledger seq, canonical bytes) of entry ``num``; NotFound if it isn't one."""
    found = store.versions(num)
    if not found or found[0][0] != num:
        raise NotFound(f"there is no entry {num}")
    first = decode(found[0][1])
    if first.get("seq") != num:
        raise _damaged(num)
    owner = _owner(first)
    if owner != num:
        raise NotFound(f"entry {num} is a correction of entry {owner}; use entry {owner}")
    for seq, data in found[1:]:
        record = decode(data)
        if record.get("seq") != seq or _owner(record) != num:
            raise _damaged(seq)
    return found


def get_entry(store: Store, num: int) -> Entry:
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
        raise InputError(f"{out_dir} is not a directory", field="out")
    targets = []
    for att in attachments:
        name = os.path.basename(att["name"]) or att["sha256"]
        target = out_dir / name
        if target.exists():
            raise InputError(f"{target} already exists; choose another directory", field="out")
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


def _view(num: int, versions: int, data: bytes) -> Entry:
    return Entry(num, decode(data), versions, leaf_hash(data).hex())


def _owner(record: dict[str, Any]) -> int:
    """The entry a record belongs to: the one it corrects, else itself."""
    return int(record["amends"] or record["seq"])


def _damaged(seq: int) -> StoreError:
    return StoreError(
        f"the ledger is damaged: record {seq} is not where its own number says, or corrects an entry "
        "that is not there; run: residentlog verify"
    )
