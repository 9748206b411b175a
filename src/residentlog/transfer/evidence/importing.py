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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
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

#: Put in the reading queue when a diary has been read: one step of the progress bar.
_STEP = object()

#: What the reading thread hands on: an item (or _STEP), its scratch folder, whether it is a
#: step of the progress bar.
_Read = tuple[Candidate | Bad | object, Path | None, bool]

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
    are, ``advance()`` after each one (a progress bar).

    Three things overlap, so that waiting for the disk does not add up: a thread reads the
    sources (parsing, extracting attachments), a few threads store each entry's files in the
    object store (each fsynced, as :func:`store_object` does), and this thread appends the
    records in source order, each once its files are stored (as ``add`` does)."""
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
    with (
        tempfile.TemporaryDirectory(prefix="residentlog-import-") as tmp,
        _Pipeline(Path(tmp), store.objects_dir) as pipe,
    ):
        for item, scratch, step in pipe.read(sources, options, landlord):
            if item is _STEP:
                if advance is not None:
                    advance()
                continue
            assert isinstance(item, Candidate | Bad)
            slot = len(report.outcomes)
            report.outcomes.append(_check(item, options, keys, dry_run))
            if report.outcomes[slot].status == "added":  # not yet: its files are being stored
                assert isinstance(item, Candidate)
                pipe.store(slot, item, scratch)
            else:
                pipe.discard(scratch)
            for done, candidate, stored in pipe.ready(wait=False):
                report.outcomes[done] = _commit(store, candidate, stored, options, keys)
            if step and advance is not None:
                advance()
        for done, candidate, stored in pipe.ready(wait=True):
            report.outcomes[done] = _commit(store, candidate, stored, options, keys)
    return report


class _Pipeline:
    """The reading thread, the storing threads, and the entries waiting for their files."""

    WINDOW = 64  # entries read ahead of the one being appended

    def __init__(self, scratch: Path, objects: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.scratch = scratch
        self.objects = objects
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="residentlog-store")
        self.waiting: deque[tuple[int, Candidate, Future[list[dict[str, Any]]]]] = deque()
        self.made = 0
        self.last: Path | None = None

    def __enter__(self) -> _Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def read(self, sources: list[Source], options: Options, landlord: list[str]) -> Iterator[_Read]:
        """(item, its scratch folder, whether it completes one progress step), in source order,
        read by a thread of its own at most WINDOW items ahead."""
        import queue
        import threading

        items: queue.Queue[_Read | BaseException | None] = queue.Queue(self.WINDOW)
        stop = threading.Event()

        def produce() -> None:
            try:
                for source in sources:
                    per_item = source.type != "diary"
                    for item in _read(source, options, landlord, self._folder):
                        if stop.is_set():
                            return
                        folder, self.last = self.last, None
                        items.put((item, folder, per_item))
                    if not per_item:
                        items.put((_STEP, None, True))
                items.put(None)
            except BaseException as exc:  # handed to the reading side, which raises it
                items.put(exc)

        thread = threading.Thread(target=produce, name="residentlog-read", daemon=True)
        thread.start()
        try:
            while (got := items.get()) is not None:
                if isinstance(got, BaseException):
                    raise got
                yield got
        finally:
            stop.set()
            while thread.is_alive():  # unblock a reader waiting to put
                try:
                    items.get_nowait()
                except queue.Empty:
                    thread.join(0.05)

    def _folder(self) -> Path:
        """A new, empty folder for the next item's extracted files (the reading thread's)."""
        self.made += 1
        self.last = self.scratch / str(self.made)
        self.last.mkdir()
        return self.last

    def store(self, slot: int, candidate: Candidate, scratch: Path | None) -> None:
        self.waiting.append(
            (slot, candidate, self.pool.submit(_store_files, candidate, scratch, self.objects))
        )

    def discard(self, scratch: Path | None) -> None:
        if scratch is not None:
            self.pool.submit(shutil.rmtree, scratch, True)

    def ready(self, *, wait: bool) -> Iterator[tuple[int, Candidate, list[dict[str, Any]]]]:
        """Entries whose files are stored, in order; with ``wait``, every one left, else only
        as many as keep the window full."""
        while self.waiting and (wait or len(self.waiting) > self.WINDOW or self.waiting[0][2].done()):
            slot, candidate, future = self.waiting.popleft()
            yield slot, candidate, future.result()


def _store_files(candidate: Candidate, scratch: Path | None, objects: Path) -> list[dict[str, Any]]:
    """Store a candidate's files (each fsynced into place before its record is appended), then
    remove its scratch copies."""
    from residentlog.ledger.objects import store_object

    try:
        stored: list[dict[str, Any]] = []
        for path in candidate.files:
            meta = store_object(objects, path)
            if meta not in stored:
                stored.append(meta)
        return stored
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _read(
    source: Source, options: Options, landlord: list[str], folder: Callable[[], Path]
) -> Iterator[Candidate | Bad]:
    """The candidates one source holds; anything that cannot be read is a Bad naming it."""
    from residentlog.ledger.when import utc_now

    name = source.path.name
    try:
        if source.type in ("email", "mailbox"):
            from residentlog.transfer.evidence.emails import messages, read_email

            for label, raw, original in messages(source.path):
                try:
                    yield read_email(
                        raw,
                        label,
                        original,
                        folder(),
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


def _check(item: Candidate | Bad, options: Options, keys: dict[str, int], dry_run: bool) -> Outcome:
    """Everything but writing: already in the log? valid? not in the future? The content is
    completed in place (tags, case). ``added`` means: to be appended once its files are stored."""
    from residentlog.ledger.vocabulary import validate_content
    from residentlog.ledger.when import utc_now

    if isinstance(item, Bad):
        return Outcome(item.source, "bad", item.reason)
    held = next((keys[k] for k in item.keys if k in keys), None)
    if held is not None:
        where = f"entry {held}" if held > 0 else "earlier in this import"
        return Outcome(item.source, "already", f"already in the log ({where})", number=max(held, 0) or None)
    content = item.content
    content["tags"] = list(dict.fromkeys([IMPORTED_TAG, *content.get("tags", []), *options.tags]))
    if options.case and not content.get("case"):
        content["case"] = options.case
    try:
        validate_content(content)
        if item.when.instant > utc_now():
            raise InputError(f"dated {to_rfc3339(item.when.instant)}, in the future ({item.when.text})")
    except InputError as exc:
        return Outcome(item.source, "bad", exc.message)
    for key in item.keys:  # a second copy later in this import is left out
        keys.setdefault(key, 0)
    if item.message_id:  # an email's extracted files: already in, once it is
        for path in item.files[1:]:
            keys.setdefault("sha256:" + _sha256(path), 0)
    return _outcome(item, "would-add" if dry_run else "added", None)


def _commit(
    store: Store, item: Candidate, stored: list[dict[str, Any]], options: Options, keys: dict[str, int]
) -> Outcome:
    """Append the entry whose files are stored; links to the messages it answers."""
    from residentlog.ledger.add import add_entry

    links = sorted({keys["message-id:" + r] for r in item.replies_to if keys.get("message-id:" + r, 0) > 0})
    if links:
        item.content["links"] = links
    try:
        number = add_entry(store, item.content, when_text=None, when=item.when, stored=stored).num
    except InputError as exc:
        return Outcome(item.source, "bad", exc.message)
    for key in item.keys:
        if keys.get(key) == 0:
            keys[key] = number
    for meta in stored:
        keys.setdefault("sha256:" + str(meta["sha256"]), number)
        if keys["sha256:" + str(meta["sha256"])] == 0:
            keys["sha256:" + str(meta["sha256"])] = number
    return _outcome(item, "added", number)


def _outcome(item: Candidate, status: Status, number: int | None) -> Outcome:
    return Outcome(
        item.source,
        status,
        number=number,
        kind=str(item.content["kind"]),
        summary=str(item.content["summary"]),
        occurred_at=to_rfc3339(item.when.instant),
        occurred_precision=item.when.precision,
        private=item.private,
    )


def _sha256(path: Path) -> str:
    import hashlib

    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
