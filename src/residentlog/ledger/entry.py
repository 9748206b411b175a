"""An entry as a resident reads it: its latest version, decoded from the hashed record bytes.

Every reader (``list``, ``show``, the clocks, chronologies, letters) takes entries as
:class:`Entry`, so the names of a record's keys and what an entry "records" (its event) are
read in one place. ``record`` is the decoded record exactly as hashed (see docs/format.md §2).
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from residentlog.ledger.vocabulary import INCIDENT_KINDS, entry_event, kind_title
from residentlog.ledger.when import from_rfc3339

if TYPE_CHECKING:  # typed as what it does; at run time the plain class below (add imports this)
    from functools import cached_property as _once

    from residentlog.ledger.typed_record import Record
else:

    class _once:
        """``functools.cached_property`` without the lock Python 3.11 takes on every read of it:
        the value is worked out on the first read and kept in the instance, where later reads
        find it before this descriptor. Readers ask these of 100,000 entries several times each."""

        def __init__(self, fn):
            self.fn = fn
            self.name = fn.__name__

        def __get__(self, obj, owner=None):
            if obj is None:
                return self
            value = obj.__dict__[self.name] = self.fn(obj)
            return value


class Entry:
    """Entry ``num`` as it stands now: its latest version, and how many versions it has.

    ``rec`` is the version shown, decoded from its hashed bytes, its keys as attributes (a
    :class:`~residentlog.ledger.typed_record.Record`); ``record`` is the same as a dict (what
    ``record.decode`` reads), and ``hash`` its leaf hash. Both are worked out when first asked
    for an entry read with the rest of a ledger (:meth:`typed`): a command reads 100,000 entries
    and shows a few. What every reader asks of every entry (its kind, case, time) is read once.
    A record is never changed after it is decoded: treat ``rec`` and ``record`` as read-only
    (the properties below that give lists and dicts give copies).
    """

    num: int
    versions: int
    kind: str
    case: str  # the case name, or "" for none
    occurred_at: str  # when it happened: RFC 3339 UTC text (sorts as time does)
    rec: Record
    __hash__ = None  # type: ignore[assignment]  # compared by value, like the dataclass it was

    def __init__(self, num: int, record: dict[str, Any], versions: int, hash: str) -> None:
        """An entry read by ``record.decode``: ``record`` is the decoded dict, ``hash`` its leaf
        hash (hex)."""
        self.__dict__.update(
            num=num,
            record=record,
            versions=versions,
            hash=hash,
            kind=str(record["kind"]),
            case=str(record["case"] or ""),
            occurred_at=str(record["occurred_at"]),
            rec=cast("Record", _Keys(record)),
        )

    @classmethod
    def typed(cls, num: int, rec: Record, versions: int, data: bytes) -> Entry:
        """An entry read as a typed :class:`Record` from its stored bytes ``data`` (the reader
        checked every key and type)."""
        entry = object.__new__(cls)
        entry.__dict__.update(
            num=num,
            versions=versions,
            kind=rec.kind,
            case=rec.case or "",
            occurred_at=rec.occurred_at,
            rec=rec,
            _data=data,
        )
        return entry

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"an Entry is read-only (tried to set {name})")

    def __eq__(self, other: object) -> bool:
        if type(other) is not Entry:
            return NotImplemented
        return (self.num, self.versions, self.hash, self.record) == (
            other.num,
            other.versions,
            other.hash,
            other.record,
        )

    def __repr__(self) -> str:
        return f"Entry(num={self.num}, versions={self.versions}, kind={self.kind!r}, hash={self.hash[:12]}…)"

    @_once
    def record(self) -> dict[str, Any]:
        """The version shown, as ``record.decode`` reads it (docs/format.md §2)."""
        from residentlog.ledger.typed_record import as_dict

        return as_dict(self.rec)

    @_once
    def hash(self) -> str:
        """The leaf hash of the version shown (hex)."""
        from residentlog.ledger.merkle import leaf_hash

        return leaf_hash(self.__dict__["_data"]).hex()

    @property
    def amended(self) -> bool:
        return self.versions > 1

    @property
    def seq(self) -> int:
        """The ledger position of the version shown (``num`` unless amended)."""
        return int(self.rec.seq)

    @property
    def kind_title(self) -> str:
        return kind_title(self.kind)

    @property
    def is_incident(self) -> bool:
        return self.kind in INCIDENT_KINDS

    @property
    def summary(self) -> str:
        return str(self.rec.summary)

    @property
    def details(self) -> str:
        return str(self.rec.details)

    @property
    def location(self) -> str:
        return str(self.rec.location)

    @property
    def tags(self) -> list[str]:
        return list(self.rec.tags)

    @property
    def links(self) -> list[int]:
        return list(self.rec.links)

    @property
    def refs(self) -> list[dict[str, str]]:
        return list(self.rec.refs)

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.rec.attachments)

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.rec.fields)

    @_once
    def event(self) -> str | None:
        """What this entry records (see :func:`residentlog.ledger.vocabulary.entry_event`)."""
        return entry_event(self.kind, self.rec.fields)

    @_once
    def occurred(self) -> datetime:
        return from_rfc3339(self.occurred_at)

    @property
    def occurred_precision(self) -> str:
        return str(self.rec.occurred_precision)

    @property
    def occurred_text(self) -> str:
        return str(self.rec.occurred_text)

    @property
    def recorded_at(self) -> str:
        return str(self.rec.recorded_at)

    @property
    def recorded(self) -> datetime:
        return from_rfc3339(self.recorded_at)

    @property
    def reason(self) -> str:
        """Why the version shown corrected the entry, or ``""``."""
        return str(self.rec.reason or "")

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.num,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "occurred_precision": self.occurred_precision,
            "occurred_text": self.occurred_text,
            "recorded_at": self.recorded_at,
            "summary": self.summary,
            "details": self.details,
            "location": self.location,
            "case": self.case or None,
            "tags": self.rec.tags,
            "links": self.rec.links,
            "refs": self.rec.refs,
            "fields": self.rec.fields,
            "attachments": self.rec.attachments,
            "amended": self.amended,
            "versions": self.versions,
            "latest_seq": self.seq,
            "correction_reason": self.reason or None,
            "hash": self.hash,
        }


class _Keys:
    """A record decoded to a dict (``record.decode``), its keys as attributes: what a
    :class:`~residentlog.ledger.typed_record.Record` gives, without ``msgspec`` (``add`` reads
    entries this way, and never imports it)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.__dict__ = record


#: The order entries are read in: when each happened (RFC 3339 UTC text sorts as time does), then
#: entry number. A sort key in C: a ledger's 100,000 entries are sorted by it more than once.
IN_ORDER = attrgetter("occurred_at", "num")
