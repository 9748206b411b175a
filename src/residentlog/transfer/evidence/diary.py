"""A resident's diary kept in a spreadsheet (CSV, or XLSX read with ``openpyxl``): one entry per
row, by a column mapping such as ``when=Date,summary=What happened,details=Notes``.

The first row with any text is the heading row; column names match it ignoring case and
surrounding spaces. Targets: ``when`` and ``summary`` (required), ``time`` (a separate time
column, joined to the date), ``details``, ``kind`` (a kind name per row; else the import's
kind), ``location``, ``case``, ``tags`` (split on commas), ``ref`` (``landlord:REP-1``),
``event`` and ``channel`` (kind-specific fields, for kinds that have them).

Dates are read as ``add --when`` reads them (UK day first: ``03/04/2020`` is 3 April); a date
cell in an XLSX file is used as the date it holds. Each entry attaches the spreadsheet itself
(stored once however many rows cite it) and says which row it came from; a row's **row key**
(SHA-256 of the mapped cells' text) is what a re-import recognises, so importing a diary again
after adding rows adds only the new rows (a row edited since is a new row).

The mapping used is saved in the store (``import-maps.json``, by name, default ``diary``): the
next import of the same kind of file needs no ``--map``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from residentlog.errors import InputError
from residentlog.ledger import sheets
from residentlog.ledger.sheets import cell_text, read_rows
from residentlog.ledger.when import When, parse_when
from residentlog.transfer.evidence.candidate import (
    IMPORTED_FROM,
    ROW_KEY,
    Bad,
    Candidate,
    labelled,
    multi_line,
    one_line,
)

TARGETS = (
    "when",
    "time",
    "summary",
    "details",
    "kind",
    "location",
    "case",
    "tags",
    "ref",
    "event",
    "channel",
)
REQUIRED = ("when", "summary")
DIARY_SUFFIXES = frozenset({".csv", ".xlsx"})


def parse_mapping(spec: str) -> dict[str, str]:
    """``when=Date,summary=What`` -> {"when": "Date", "summary": "What"}; InputError naming ``map``."""
    return sheets.parse_mapping(spec, TARGETS, REQUIRED, "when=Date,summary=What")


def mapping_text(mapping: Mapping[str, str]) -> str:
    """``when=Date,summary=What``: the targets always in the order of :data:`TARGETS`."""
    return sheets.mapping_text(mapping, TARGETS)


def read_diary(path: Path, mapping: dict[str, str], *, kind: str, now: datetime) -> Iterator[Candidate | Bad]:
    """Each row of the diary as a candidate entry, or a Bad naming the file and row."""
    from residentlog.ledger.vocabulary import KINDS, parse_ref

    try:
        where, headings, rows = read_rows(path)
    except InputError as exc:
        yield Bad(path.name, exc.message)
        return
    index = {h.strip().casefold(): i for i, h in reversed(list(enumerate(headings))) if h.strip()}
    missing = [c for c in mapping.values() if c.strip().casefold() not in index]
    if missing:
        yield Bad(
            path.name,
            f"no column {missing[0]!r} (its columns: {', '.join(h for h in headings if h)})",
        )
        return
    column = {target: index[name.strip().casefold()] for target, name in mapping.items()}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for number, cells in rows:
        values = {t: one_line(cell_text(cells[i]) if i < len(cells) else "", 5000) for t, i in column.items()}
        raw_details = (
            cell_text(cells[column["details"]])
            if "details" in column and column["details"] < len(cells)
            else ""
        )
        if not any(values.values()):
            continue
        source = f"{where}, row {number}"
        if not values["when"]:
            yield Bad(source, f"no date in column {mapping['when']!r}")
            continue
        if not values["summary"]:
            yield Bad(source, f"nothing in column {mapping['summary']!r} to use as the summary")
            continue
        date_text = values["when"] + (" " + values["time"] if values.get("time") else "")
        try:
            when: When = parse_when(date_text, now)
        except InputError as exc:
            yield Bad(source, exc.message)
            continue
        row_kind = values.get("kind", "").lower() or kind
        if row_kind not in KINDS:
            yield Bad(source, f"unknown kind {row_kind!r} in column {mapping['kind']!r}")
            continue
        key = hashlib.sha256(
            json.dumps([[t, values[t]] for t in sorted(values)], ensure_ascii=False).encode("utf-8")
        ).hexdigest()[:32]
        accepted = KINDS[row_kind].fields.model_fields
        fields = {f: values[f].lower() for f in ("event", "channel") if values.get(f) and f in accepted}
        noted = [
            (f.capitalize(), values[f]) for f in ("event", "channel") if values.get(f) and f not in accepted
        ]
        content: dict[str, Any] = {
            "kind": row_kind,
            "summary": one_line(values["summary"], 300),
            "details": labelled(
                [
                    (IMPORTED_FROM.rstrip(": "), f"{source} (diary, sha256 {digest})"),
                    (ROW_KEY.rstrip(": "), key),
                    ("Column mapping", mapping_text(mapping)),
                    *noted,
                ]
            )
            + ("\n\n" + multi_line(raw_details, 50_000) if raw_details.strip() else ""),
            "location": one_line(values.get("location", ""), 200),
            "tags": ["diary", *_tags(values.get("tags", ""))],
            "refs": [parse_ref(values["ref"])] if values.get("ref") else [],
            "fields": fields,
        }
        if values.get("case"):
            content["case"] = values["case"]
        yield Candidate(source=source, content=content, when=when, files=[path], keys=("row:" + key,))


def _tags(text: str) -> list[str]:
    return [t.strip().lower().replace(" ", "-") for t in text.replace(";", ",").split(",") if t.strip()]
