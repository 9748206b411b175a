"""An entry as a resident reads it: its latest version, decoded from the hashed record bytes.

Every reader (``list``, ``show``, the clocks, chronologies, letters) takes entries as
:class:`Entry`, so the names of a record's keys and what an entry "records" (its event) are
read in one place. ``record`` is the decoded record exactly as hashed (see docs/format.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from residentlog.ledger.vocabulary import KINDS, entry_event, kind_title
from residentlog.ledger.when import from_rfc3339


@dataclass(frozen=True)
class Entry:
    """Entry ``num`` as it stands now: its latest version, and how many versions it has."""

    num: int
    record: dict[str, Any]
    versions: int
    hash: str

    @property
    def amended(self) -> bool:
        return self.versions > 1

    @property
    def seq(self) -> int:
        """The ledger position of the version shown (``num`` unless amended)."""
        return int(self.record["seq"])

    @property
    def kind(self) -> str:
        return str(self.record["kind"])

    @property
    def kind_title(self) -> str:
        return kind_title(self.kind)

    @property
    def is_incident(self) -> bool:
        known = KINDS.get(self.kind)
        return known is not None and known.incident

    @property
    def summary(self) -> str:
        return str(self.record["summary"])

    @property
    def details(self) -> str:
        return str(self.record["details"])

    @property
    def location(self) -> str:
        return str(self.record["location"])

    @property
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

    @property
    def event(self) -> str | None:
        """What this entry records (see :func:`residentlog.ledger.vocabulary.entry_event`)."""
        return entry_event(self.kind, self.record["fields"])

    @property
    def occurred_at(self) -> str:
        """When it happened: RFC 3339 UTC text (sorts as time does)."""
        return str(self.record["occurred_at"])

    @property
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
