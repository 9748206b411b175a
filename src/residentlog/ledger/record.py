"""The record format: the exact bytes that are hashed. This module is the format contract.

A record is one JSON object canonicalised with RFC 8785 (the ``rfc8785`` package). Its
SHA-256 leaf hash (RFC 9162: ``SHA-256(0x00 || canonical bytes)``) is the entry's hash, and
the checkpoint root is the RFC 9162 Merkle tree hash over the leaf hashes in order.
``docs/format.md`` describes every key; ``tests/test_record.py`` pins it with fixed vectors.
Changing anything here changes every hash: bump ``FORMAT_VERSION`` and keep reading old ones.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from residentlog.errors import VerificationFailed
from residentlog.ledger.merkle import leaf_hash
from residentlog.ledger.when import to_rfc3339

FORMAT_VERSION = 1

#: The keys of a version-1 record, all always present.
RECORD_KEYS = frozenset(
    {
        "v",
        "ledger",
        "seq",
        "prev",
        "recorded_at",
        "salt",
        "kind",
        "occurred_at",
        "occurred_precision",
        "occurred_text",
        "summary",
        "details",
        "location",
        "tags",
        "case",
        "links",
        "refs",
        "fields",
        "attachments",
        "amends",
        "reason",
    }
)


def new_salt() -> str:
    """16 random bytes, base64: makes a record's hash reveal nothing guessable about it."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def build_record(
    *,
    ledger_id: str,
    seq: int,
    prev: bytes | None,
    recorded_at: datetime,
    content: Mapping[str, Any],
    occurred_at: datetime,
    occurred_precision: str,
    occurred_text: str,
    attachments: list[dict[str, Any]],
    amends: int | None = None,
    reason: str = "",
    salt: str | None = None,
) -> dict[str, Any]:
    """The record as a dict; ``content`` is a validated EntryContent dumped to JSON types."""
    return {
        "v": FORMAT_VERSION,
        "ledger": ledger_id,
        "seq": seq,
        "prev": prev.hex() if prev else "",
        "recorded_at": to_rfc3339(recorded_at),
        "salt": salt if salt is not None else new_salt(),
        "kind": content["kind"],
        "occurred_at": to_rfc3339(occurred_at),
        "occurred_precision": occurred_precision,
        "occurred_text": occurred_text,
        "summary": content["summary"],
        "details": content["details"],
        "location": content["location"],
        "tags": list(content["tags"]),
        "case": content["case"] or "",
        "links": list(content["links"]),
        "refs": [dict(r) for r in content["refs"]],
        "fields": dict(content["fields"]),
        "attachments": attachments,
        "amends": amends,
        "reason": reason,
    }


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of a record (UTF-8, sorted keys, no whitespace)."""
    import rfc8785

    return rfc8785.dumps(record)


def encode(record: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """Canonical bytes and their leaf hash."""
    data = canonical_bytes(record)
    return data, leaf_hash(data)


def _no_floats(text: str) -> Any:
    raise ValueError(f"number {text} is not an integer; records hold no floats")


# Made once: verify decodes and re-encodes every record, and building these per call costs more
# than the parsing itself for a typical record. NaN and Infinity are floats too.
_DECODER = json.JSONDecoder(parse_float=_no_floats, parse_constant=_no_floats)
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode(data: bytes) -> dict[str, Any]:
    """Parse stored canonical bytes back into a record (for display and verification)."""
    try:
        record = _DECODER.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise VerificationFailed(f"stored record is not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise VerificationFailed("stored record is not a JSON object")
    return record


def is_canonical(data: bytes, record: Mapping[str, Any]) -> bool:
    """True when ``data`` is exactly the RFC 8785 form of ``record``.

    For records in this format (ASCII keys, no floats; ``decode`` refuses floats) RFC 8785
    output equals
    ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, which runs in C;
    that fast path is tried first and the ``rfc8785`` package decides when they differ.
    """
    fast = _ENCODER.encode(record)
    try:
        if fast.encode("utf-8") == data:
            return True
    except UnicodeEncodeError:
        return False
    try:
        return canonical_bytes(record) == data
    except Exception:  # any value rfc8785 refuses is not canonical
        return False
