"""Import evidence: find the sources, read each into candidate entries, leave out what the log
already holds, and add the rest (or, for a dry run, only say what would be added).

What is already in the log is read from the verified record bytes (``list_entries`` decodes
the ``ledger`` table, never the derived index): every attachment's SHA-256 (so the same file,
email or photo is never added twice, however it came in), and, in entries tagged ``imported``,
the ``Message-ID:`` and ``Row key:`` lines at the head of their details. Only the head (the
labelled lines before the first blank line) is read, so the text of an email cannot pose as
another one's Message-ID.

Each entry is added on its own through :func:`residentlog.ledger.add.add_entry`: validated
first, its files stored, then its one record appended, so a failure leaves whole entries only.
A source that cannot be read, or a candidate that does not validate, is reported by name and
the import goes on; a store that cannot be written stops it (the entries added so far stay).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from residentlog.errors import InputError
from residentlog.ledger.store import Store
from residentlog.ledger.when import to_rfc3339
from residentlog.transfer.evidence.candidate import (
    IMPORTED_FROM,
    IMPORTED_TAG,
    MESSAGE_ID,
    ROW_KEY,
    Bad,
    Candidate,
)
from residentlog.transfer.evidence.emails import DnsFunc

SourceType = Literal["email", "mailbox", "photo", "file", "diary"]
Status = Literal["added", "would-add", "already", "bad"]


@dataclass(frozen=True)
class Options:
    """How to import: the kind for photos, files and diary rows (emails are a ``contact`` with
    the landlord, else a ``note``), a case and tags for every entry, diary mapping, DKIM online."""

    kind: str = "note"
    case: str | None = None
    tags: tuple[str, ...] = ()
    diary: bool = False
    mapping: dict[str, str] | None = None
    online: bool = False
    dnsfunc: DnsFunc | None = None


@dataclass(frozen=True)
class Source:
    path: Path
    type: SourceType
    count: int = 1  # items it holds, for the progress bar


@dataclass(frozen=True)
class Outcome:
    """What became of one source item."""

    source: str
    status: Status
    reason: str = ""
    number: int | None = None  # the entry added, or the one that already holds it (0: this import)
    kind: str = ""
    summary: str = ""
    occurred_at: str = ""
    occurred_precision: str = ""
    private: dict[str, str] = field(default_factory=dict)

    def as_json(self, *, private: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source,
            "result": self.status,
            "reason": self.reason or None,
            "entry": self.number or None,
            "kind": self.kind or None,
            "summary": self.summary or None,
            "occurred_at": self.occurred_at or None,
            "occurred_precision": self.occurred_precision or None,
        }
        if private:
            data["gps"] = self.private.get("gps") or None
        return data


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


# -- finding the sources ------------------------------------------------------------------------


def find_sources(paths: Sequence[Path], *, diary: bool) -> tuple[list[Source], list[Bad]]:
    """What each path holds: a folder is searched (hidden files skipped; a Maildir folder is one
    mailbox); a file is an email (.eml), mbox, photo, diary (CSV/XLSX with ``diary``) or other."""
    from residentlog.transfer.evidence.emails import count_messages, is_maildir

    found: list[Source] = []
    bad: list[Bad] = []
    for path in paths:
        if not path.exists():
            bad.append(Bad(str(path), "does not exist"))
        elif is_maildir(path):
            found.append(Source(path, "mailbox"))
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                here = Path(folder)
                for name in list(dirs):
                    if name.startswith(".") or is_maildir(here / name):
                        dirs.remove(name)
                        if not name.startswith("."):
                            found.append(Source(here / name, "mailbox"))
                found += [_classify(here / n, diary) for n in sorted(files) if not n.startswith(".")]
        else:
            found.append(_classify(path, diary))
    sized = []
    for source in found:
        if source.type == "mailbox":
            try:
                source = Source(source.path, "mailbox", count_messages(source.path))
            except Exception as exc:
                bad.append(
                    Bad(source.path.name, f"not a mailbox that can be read ({type(exc).__name__}: {exc})")
                )
                continue
        sized.append(source)
    return sized, bad


def _classify(path: Path, diary: bool) -> Source:
    from residentlog.transfer.evidence.diary import DIARY_SUFFIXES
    from residentlog.transfer.evidence.emails import is_mbox
    from residentlog.transfer.evidence.photos import is_photo

    suffix = path.suffix.lower()
    if suffix == ".eml":
        return Source(path, "email")
    if is_photo(path):
        return Source(path, "photo")
    if diary and suffix in DIARY_SUFFIXES:
        return Source(path, "diary")
    if path.is_file() and is_mbox(path):
        return Source(path, "mailbox")
    return Source(path, "file")


# -- what the log already holds -----------------------------------------------------------------


def known_keys(store: Store) -> dict[str, int]:
    """Every key an earlier import (or any attachment) left, and the entry that holds it."""
    from residentlog.ledger.views import Filters, list_entries
    from residentlog.ledger.when import utc_now

    keys: dict[str, int] = {}
    for entry in list_entries(store, Filters(), utc_now()):
        for att in entry.attachments:
            keys.setdefault("sha256:" + str(att["sha256"]), entry.num)
        if IMPORTED_TAG not in entry.tags or not entry.details.startswith(IMPORTED_FROM):
            continue
        for line in entry.details.split("\n"):
            if not line:
                break  # the labelled head ends at the first blank line; the rest is the source's text
            if line.startswith(MESSAGE_ID):
                keys.setdefault("message-id:" + line[len(MESSAGE_ID) :], entry.num)
            elif line.startswith(ROW_KEY):
                keys.setdefault("row:" + line[len(ROW_KEY) :], entry.num)
    return keys


# -- importing ----------------------------------------------------------------------------------


def import_evidence(
    store: Store,
    paths: Sequence[Path],
    options: Options,
    *,
    dry_run: bool = False,
    on_sources: Callable[[int], None] | None = None,
    advance: Callable[[], None] | None = None,
) -> Report:
    """Import every source under ``paths``. ``on_sources(total)`` is told how many items there
    are, ``advance()`` after each one (a progress bar)."""
    from residentlog.ledger.profile import load_profile
    from residentlog.ledger.vocabulary import check_kind

    check_kind(options.kind)
    sources, bad = find_sources(paths, diary=options.diary)
    if options.diary and not any(s.type == "diary" for s in sources) and not bad:
        raise InputError("--diary: no CSV or XLSX file among the paths given")
    report = Report(outcomes=[Outcome(b.source, "bad", b.reason) for b in bad], dry_run=dry_run)
    if on_sources is not None:
        on_sources(sum(s.count for s in sources))
    landlord = list(load_profile(store.root).landlord_emails)
    keys = known_keys(store)
    with tempfile.TemporaryDirectory(prefix="residentlog-import-") as tmp:
        scratch = Path(tmp)
        for source in sources:
            for item in _read(source, options, landlord, scratch):
                outcome = _one(store, item, options, keys, dry_run)
                report.outcomes.append(outcome)
                for child in scratch.iterdir():  # this item's extracted files are stored by now
                    shutil.rmtree(child)
                if advance is not None and source.type in ("email", "mailbox"):
                    advance()
            if advance is not None and source.type not in ("email", "mailbox"):
                advance()
    return report


def _read(source: Source, options: Options, landlord: list[str], scratch: Path) -> Iterator[Candidate | Bad]:
    """The candidates one source holds; anything that cannot be read is a Bad naming it."""
    from residentlog.ledger.when import utc_now

    name = source.path.name
    try:
        if source.type in ("email", "mailbox"):
            from residentlog.transfer.evidence.emails import messages, read_email

            for n, (label, raw, keep) in enumerate(messages(source.path)):
                work = scratch / str(n)
                work.mkdir()
                try:
                    yield read_email(
                        raw,
                        label,
                        keep,
                        work,
                        landlord=landlord,
                        online=options.online,
                        dnsfunc=options.dnsfunc,
                    )
                except Exception as exc:  # a damaged message: report it and read the next
                    yield Bad(label, _why(exc))
        elif source.type == "photo":
            from residentlog.transfer.evidence.photos import read_photo

            yield read_photo(source.path, kind=options.kind)
        elif source.type == "file":
            from residentlog.transfer.evidence.photos import read_file

            yield read_file(source.path, kind=options.kind)
        else:
            from residentlog.transfer.evidence.diary import read_diary

            if options.mapping is None:
                raise InputError(
                    "a diary needs a column mapping: --map when=Date,summary=What,...", field="map"
                )
            yield from read_diary(source.path, options.mapping, kind=options.kind, now=utc_now())
    except InputError:
        raise
    except Exception as exc:  # an unreadable file: named, and the import goes on
        yield Bad(name, _why(exc))


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"cannot be read: {exc.strerror or exc}"
    return f"cannot be read ({type(exc).__name__}: {exc})"


def _one(
    store: Store, item: Candidate | Bad, options: Options, keys: dict[str, int], dry_run: bool
) -> Outcome:
    from residentlog.ledger.add import add_entry
    from residentlog.ledger.vocabulary import validate_content
    from residentlog.ledger.when import utc_now

    if isinstance(item, Bad):
        return Outcome(item.source, "bad", item.reason)
    held = next((keys[k] for k in item.keys if k in keys), None)
    if held is not None:
        where = f"entry {held}" if held else "earlier in this import"
        return Outcome(item.source, "already", f"already in the log ({where})", number=held)
    content = dict(item.content)
    content["tags"] = list(dict.fromkeys([IMPORTED_TAG, *content.get("tags", []), *options.tags]))
    if options.case and not content.get("case"):
        content["case"] = options.case
    links = sorted({keys["message-id:" + r] for r in item.replies_to if keys.get("message-id:" + r)})
    if links:
        content["links"] = links
    when = item.when
    try:
        validate_content(content)
        if when.instant > utc_now():
            raise InputError(f"dated {to_rfc3339(when.instant)}, in the future ({when.text})")
        if dry_run:
            number = 0
        else:
            number = add_entry(store, content, when_text=None, when=when, attach=item.files).num
    except InputError as exc:
        return Outcome(item.source, "bad", exc.message)
    for key in item.keys:
        keys.setdefault(key, number)
    for att in item.files[1:] if item.message_id else ():  # an email's extracted files
        keys.setdefault("sha256:" + _sha256(att), number)
    return Outcome(
        item.source,
        "would-add" if dry_run else "added",
        number=number or None,
        kind=str(content["kind"]),
        summary=str(content["summary"]),
        occurred_at=to_rfc3339(when.instant),
        occurred_precision=when.precision,
        private=item.private,
    )


def _sha256(path: Path) -> str:
    import hashlib

    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
