"""An entry as a resident reads it: its latest version, decoded from the hashed record bytes.

Every reader (``list``, ``show``, the clocks, chronologies, letters) takes entries as
:class:`Entry`, so the names of a record's keys and what an entry "records" (its event) are
read in one place. ``record`` is the decoded record exactly as hashed (see docs/format.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from residentlog.ledger.vocabulary import INCIDENT_KINDS, entry_event, kind_title
from residentlog.ledger.when import from_rfc3339

if TYPE_CHECKING:  # typed as what it does; at run time the plain class below (add imports this)
    from functools import cached_property as _once
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


@dataclass(frozen=True)
class Entry:
    """Entry ``num`` as it stands now: its latest version, and how many versions it has.

    What every reader asks of every entry (its kind, case, event, when) is worked out once
    (:class:`_once`): a record is never changed after it is decoded.
    """

    num: int
    record: dict[str, Any]
    versions: int
    hash: str

    @classmethod
    def read(cls, num: int, record: dict[str, Any], versions: int, hash: str) -> Entry:
        """``Entry(num, record, versions, hash)`` with its kind, case and time already read:
        every reader of a whole ledger asks them of every entry (a third of the cost of the
        clocks at 100,000 entries was first asking). Built as a frozen dataclass builds itself,
        less the per-field ``object.__setattr__``."""
        entry = object.__new__(cls)
        entry.__dict__.update(
            num=num,
            record=record,
            versions=versions,
            hash=hash,
            kind=str(record["kind"]),
            case=str(record["case"] or ""),
            occurred_at=str(record["occurred_at"]),
        )
        return entry

    @property
    def amended(self) -> bool:
        return self.versions > 1

    @property
    def seq(self) -> int:
        """The ledger position of the version shown (``num`` unless amended)."""
        return int(self.record["seq"])

    @_once
    def kind(self) -> str:
        return str(self.record["kind"])

    @property
    def kind_title(self) -> str:
        return kind_title(self.kind)

    @property
    def is_incident(self) -> bool:
        return self.kind in INCIDENT_KINDS

    @property
    def summary(self) -> str:
        return str(self.record["summary"])

    @property
    def details(self) -> str:
        return str(self.record["details"])

    @property
    def location(self) -> str:
        return str(self.record["location"])

    @_once
    def case(self) -> str:
        """The case name, or ``""`` for none."""
        return str(self.record["case"] or "")

    @property
    def tags(self) -> list[str]:
        return list(self.record["tags"])

    @property
    def links(self) -> list[int]:
        return list(self.record["links"])

    @property
    def refs(self) -> list[dict[str, str]]:
        return list(self.record["refs"])

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.record["attachments"])

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.record["fields"])

    @_once
    def event(self) -> str | None:
        """What this entry records (see :func:`residentlog.ledger.vocabulary.entry_event`)."""
        return entry_event(self.kind, self.record["fields"])

    @_once
    def occurred_at(self) -> str:
        """When it happened: RFC 3339 UTC text (sorts as time does)."""
        return str(self.record["occurred_at"])

    @_once
    def occurred(self) -> datetime:
        return from_rfc3339(self.occurred_at)

    @property
    def occurred_precision(self) -> str:
        return str(self.record["occurred_precision"])

    @property
    def occurred_text(self) -> str:
        return str(self.record["occurred_text"])

    @property
    def recorded_at(self) -> str:
        return str(self.record["recorded_at"])

    @property
    def recorded(self) -> datetime:
        return from_rfc3339(self.recorded_at)

    @property
    def reason(self) -> str:
        """Why the version shown corrected the entry, or ``""``."""
        return str(self.record["reason"] or "")

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
            "tags": self.record["tags"],
            "links": self.record["links"],
            "refs": self.record["refs"],
            "fields": self.record["fields"],
            "attachments": self.record["attachments"],
            "amended": self.amended,
            "versions": self.versions,
            "latest_seq": self.seq,
            "correction_reason": self.reason or None,
            "hash": self.hash,
        }


#: The order entries are read in: when each happened (RFC 3339 UTC text sorts as time does), then
#: entry number. A sort key in C: a ledger's 100,000 entries are sorted by it more than once.
IN_ORDER = attrgetter("occurred_at", "num")
