"""The landlord's own records (a repair, complaint or contact log, as a subject access request
returns it), kept apart from the resident's evidence: see docs/reconcile.md.

An import records ONE ledger entry: kind ``note``, tag :data:`TAG`, the spreadsheet attached
(content-addressed, its SHA-256 in the record) and the column mapping written in its details as
labelled lines. The landlord's rows are never stored as data of their own: they are read again
from the attached file, through the mapping in the entry, every time they are used
(:func:`entry_records`), and the file is checked against the hash its entry committed to first.
So what ``reconcile``, a chronology or a letter says about the landlord's records is always
derived from a hashed file and a hashed mapping.

The spreadsheet is read by the diary importer's reader
(:func:`residentlog.ledger.sheets.read_rows`); each row becomes a
:class:`LandlordRecord`, validated by Pydantic, or a :class:`BadRow` naming the file and row.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from residentlog.errors import InputError, VerificationFailed
from residentlog.ledger import sheets

if TYPE_CHECKING:
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.store import Store

#: Every landlord-records entry carries this tag (and is a ``note``: never an incident or report).
TAG = "landlord-records"
#: What each column may be mapped to; ``ref`` and ``reported`` are required.
TARGETS = ("ref", "reported", "kind", "priority", "status", "closed", "outcome", "details")
REQUIRED = ("ref", "reported")
DEFAULT_MAP_NAME = "landlord"
SUMMARY_PREFIX = "Landlord's records (not my evidence): "
# The labelled lines of the entry's details, read back by entry_records.
_SOURCE = "Source"
_FILE = "File"
_MAPPING = "Column mapping"
_KIND = "Default kind"
_ROWS = "Rows"

PriorityLevel = Literal["emergency", "urgent", "routine"]

#: The landlord's words for a category, to the log's kind (first match wins; docs/reconcile.md).
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lift", ("lift", "elevator")),
    ("door", ("door", "entry", "entrance", "intercom", "maglock", "fob")),
    ("damp", ("damp", "mould", "mold", "condensation")),
    ("asb", ("asb", "anti-social", "antisocial", "anti social", "nuisance")),
    ("cctv", ("cctv", "camera")),
)
_PRIORITY_WORDS: tuple[tuple[PriorityLevel, re.Pattern[str]], ...] = (
    ("emergency", re.compile(r"emergen|^e$|^p1$|^1$|^cat(egory)? ?1$")),
    ("urgent", re.compile(r"urgent|^u$|^p2$|^2$|^cat(egory)? ?2$")),
    ("routine", re.compile(r"routine|standard|planned|non-urgent|^r$|^p3$|^3$|^cat(egory)? ?3$")),
)
_NO_ACCESS = re.compile(
    r"no[\s-]*access|(could ?n[o']?t|unable to|failed to) (gain|get|obtain) access|no answer|card left|"
    r"nobody (home|in)|no one (home|in)|tenant (not|was not) (home|in)",
    re.IGNORECASE,
)
_CANCELLED = re.compile(r"cancel|duplicate|withdrawn|raised in error|not required", re.IGNORECASE)
_DONE = re.compile(r"complet|fixed|resolved|closed|repaired|done|finished", re.IGNORECASE)


class LandlordRecord(BaseModel):
    """One row of the landlord's log, as the mapping reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    row: int = Field(ge=1, description="The row number in the file.")
    ref: str = Field(min_length=1, max_length=200, description="The landlord's job or case reference.")
    reported: date = Field(description="The day the landlord logged it.")
    category: str = Field(default="", max_length=500, description="The landlord's kind or category text.")
    kind: str | None = Field(default=None, description="The log's kind it is taken to be.")
    priority: str = Field(default="", max_length=200, description="The landlord's priority, as written.")
    status: str = Field(default="", max_length=500)
    closed: date | None = Field(default=None, description="The day the landlord closed it.")
    outcome: str = Field(default="", max_length=5000, description="The closing note ('no access').")
    details: str = Field(default="", max_length=50_000)

    @field_validator("ref", "category", "priority", "status", "outcome", "details", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return " ".join(str(v).split()) if isinstance(v, str) else v

    @field_validator("closed")
    @classmethod
    def _closed(cls, v: date | None, info: Any) -> date | None:
        reported = info.data.get("reported")
        if v is not None and reported is not None and v < reported:
            raise ValueError(f"is before the day it was logged ({reported.isoformat()})")
        return v

    @property
    def priority_level(self) -> PriorityLevel | None:
        """emergency, urgent or routine, if the landlord's word for the priority says which."""
        text = self.priority.strip().lower()
        for level, pattern in _PRIORITY_WORDS:
            if text and pattern.search(text):
                return level
        return None

    @property
    def no_access(self) -> bool:
        """Closed because the landlord says they could not get in."""
        return bool(_NO_ACCESS.search(self.status) or _NO_ACCESS.search(self.outcome))

    @property
    def cancelled(self) -> bool:
        return bool(_CANCELLED.search(self.status) or _CANCELLED.search(self.outcome))

    @property
    def closed_as_fixed(self) -> bool:
        """Closed, with a date, as done: not 'no access', not cancelled."""
        if self.closed is None or self.no_access or self.cancelled:
            return False
        return bool(_DONE.search(self.status) or _DONE.search(self.outcome) or not self.status)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.model_dump(mode="json"),
            "priority_level": self.priority_level,
            "no_access": self.no_access,
            "closed_as_fixed": self.closed_as_fixed,
        }


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read, named by file and row number."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Sheet:
    """Every row of one landlord's file as the mapping reads it."""

    records: tuple[LandlordRecord, ...]
    bad: tuple[BadRow, ...]


def parse_mapping(spec: str) -> dict[str, str]:
    """``ref=Job No,reported=Logged`` -> {"ref": "Job No", ...}; InputError naming ``map``."""
    return sheets.parse_mapping(spec, TARGETS, REQUIRED, "ref=Job No,reported=Logged")


def mapping_text(mapping: Mapping[str, str]) -> str:
    """``ref=Job No,reported=Logged``: the targets always in the order of :data:`TARGETS`."""
    return sheets.mapping_text(mapping, TARGETS)


def kind_of(category: str, default: str | None = None) -> str | None:
    """The log's kind a landlord's category names (``Lift breakdown`` -> ``lift``), else ``default``
    (``repair`` when the category says something but no word of it is known)."""
    from residentlog.ledger.vocabulary import INCIDENT_KINDS

    text = category.strip().lower()
    if not text:
        return default
    if text in INCIDENT_KINDS:
        return text
    for kind, words in _KIND_WORDS:
        if any(w in text for w in words):
            return kind
    return default or "repair"


def read_sheet(path: Path, mapping: Mapping[str, str], *, kind: str | None, now: datetime) -> Sheet:
    """Every row of ``path`` (CSV or XLSX) as a LandlordRecord, or a BadRow naming the file and row.

    Raises InputError if the file cannot be read at all or a mapped column is missing."""
    from residentlog.ledger.sheets import cell_text, read_rows

    where, headings, rows = read_rows(path)
    index = {h.strip().casefold(): i for i, h in reversed(list(enumerate(headings))) if h.strip()}
    missing = [c for c in mapping.values() if c.strip().casefold() not in index]
    if missing:
        raise InputError(
            f"{where}: no column {missing[0]!r} (its columns: {', '.join(h for h in headings if h)})",
            field="map",
        )
    column = {target: index[name.strip().casefold()] for target, name in mapping.items()}
    records: list[LandlordRecord] = []
    bad: list[BadRow] = []
    for number, cells in rows:
        values = {t: (cell_text(cells[i]) if i < len(cells) else "") for t, i in column.items()}
        if not any(v.strip() for v in values.values()):
            continue
        try:
            records.append(_record(number, values, mapping, kind, now))
        except _Bad as exc:
            bad.append(BadRow(f"{where}, row {number}", str(exc)))
    return Sheet(tuple(records), tuple(bad))


class _Bad(Exception):
    pass


def _record(
    number: int, values: Mapping[str, str], mapping: Mapping[str, str], kind: str | None, now: datetime
) -> LandlordRecord:
    data: dict[str, Any] = {"row": number}
    for target in ("reported", "closed"):
        text = values.get(target, "").strip()
        if not text:
            if target == "reported":
                raise _Bad(f"no date in column {mapping['reported']!r}")
            continue
        data[target] = _day(text, mapping[target], now)
    category = values.get("category", values.get("kind", ""))
    data.update(
        ref=values["ref"],
        category=category,
        kind=kind_of(category, kind),
        priority=values.get("priority", ""),
        status=values.get("status", ""),
        outcome=values.get("outcome", ""),
        details=values.get("details", ""),
    )
    try:
        return LandlordRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        column = mapping.get("kind" if name == "category" else name, name)
        message = str(first["msg"]).removeprefix("Value error, ")
        if name == "ref" and first["type"] == "string_too_short":
            message = "no reference"
        raise _Bad(f"column {column!r}: {message}") from None


def _day(text: str, column: str, now: datetime) -> date:
    from residentlog.ledger.when import LONDON, parse_when

    try:
        when = parse_when(text, now)
    except InputError as exc:
        raise _Bad(f"column {column!r}: {exc.message}") from None
    return when.instant.astimezone(LONDON).date()


# ---------------------------------------------------------------------------------------------
# The entry that holds them


@dataclass(frozen=True)
class Imported:
    """What an import did: the entry (``added`` False: the file was already imported) and the rows."""

    num: int
    added: bool
    sheet: Sheet
    sha256: str


def is_landlord_records(entry: Entry) -> bool:
    return entry.kind == "note" and TAG in entry.rec.tags  # read only (Entry.tags copies)


def import_records(
    store: Store,
    path: Path,
    mapping: Mapping[str, str],
    *,
    source: str,
    kind: str | None,
    now: datetime,
) -> Imported:
    """Record the landlord's file as one ``note`` entry with the file attached and the mapping in
    its details; nothing is written if the file cannot be read or was imported before (by hash)."""
    from residentlog.ledger.add import add_entry
    from residentlog.ledger.objects import check_readable
    from residentlog.ledger.views import Filters, list_entries
    from residentlog.ledger.vocabulary import INCIDENT_KINDS

    check_readable(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{path.name}: the landlord's records must be a .csv or .xlsx file")
    if kind is not None and kind not in INCIDENT_KINDS:
        raise InputError(f"unknown kind {kind!r}; choose from: {', '.join(INCIDENT_KINDS)}", field="kind")
    sheet = read_sheet(path, mapping, kind=kind, now=now)
    if not sheet.records:
        raise InputError(f"{path.name}: no row could be read ({len(sheet.bad)} bad); nothing was recorded")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for entry in list_entries(store, Filters(), now):
        if is_landlord_records(entry) and any(a["sha256"] == digest for a in entry.attachments):
            return Imported(entry.num, False, sheet, digest)
    source = " ".join(source.split()) or path.name
    lines = [
        (_SOURCE, source),
        (_FILE, f"{path.name} (sha256 {digest})"),
        (_MAPPING, mapping_text(mapping)),
        *([(_KIND, kind)] if kind else []),
        (_ROWS, f"{len(sheet.records)} read, {len(sheet.bad)} could not be read"),
    ]
    details = "\n".join(f"{label}: {value}" for label, value in lines) + (
        "\n\nThe landlord's own records, kept apart from my evidence: each row is read again from "
        "the attached file through the column mapping above (residentlog reconcile)."
    )
    added = add_entry(
        store,
        {
            "kind": "note",
            "summary": (SUMMARY_PREFIX + source)[:300],
            "details": details,
            "tags": [TAG],
        },
        when_text=None,
        attach=[path],
        now=now,
    )
    return Imported(added.num, True, sheet, digest)


def entry_labels(entry: Entry) -> dict[str, str]:
    """The labelled lines at the top of a landlord-records entry's details."""
    labels: dict[str, str] = {}
    for line in entry.details.split("\n"):
        if not line.strip():
            break
        label, sep, value = line.partition(": ")
        if sep:
            labels[label] = value
    return labels


def entry_records(store: Store, entry: Entry, now: datetime) -> Sheet:
    """The landlord's rows of a landlord-records entry, read again from its attached file through
    the mapping its (latest) details give. Raises VerificationFailed if the stored file does not
    match the hash the entry committed to."""
    from residentlog.ledger.objects import object_path

    labels = entry_labels(entry)
    if _MAPPING not in labels or not entry.attachments:
        raise InputError(f"entry {entry.num} has no column mapping or no attached file to read")
    mapping = parse_mapping(labels[_MAPPING])
    attachment = entry.attachments[0]
    stored = object_path(store.objects_dir, attachment["sha256"])
    with tempfile.TemporaryDirectory(prefix="residentlog-landlord-") as tmp:
        # The reader goes by the file's suffix (openpyxl refuses a name without .xlsx).
        name = Path(attachment["name"]).name or "records.csv"
        copy = Path(tmp) / name
        try:
            shutil.copyfile(stored, copy)
        except OSError as exc:
            raise VerificationFailed(f"entry {entry.num}: its attached file cannot be read ({exc})") from None
        if hashlib.sha256(copy.read_bytes()).hexdigest() != attachment["sha256"]:
            raise VerificationFailed(
                f"entry {entry.num}: its attached file {name} does not match the SHA-256 the entry records"
            )
        return read_sheet(copy, mapping, kind=labels.get(_KIND) or None, now=now)


@dataclass(frozen=True)
class Source:
    """One imported landlord's file and its rows."""

    entry: Entry
    source: str
    file: str
    sha256: str
    sheet: Sheet


def store_sources(store: Store, now: datetime, entries: Sequence[Entry] | None = None) -> list[Source]:
    """Every landlord-records entry of the store, each with its rows read again."""
    from residentlog.ledger.views import Filters, list_entries

    views = list(entries) if entries is not None else list_entries(store, Filters(), now)
    out = []
    for entry in views:
        if not is_landlord_records(entry):
            continue
        labels = entry_labels(entry)
        attachment = entry.attachments[0] if entry.attachments else {"name": "", "sha256": ""}
        out.append(
            Source(
                entry=entry,
                source=labels.get(_SOURCE, entry.summary),
                file=str(attachment["name"]),
                sha256=str(attachment["sha256"]),
                sheet=entry_records(store, entry, now),
            )
        )
    return out
