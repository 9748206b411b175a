"""Spreadsheets mapped column by column: CSV and XLSX files read as rows of text, the
``TARGET=COLUMN`` mappings that say which column means what, and mappings saved in the store
by name for next time (``import-maps.json``).

Used by the diary importer (``transfer/evidence/diary.py``) and the landlord's records
(``ledger/landlord_records.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from residentlog.errors import InputError
from residentlog.ledger.layout import MAPS_FILE


def parse_mapping(spec: str, targets: Sequence[str], required: Sequence[str], example: str) -> dict[str, str]:
    """``when=Date,summary=What`` -> {"when": "Date", "summary": "What"}: each target one of
    ``targets``, once, every ``required`` one given; InputError naming ``map`` (``example`` shows
    what one looks like)."""
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        target, eq, column = part.partition("=")
        target = target.strip().lower()
        if not eq or not column.strip():
            raise InputError(
                f"{part.strip()!r} is not TARGET=COLUMN (e.g. {example.split(',')[0]})", field="map"
            )
        if target not in targets:
            raise InputError(f"unknown target {target!r}; choose from: {', '.join(targets)}", field="map")
        if target in mapping:
            raise InputError(f"{target!r} is mapped twice", field="map")
        mapping[target] = column.strip()
    missing = [t for t in required if t not in mapping]
    if missing:
        raise InputError(f"map a column to {' and '.join(missing)} (e.g. {example})", field="map")
    return mapping


def mapping_text(mapping: Mapping[str, str], targets: Sequence[str]) -> str:
    """``when=Date,summary=What``: the targets always in the order of ``targets``."""
    return ",".join(f"{t}={mapping[t]}" for t in targets if t in mapping)


def load_maps(root: Path) -> dict[str, dict[str, str]]:
    path = root / MAPS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the saved mappings in {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a set of saved mappings")
    return {str(k): {str(t): str(c) for t, c in v.items()} for k, v in data.items() if isinstance(v, dict)}


def save_map(root: Path, name: str, mapping: dict[str, str]) -> None:
    from residentlog.fsutil import write_json_atomic

    maps = load_maps(root)
    maps[name] = mapping
    write_json_atomic(root / MAPS_FILE, maps)


def read_rows(path: Path) -> tuple[str, list[str], Iterator[tuple[int, list[Any]]]]:
    """(where, headings, (row number, cells) of each row after them) of a CSV or XLSX file."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    return _csv_rows(path)


def _csv_rows(path: Path) -> tuple[str, list[str], Iterator[tuple[int, list[Any]]]]:
    import csv

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")  # Excel's "CSV" on Windows
    import io

    rows = list(csv.reader(io.StringIO(text, newline="")))
    return _split(path.name, [(n, list(r)) for n, r in enumerate(rows, 1)])


def _xlsx_rows(path: Path) -> tuple[str, list[str], Iterator[tuple[int, list[Any]]]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.active
        if sheet is None:
            raise InputError("the workbook has no sheet")
        rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), 1)]
        title = f"{path.name}, sheet {sheet.title}"
    finally:
        book.close()
    return _split(title, rows)


def _split(
    where: str, rows: list[tuple[int, list[Any]]]
) -> tuple[str, list[str], Iterator[tuple[int, list[Any]]]]:
    for i, (_, cells) in enumerate(rows):
        if any(cell_text(c) for c in cells):
            return where, [cell_text(c) for c in cells], iter(rows[i + 1 :])
    raise InputError("the spreadsheet has no heading row (it is empty)")


def cell_text(value: Any) -> str:
    """A cell as text: a date cell as ISO (2020-03-03, or 2020-03-03 14:00 with a time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}" if value.time() == time() else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
