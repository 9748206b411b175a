"""The record format as a typed ``msgspec`` Struct: reading a whole ledger's records fast.

:mod:`residentlog.ledger.record` is the contract (docs/format.md) and ``record.decode`` reads
one record exactly. Commands that read every record (``list``, ``status``, the clocks,
documents, ``verify``) read them as :class:`Record`: ``msgspec`` parses the canonical bytes
straight into typed attributes, in C, and checks every key and type as it goes: about twice as
fast as parsing to a dict and walking it for floats, in half the memory.

A record :func:`reader` accepts is one ``decode`` reads to the same values
(``msgspec.structs.asdict(record) == decode(data)``): exactly the version-1 keys, each of its
type, no floats (``tests/ledger/test_typed_record.py`` checks this with Hypothesis). Anything
else (a float, a key too many or missing, a value of another type, a lone surrogate escape) it
leaves to ``decode``, which reads it or says why not: the two never disagree, so a fast read is
never a different read. ``msgspec`` is imported here, never at start-up: ``add`` does not need it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from residentlog.ledger.record import is_canonical

#: A kind-specific field's value, as the vocabulary's models allow (docs/format.md §2).
FieldValue = str | int | bool | None | list[str]
if TYPE_CHECKING:  # readers take each field as the vocabulary says it is, as from decode's dict
    Fields = dict[str, Any]
else:  # what the reader checks
    Fields = dict[str, FieldValue]


class Record(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One version-1 record, its keys in canonical (sorted) order: ``asdict`` gives them in the
    order ``decode`` reads them from canonical bytes. Treat it as read-only: the records of a
    ledger are read once and shared by every reader in a command. Not tracked by the cycle
    collector: a record holds no reference back to anything."""

    amends: int | None
    attachments: list[dict[str, str | int]]
    case: str | None
    details: str
    fields: Fields
    kind: str
    ledger: str
    links: list[int]
    location: str
    occurred_at: str
    occurred_precision: str
    occurred_text: str
    prev: str
    reason: str | None
    recorded_at: str
    refs: list[dict[str, str]]
    salt: str
    seq: int
    summary: str
    tags: list[str]
    v: int


def reader() -> Callable[[bytes], Record | None]:
    """A function reading one record's stored bytes as a :class:`Record`, or ``None`` when it is
    not exactly one (then read it with ``record.decode``, which reads it or says what is wrong)."""
    decode = msgspec.json.Decoder(Record).decode

    def read(data: bytes) -> Record | None:
        try:
            return decode(data)
        except msgspec.DecodeError:  # ValidationError too: a value of another type
            return None

    return read


def canonical_check() -> Callable[[bytes, Record], bool]:
    """``record.is_canonical`` for a :class:`Record` read from ``data``: the same answer, faster.

    ``msgspec`` writes a Struct's keys in their declared (sorted) order and, with
    ``order="sorted"``, every object's keys sorted, compactly, UTF-8 as is: what ``is_canonical``
    compares (tested). Anything that differs goes to ``is_canonical``, which decides.
    """
    encode = msgspec.json.Encoder(order="sorted").encode

    def check(data: bytes, record: Record) -> bool:
        return encode(record) == data or is_canonical(data, as_dict(record))

    return check


def as_dict(record: Record) -> dict[str, object]:
    """The record as ``record.decode`` reads it (its lists and objects shared, not copied)."""
    return msgspec.structs.asdict(record)
